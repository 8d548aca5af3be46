package dev.lore.platform;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The OpenAPI document describes the API as callers use it: both ways to authenticate, no HTML pages. */
@QuarkusTest
class OpenApiDocumentTest {

    @Test
    void declaresApiKeysNextToKeycloakAndLeavesThePagesOut() {
        JsonPath doc = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
        Map<String, Object> key = doc.getMap("components.securitySchemes.apiKey");
        assertEquals("apiKey", key.get("type"));
        assertEquals("header", key.get("in"));
        assertEquals("X-API-Key", key.get("name"));
        assertEquals("openIdConnect", doc.getString("components.securitySchemes.keycloak.type"));
        List<Map<String, List<String>>> search = doc.getList("paths.'/api/v1/search'.post.security");
        assertTrue(search.stream().anyMatch(r -> r.containsKey("apiKey")), search.toString());
        assertTrue(search.stream().anyMatch(r -> r.containsKey("keycloak")), search.toString());
        List<String> sources = doc.getList("paths.'/api/v1/sources'.get.security.apiKey.flatten()");
        assertTrue(sources.contains("admin") && !sources.contains("user"), "an API key needs the same roles: " + sources);
        List<String> paths = List.copyOf(doc.getMap("paths").keySet().stream().map(String::valueOf).toList());
        assertTrue(paths.stream().allMatch(p -> p.startsWith("/api/")), "only API paths: " + paths);
    }
}
