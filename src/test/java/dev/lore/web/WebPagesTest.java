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
        assertTrue(location.startsWith("http://127.0.0.1:8180/realms/lore/protocol/openid-connect/auth"), location);
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

        assertOnlyOwnRequests();
    }

    void assertOnlyOwnRequests() {
        String own = URI.create(url("/")).getAuthority();
        List<String> foreign = browser.requests().stream().filter(u -> u.startsWith("http"))
                .filter(u -> !URI.create(u).getAuthority().equals(own) && !URI.create(u).getAuthority().equals("127.0.0.1:8180")).toList();
        assertEquals(List.of(), foreign, "requests outside the application and Keycloak");
        assertFalse(browser.requests().isEmpty());
    }
}
