package dev.lore.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * API keys: shown once, stored hashed, rate-limited per key with 429 + Retry-After, revocable at once; a key's name is
 * its identity, unique in the tenant, and its end users are its own.
 */
@QuarkusTest
class ApiKeyTest {

    @Inject AgroalDataSource dataSource;

    @Test
    void keysAreShownOnceStoredHashedLimitedAndRevocable() throws Exception {
        Response created = given().contentType(ContentType.JSON).body(Map.of("name", "help-desk", "ratePerMinute", 3))
                .post("/api/v1/api-keys").then().statusCode(201).extract().response();
        String key = created.path("key");
        String id = created.path("info.id");
        assertTrue(key.startsWith("lore_") && key.length() == 45, key);

        String listed = given().get("/api/v1/api-keys").then().statusCode(200).extract().asString();
        assertFalse(listed.contains(key), "a key is shown only once");
        assertTrue(listed.contains(key.substring(0, 12)), "its prefix identifies it");
        try (Connection c = dataSource.getConnection(); ResultSet rs = c.createStatement().executeQuery("SELECT * FROM api_key")) {
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    assertFalse(String.valueOf(rs.getObject(i)).contains(key), "the plaintext key is not stored");
                }
            }
        }

        for (int i = 0; i < 3; i++) {
            given().header("X-API-Key", key).contentType(ContentType.JSON).body(Map.of("endUserId", "u" + i))
                    .post("/api/v1/conversations").then().statusCode(201);
        }
        Response limited = given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body(Map.of())
                .post("/api/v1/conversations").then().statusCode(429).extract().response();
        assertNotNull(limited.header("Retry-After"));
        assertTrue(Integer.parseInt(limited.header("Retry-After")) >= 1);
        assertEquals("application/problem+json", limited.contentType());

        given().delete("/api/v1/api-keys/" + id).then().statusCode(204);
        given().header("X-API-Key", key).get("/api/v1/agents").then().statusCode(401);
        given().header("X-API-Key", "lore_thisKeyDoesNotExist000000000000000000000").get("/api/v1/agents").then().statusCode(401);
        given().delete("/api/v1/api-keys/" + id).then().statusCode(404);
    }

    @Test
    void aKeysNameIsItsIdentityAndItsEndUsersAreItsOwn() {
        String suffix = Long.toString(System.nanoTime(), 36);
        Map<String, Object> a = given().contentType(ContentType.JSON).body(Map.of("name", "app-a-" + suffix, "ratePerMinute", 1000))
                .post("/api/v1/api-keys").then().statusCode(201).extract().jsonPath().getMap("$");
        String keyA = (String) a.get("key");
        String keyB = given().contentType(ContentType.JSON).body(Map.of("name", "app-b-" + suffix, "ratePerMinute", 1000))
                .post("/api/v1/api-keys").then().statusCode(201).extract().path("key");
        // one name, one key: also after revocation (a new key named like a revoked one took over its conversations)
        given().contentType(ContentType.JSON).body(Map.of("name", "app-a-" + suffix)).post("/api/v1/api-keys")
                .then().statusCode(409).contentType(org.hamcrest.Matchers.startsWith("application/problem+json"))
                .body("detail", org.hamcrest.Matchers.containsString("identity"));
        given().contentType(ContentType.JSON).body(Map.of("name", "bootstrap")).post("/api/v1/api-keys").then().statusCode(409);
        // ':' separates a key's name from its end users' ids
        given().contentType(ContentType.JSON).body(Map.of("name", "app-a-" + suffix + ":x")).post("/api/v1/api-keys")
                .then().statusCode(400).body("detail", org.hamcrest.Matchers.equalTo("name: must not contain ':'"));

        String conv = given().header("X-API-Key", keyA).contentType(ContentType.JSON).body(Map.of("endUserId", "cust-1"))
                .post("/api/v1/conversations").then().statusCode(201).body("endUserId", org.hamcrest.Matchers.equalTo("cust-1"))
                .extract().path("id");
        // another application of the tenant naming the same customer id reaches nothing of A's
        given().header("X-API-Key", keyB).get("/api/v1/end-users/cust-1/memories").then().statusCode(200)
                .body("$", org.hamcrest.Matchers.empty());
        given().header("X-API-Key", keyB).delete("/api/v1/end-users/cust-1").then().statusCode(200)
                .body("conversationsDeleted", org.hamcrest.Matchers.equalTo(0));
        given().header("X-API-Key", keyA).get("/api/v1/conversations/" + conv).then().statusCode(200);
        // and its own customer of that id is another person
        String convB = given().header("X-API-Key", keyB).contentType(ContentType.JSON).body(Map.of("endUserId", "cust-1"))
                .post("/api/v1/conversations").then().statusCode(201).extract().path("id");
        given().header("X-API-Key", keyA).delete("/api/v1/end-users/cust-1").then().statusCode(200)
                .body("conversationsDeleted", org.hamcrest.Matchers.equalTo(1));
        given().header("X-API-Key", keyA).get("/api/v1/conversations/" + conv).then().statusCode(404);
        given().header("X-API-Key", keyB).get("/api/v1/conversations/" + convB).then().statusCode(200);

        given().delete("/api/v1/api-keys/" + ((Map<?, ?>) a.get("info")).get("id")).then().statusCode(204);
        given().contentType(ContentType.JSON).body(Map.of("name", "app-a-" + suffix)).post("/api/v1/api-keys").then().statusCode(409);
    }
}
