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

/** API keys: shown once, stored hashed, rate-limited per key with 429 + Retry-After, revocable at once. */
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
}
