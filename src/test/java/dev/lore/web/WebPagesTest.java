package dev.lore.web;

import static dev.lore.support.Auth.anonymous;
import static dev.lore.support.Auth.asUser;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.Browser;
import dev.lore.support.ScriptedModelResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The web pages in a real headless Chromium, signed in through the real Keycloak (authorization-code flow): the chat
 * page streams a cited answer and takes a rating. Every request the browser makes goes to the application or Keycloak.
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebPagesTest {

    static final Path SCREENSHOTS = Path.of("docs", "screenshots");
    static final String QUESTION = "How long are nightly backups kept?";

    @TestHTTPResource("/")
    URL base;

    static Browser browser;

    @BeforeAll
    static void startBrowser() {
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) browser.close();
    }

    String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    @Test
    @Order(1)
    void apiStaysABearerTokenServiceAndPagesRedirectToKeycloak() {
        anonymous().get("/api/v1/sources").then().statusCode(401);
        given().get("/api/v1/sources").then().statusCode(200);
        String location = given().redirects().follow(false).get("/chat").then().statusCode(302).extract().header("Location");
        assertTrue(location.startsWith(dev.lore.support.Auth.KEYCLOAK + "/realms/lore/protocol/openid-connect/auth"), location);
        // an API key does not open the pages, and a bearer token does not either: they are for /api
        given().redirects().follow(false).get("/console").then().statusCode(302);
    }

    @Test
    @Order(2)
    void chatStreamsACitedAnswerAndTakesARating() throws Exception {
        Path folder = Files.createTempDirectory("lore-web-chat");
        Files.writeString(folder.resolve("backups.md"), """
                # Backups

                ## Retention

                Nightly backups are kept for 35 days in the primary region. Weekly backups are kept for a year.

                ## Restore

                Ask the on-call engineer to restore a backup; restores take about an hour.
                """);
        String sourceId = asUser("alice").contentType(ContentType.JSON)
                .body(Map.of("type", "filesystem", "name", "chat-docs", "config", Map.of("path", folder.toString(), "acl", Map.of("everyone", true))))
                .post("/api/v1/sources").then().statusCode(201).extract().path("id");
        String runId = asUser("alice").post("/api/v1/sources/" + sourceId + "/sync").then().statusCode(202).extract().path("id");
        for (int i = 0; i < 300 && "running".equals(asUser("alice").get("/api/v1/sources/" + sourceId + "/runs/" + runId).path("status")); i++) Thread.sleep(200);

        ScriptedModelResource.server().reset();
        browser.open(url("/chat")).signIn("alice", "alice-pw");
        browser.waitFor(By.id("message")).sendKeys(QUESTION);
        browser.driver().findElement(By.id("ask-button")).click();
        browser.waitFor(By.cssSelector("#turns .turn .citations li"));
        WebElement turn = browser.driver().findElement(By.cssSelector("#turns .turn"));
        assertTrue(turn.findElement(By.cssSelector(".mode")).getText().toLowerCase().contains("generative"), turn.getText());
        assertTrue(turn.findElement(By.cssSelector(".citations li")).getText().contains("Backups"), turn.getText());
        assertTrue(browser.driver().getCurrentUrl().contains("/chat/c/"), browser.driver().getCurrentUrl());

        turn.findElement(By.cssSelector(".feedback input[name=comment]")).sendKeys("Exactly what I needed");
        turn.findElement(By.cssSelector(".feedback button.up")).click();
        browser.waitForText(By.cssSelector("#turns .turn .rated"), "helpful", 10);
        browser.screenshot(SCREENSHOTS.resolve("chat.png"));

        // a second question in the same conversation: its time to first token no longer includes model discovery
        browser.driver().findElement(By.id("message")).sendKeys("How long does a restore take?");
        browser.driver().findElement(By.id("ask-button")).click();
        new org.openqa.selenium.support.ui.WebDriverWait(browser.driver(), java.time.Duration.ofSeconds(30))
                .until(d -> d.findElements(By.cssSelector("#turns .turn .meta")).size() == 2);
        List<WebElement> metas = browser.driver().findElements(By.cssSelector("#turns .turn .meta"));
        WebElement second = browser.driver().findElements(By.cssSelector("#turns .turn")).get(1);
        second.findElement(By.cssSelector(".feedback button.down")).click();
        new org.openqa.selenium.support.ui.WebDriverWait(browser.driver(), java.time.Duration.ofSeconds(10))
                .until(d -> d.findElements(By.cssSelector("#turns .turn .rated")).size() == 2);
        metric("chat time to first token (server, first question, includes model discovery): " + metas.get(0).getText());
        metric("chat time to first token (server, second question): " + metas.get(1).getText());

        assertOnlyOwnRequests();
    }

    @Test
    @Order(3)
    void consoleAddsASourceFromItsConnectorFormSyncsItAndShowsFailures() throws Exception {
        Path folder = Files.createTempDirectory("lore-web-console");
        Files.writeString(folder.resolve("onboarding.md"), "# Onboarding\n\n## First day\n\nCollect your badge at the front desk before 9:00.\n");
        Files.writeString(folder.resolve("expenses.md"), "# Expenses\n\n## Travel\n\nTrain tickets are refunded within 30 days of the trip.\n");
        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        Files.write(folder.resolve("random-bytes.pdf"), noise);

        browser.open(url("/console/sources"));
        browser.screenshot(SCREENSHOTS.resolve("console-sources-empty.png"));
        browser.waitFor(By.id("src-name")).sendKeys("handbook");
        browser.driver().findElement(By.id("cfg.path")).sendKeys(folder.toString());
        browser.driver().findElement(By.id("cfg.acl.everyone")).click();
        browser.driver().findElement(By.cssSelector("#add-source button[type=submit]")).click();
        browser.waitForText(By.cssSelector("main h1"), "handbook", 15);
        browser.driver().findElement(By.id("sync-now")).click();
        browser.waitForText(By.cssSelector("#runs tbody tr.run"), "succeeded", 120);
        browser.screenshot(SCREENSHOTS.resolve("console-source.png"));
        assertTrue(browser.driver().findElement(By.cssSelector("#runs tbody tr.run")).getText().contains("3/3"),
                browser.driver().findElement(By.id("runs")).getText());

        browser.driver().findElement(By.cssSelector("#runs tbody tr.run td a")).click();
        browser.waitForText(By.id("run-documents"), "random-bytes.pdf", 15);
        assertTrue(browser.driver().findElement(By.id("run-documents")).getText().contains("failed"));
        browser.screenshot(SCREENSHOTS.resolve("console-run-failures.png"));

        browser.open(url("/console/sources"));
        browser.waitForText(By.cssSelector("main table"), "handbook", 15);
        browser.screenshot(SCREENSHOTS.resolve("console-sources.png"));
        assertOnlyOwnRequests();
    }

    @Test
    @Order(4)
    void consolePagesShowDocumentsSearchAgentsPeopleFeedbackAndSystem() {
        browser.open(url("/console/documents"));
        browser.waitForText(By.cssSelector("main table"), "onboarding.md", 15);
        browser.screenshot(SCREENSHOTS.resolve("console-documents.png"));
        browser.driver().findElement(By.linkText("onboarding.md")).click();
        browser.waitForText(By.cssSelector("main"), "Collect your badge", 15);
        assertTrue(browser.driver().findElement(By.cssSelector("main")).getText().contains("everyone in the tenant"));
        browser.screenshot(SCREENSHOTS.resolve("console-document.png"));

        browser.open(url("/console/search?q=" + java.net.URLEncoder.encode("when is a train ticket refunded", java.nio.charset.StandardCharsets.UTF_8) + "&as=bob"));
        browser.waitForText(By.id("search-who"), "bob", 15);
        assertTrue(browser.driver().findElement(By.id("search-results")).getText().contains("Expenses"),
                browser.driver().findElement(By.id("search-results")).getText());
        browser.screenshot(SCREENSHOTS.resolve("console-search.png"));

        browser.open(url("/console/agents"));
        browser.waitForText(By.cssSelector("main"), "knowledge-assistant", 15);
        browser.screenshot(SCREENSHOTS.resolve("console-agents.png"));
        browser.driver().findElement(By.linkText("knowledge-assistant")).click();
        browser.waitFor(By.id("agent-form"));
        browser.screenshot(SCREENSHOTS.resolve("console-agent.png"));

        browser.open(url("/console/users"));
        browser.waitForText(By.id("people"), "carol", 30);
        assertFalse(browser.driver().findElement(By.id("people")).getText().contains("dave"), "another tenant's people are not listed");
        browser.screenshot(SCREENSHOTS.resolve("console-users.png"));

        browser.open(url("/console/conversations"));
        browser.waitForText(By.id("ratings"), "Exactly what I needed", 15);
        assertTrue(browser.driver().findElement(By.id("ratings")).getText().contains(QUESTION));
        browser.screenshot(SCREENSHOTS.resolve("console-conversations.png"));

        browser.open(url("/console/system"));
        browser.waitForText(By.id("model-server"), "reachable", 15);
        browser.screenshot(SCREENSHOTS.resolve("console-system.png"));
        assertOnlyOwnRequests();
    }

    static String firstRun;

    @Test
    @Order(5)
    void consoleRunsAnEvaluationWithLiveProgressAndShowsItsMetrics() {
        browser.open(url("/console/evaluations"));
        browser.waitForText(By.cssSelector("main h1"), "Evaluations", 15);
        startEvaluation("pg-manual", "chat-docs", "3", null);
        browser.waitForText(By.id("eval-status"), "succeeded", 180);
        firstRun = browser.driver().findElement(By.id("eval-run-id")).getText().strip();
        String metrics = browser.driver().findElement(By.id("eval-metrics")).getText();
        assertTrue(metrics.contains("hit@5") && metrics.contains("mrr@10") && metrics.contains("pass_rate"), metrics);
        assertTrue(browser.driver().findElement(By.id("eval-config")).getText().toLowerCase().contains("embeddingmodel"),
                browser.driver().findElement(By.id("eval-config")).getText());
        assertTrue(browser.driver().findElement(By.id("eval-cases")).getText().contains("q01"));
        // the polling stopped with the run: the finished section no longer asks for updates
        assertTrue(browser.driver().findElements(By.cssSelector("#eval-live[hx-trigger]")).isEmpty());

        // a second run compared with the first: baseline, current, delta and status per metric
        browser.open(url("/console/evaluations"));
        startEvaluation("pg-manual", "chat-docs", "3", firstRun);
        browser.waitForText(By.id("eval-status"), "succeeded", 180);
        browser.waitForText(By.id("eval-gate"), "passed", 15);
        String gated = browser.driver().findElement(By.id("eval-metrics")).getText();
        assertTrue(gated.contains("hit@5") && gated.contains("+0.0000") && gated.contains("ok"), gated);
        assertTrue(browser.driver().findElement(By.id("pass-to-fail")).getText().contains("None"));
        browser.screenshot(SCREENSHOTS.resolve("console-evaluation.png"));

        browser.open(url("/console/evaluations"));
        browser.waitForText(By.id("eval-runs"), "succeeded", 15);
        assertEquals(2, browser.driver().findElements(By.cssSelector("#eval-runs tr.eval-run")).size());
        List<WebElement> charts = browser.driver().findElements(By.cssSelector("#eval-charts figure.chart"));
        assertTrue(charts.stream().anyMatch(c -> c.getText().contains("pg-manual") && c.getText().contains("hit@5")), "a hit@5 chart");
        WebElement chart = charts.get(0);
        assertEquals(2, chart.findElements(By.cssSelector("circle.dot")).size(), "one point per run");
        assertEquals(1, chart.findElements(By.cssSelector("line.baseline")).size(), "the baseline as a dashed line");
        browser.driver().executeScript("document.getElementById('eval-charts').scrollIntoView()");
        browser.screenshot(SCREENSHOTS.resolve("console-evaluations.png"));
        assertOnlyOwnRequests();
    }

    void startEvaluation(String suite, String source, String maxCases, String compareWith) {
        new org.openqa.selenium.support.ui.Select(browser.waitFor(By.id("ev-suite"))).selectByValue(suite);
        new org.openqa.selenium.support.ui.Select(browser.driver().findElement(By.id("ev-source"))).selectByValue(source);
        browser.driver().findElement(By.id("ev-max")).sendKeys(maxCases);
        if (compareWith != null) new org.openqa.selenium.support.ui.Select(browser.driver().findElement(By.id("ev-compare"))).selectByValue(compareWith);
        browser.driver().findElement(By.cssSelector("#start-eval button[type=submit]")).click();
        browser.waitFor(By.id("eval-live"));
        browser.waitForText(By.cssSelector("main h1"), "Evaluation of " + suite, 15);
    }

    @Test
    @Order(6)
    void ratedAnswersOfBothKindsBecomeEvalCasesFromTheConsole() {
        // a bot-API agent turn of alice's, rated through the API
        ScriptedModelResource.server().reset();
        ScriptedModelResource.server().enqueue(dev.lore.support.ScriptedOpenAiServer.Step.message("""
                {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                 "function":{"name":"search_knowledge","arguments":"{\\"query\\":\\"backup retention\\"}"}}]}""", "tool_calls"),
                dev.lore.support.ScriptedOpenAiServer.Step.answer("Nightly backups are kept for 35 days [1]."));
        String conv = asUser("alice").contentType(ContentType.JSON).body(Map.of()).post("/api/v1/conversations").then().statusCode(201).extract().path("id");
        String turn = asUser("alice").contentType(ContentType.JSON).body(Map.of("message", "how long do we keep backups?"))
                .post("/api/v1/conversations/" + conv + "/messages").then().statusCode(200).extract().path("turnId");
        asUser("alice").contentType(ContentType.JSON).body(Map.of("turnId", turn, "rating", "1", "comment", "right tool"))
                .post("/api/v1/feedback").then().statusCode(204);
        ScriptedModelResource.server().reset();

        browser.open(url("/console/conversations"));
        browser.waitForText(By.id("ratings"), "right tool", 15);
        WebElement agentRow = row("right tool");
        assertTrue(agentRow.getText().contains("agent") && agentRow.getText().contains("search_knowledge"), agentRow.getText());

        // the chat answer rated "not helpful" needs its expectation: refused with the reason
        WebElement down = row("How long does a restore take?");
        down.findElement(By.cssSelector("details.make-case summary")).click();
        down.findElement(By.cssSelector(".make-case-form button[type=submit]")).click();
        browser.waitForText(By.cssSelector("main .flash.error"), "thumbs-down answer was wrong", 15);

        // the helpful chat answer becomes a case with a fact, citing what it cited
        WebElement up = row("Exactly what I needed");
        up.findElement(By.cssSelector("details.make-case summary")).click();
        up.findElement(By.cssSelector("textarea[name=facts]")).sendKeys("35 days");
        up.findElement(By.cssSelector(".make-case-form button[type=submit]")).click();
        browser.waitForText(By.id("made-case"), "35 days", 15);
        String made = browser.driver().findElement(By.id("made-case")).getText();
        assertTrue(made.contains(QUESTION) && made.contains("backups.md") && made.contains("\"type\" : \"answer\""), made);
        assertTrue(browser.driver().findElement(By.cssSelector("main .flash")).getText().contains("stored in suite feedback"));
        browser.screenshot(SCREENSHOTS.resolve("console-conversations.png"));

        // and the agent turn, expecting the tool call it made
        row("right tool").findElement(By.cssSelector("details.make-case summary")).click();
        row("right tool").findElement(By.cssSelector(".make-case-form button[type=submit]")).click();
        browser.waitForText(By.id("made-case"), "search_knowledge", 15);

        browser.open(url("/console/evaluations"));
        WebElement feedbackSuite = browser.waitFor(By.cssSelector("#ev-suite option[value=feedback]"));
        assertTrue(feedbackSuite.getText().contains("2 cases"), feedbackSuite.getText());
        assertOnlyOwnRequests();
    }

    WebElement row(String text) {
        return browser.driver().findElements(By.cssSelector("#ratings tr.rating")).stream().filter(r -> r.getText().contains(text)).findFirst()
                .orElseThrow(() -> new AssertionError("no rating row with " + text + ": " + browser.driver().findElement(By.id("ratings")).getText()));
    }

    @Test
    @Order(7)
    void changesWithoutTheCsrfTokenAreRefusedAndSignOutEndsTheSession() {
        browser.open(url("/chat"));
        browser.waitFor(By.id("message"));
        Object status = browser.driver().executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/chat/ask', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'message=hi'})"
                        + ".then(r => done(r.status), e => done(String(e)));");
        assertEquals(403L, status, "a page POST without the token is refused");
        int runs = asUser("alice").get("/api/v1/evaluations").then().statusCode(200).extract().jsonPath().getList("$").size();
        Object evalStatus = browser.driver().executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/console/evaluations', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'suite=pg-manual&maxCases=1'})"
                        + ".then(r => done(r.status), e => done(String(e)));");
        assertEquals(403L, evalStatus, "starting an evaluation without the token is refused");
        assertEquals(runs, asUser("alice").get("/api/v1/evaluations").then().extract().jsonPath().getList("$").size(), "no run was started");

        browser.resize(390, 844);
        browser.open(url("/chat"));
        browser.waitFor(By.id("message"));
        browser.screenshot(SCREENSHOTS.resolve("chat-phone.png"));
        browser.resize(1280, 900);

        browser.driver().findElement(By.cssSelector("form[action='/logout'] button")).click();
        browser.waitForText(By.cssSelector("h1"), "signed out", 30);
        browser.open(url("/chat"));
        browser.waitFor(By.id("username"));
        assertOnlyOwnRequests();
    }

    @Test
    @Order(8)
    void aUserIsRefusedTheConsole() {
        try (Browser bob = Browser.start()) {
            bob.open(url("/chat")).signIn("bob", "bob-pw");
            bob.waitFor(By.id("message"));
            assertTrue(bob.driver().findElements(By.linkText("Console")).isEmpty(), "no console link for a user");
            bob.open(url("/console/sources"));
            bob.waitForText(By.cssSelector("h1"), "Not allowed", 15);
            bob.screenshot(SCREENSHOTS.resolve("console-forbidden.png"));
            bob.open(url("/chat"));
            bob.waitFor(By.id("message"));
            // page weight of the chat page, cold cache: every byte the browser transfers to show it
            bob.networkEvents();
            bob.driver().executeCdpCommand("Network.setCacheDisabled", Map.of("cacheDisabled", true));
            bob.open(url("/chat"));
            bob.waitFor(By.id("message"));
            long bytes = 0;
            int count = 0;
            StringBuilder each = new StringBuilder();
            Map<String, String> urls = new java.util.HashMap<>();
            for (com.fasterxml.jackson.databind.JsonNode e : bob.networkEvents()) {
                String method = e.path("method").asText();
                String id = e.path("params").path("requestId").asText();
                if (method.equals("Network.requestWillBeSent")) urls.put(id, e.path("params").path("request").path("url").asText());
                if (method.equals("Network.loadingFinished")) {
                    long n = e.path("params").path("encodedDataLength").asLong();
                    bytes += n;
                    count++;
                    each.append("\n  ").append(n).append(" B ").append(urls.get(id));
                }
            }
            metric("chat page weight, cold cache: " + count + " requests, " + bytes + " bytes transferred" + each);
            bob.driver().executeCdpCommand("Network.setCacheDisabled", Map.of("cacheDisabled", false));
            Object status = bob.driver().executeAsyncScript(
                    "const done = arguments[arguments.length - 1];"
                            + "fetch('/console/sources').then(r => done(r.status), e => done(String(e)));");
            assertEquals(403L, status);
            // evaluations and making eval cases are for admins: the page and both actions, even with bob's own CSRF token
            for (String[] req : List.of(new String[] {"GET", "/console/evaluations", ""}, new String[] {"GET", "/console/evaluations/" + firstRun, ""},
                    new String[] {"POST", "/console/evaluations", "suite=pg-manual&maxCases=1"},
                    new String[] {"POST", "/console/conversations/" + java.util.UUID.randomUUID() + "/eval-case", "suite=feedback"})) {
                Object code = bob.driver().executeAsyncScript(
                        "const done = arguments[arguments.length - 1];"
                                + "const token = document.querySelector('meta[name=csrf-token]').content;"
                                + "const init = arguments[0] === 'GET' ? {} : {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded',"
                                + " 'X-CSRF-Token': token}, body: arguments[2]};"
                                + "fetch(arguments[1], init).then(r => done(r.status), e => done(String(e)));", req[0], req[1], req[2]);
                assertEquals(403L, code, req[0] + " " + req[1]);
            }
        }
    }

    /** Appends a measurement to target/web-metrics.txt (docs/benchmarks.md quotes it). */
    static void metric(String line) {
        try {
            Files.writeString(Path.of("target", "web-metrics.txt"), line + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    void assertOnlyOwnRequests() {
        String own = URI.create(url("/")).getAuthority();
        List<String> foreign = browser.requests().stream().filter(u -> u.startsWith("http"))
                .filter(u -> !URI.create(u).getAuthority().equals(own) && !URI.create(u).getAuthority().equals(URI.create(dev.lore.support.Auth.KEYCLOAK).getAuthority())).toList();
        assertEquals(List.of(), foreign, "requests outside the application and Keycloak");
        assertFalse(browser.requests().isEmpty());
    }
}
