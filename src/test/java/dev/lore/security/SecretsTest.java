package dev.lore.security;

import static dev.lore.support.Auth.as;
import static dev.lore.support.Auth.token;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.Api;
import dev.lore.support.DefaultAuth;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Secrets (API keys, the bootstrap key, the OIDC client secret, access tokens) and the text of documents a caller may
 * not read never appear in API responses or in the log (the test profile also logs to {@code target/lore-test.log}).
 */
@QuarkusTest
class SecretsTest {

    @Test
    void secretsAndForbiddenTextNeverReachResponsesOrTheLog() throws Exception {
        // a document only admins may read, and a user-role key that must not see it
        Path dir = Files.createTempDirectory("lore-secrets");
        String secretSentence = "The merger code name is Ultramarine Heron and closes on the ninth.";
        Files.writeString(dir.resolve("merger.md"), "# Merger\n\n" + secretSentence + "\n");
        String sourceId = Api.createFilesystemSource("secrets-" + System.nanoTime(), dir);
        Api.syncAndWait(sourceId);

        String key = given().contentType(ContentType.JSON).body(Map.of("name", "secret-test")).post("/api/v1/api-keys")
                .then().statusCode(201).extract().path("key");
        String found = as(key).contentType(ContentType.JSON).body(Map.of("query", "merger code name Ultramarine Heron"))
                .post("/api/v1/search").then().statusCode(200).extract().asString();
        assertFalse(found.contains("Ultramarine"), found);
        String chat = as(key).contentType(ContentType.JSON).body(Map.of("message", "what is the merger code name?"))
                .post("/api/v1/chat").then().statusCode(200).extract().asString();
        assertFalse(chat.contains("Ultramarine"), chat);
        // wrong credentials of every kind, to give the log a chance to print them
        as("lore_wrongKeyWrongKeyWrongKeyWrongKeyWrongKey0").get("/api/v1/agents").then().statusCode(401);
        String bobToken = token("bob");
        as(bobToken + "tampered").get("/api/v1/agents").then().statusCode(401);
        as(bobToken).get("/api/v1/agents").then().statusCode(200);

        List<String> listed = List.of(given().get("/api/v1/api-keys").then().statusCode(200).extract().asString(),
                given().get("/api/v1/sources").then().statusCode(200).extract().asString(),
                given().get("/api/v1/tools/http").then().statusCode(200).extract().asString());
        for (String body : listed) {
            assertFalse(body.contains(key), "an API key in a response");
            assertFalse(body.contains(DefaultAuth.BOOTSTRAP_KEY), "the bootstrap key in a response");
            assertFalse(body.contains("lore-dev-secret"), "the client secret in a response");
        }
        assertFalse(given().get("/api/v1/api-keys").then().extract().asString().contains(ApiKeys.hash(key)), "a key hash in a response");

        Path log = Path.of("target/lore-test.log");
        assertTrue(Files.exists(log), "the test profile logs to " + log);
        String text = Files.readString(log);
        assertTrue(text.length() > 1000, "the log has content");
        for (String secret : List.of(key, DefaultAuth.BOOTSTRAP_KEY, "lore-dev-secret", "lore_wrongKeyWrongKey",
                bobToken.substring(bobToken.lastIndexOf('.') + 1), secretSentence, "Ultramarine")) {
            assertFalse(text.contains(secret), "the log contains a secret or forbidden text: " + secret.substring(0, Math.min(12, secret.length())) + "…");
        }
    }
}
