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
        browser.open(url("/console/evaluations"));
        browser.waitForText(By.cssSelector("main h1"), "Evaluations", 15);
        browser.screenshot(SCREENSHOTS.resolve("console-evaluations.png"));
        assertOnlyOwnRequests();
    }

    @Test
    @Order(5)
    void changesWithoutTheCsrfTokenAreRefusedAndSignOutEndsTheSession() {
        browser.open(url("/chat"));
        browser.waitFor(By.id("message"));
        Object status = browser.driver().executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/chat/ask', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'message=hi'})"
                        + ".then(r => done(r.status), e => done(String(e)));");
        assertEquals(403L, status, "a page POST without the token is refused");

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
    @Order(6)
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
