package dev.lore.platform;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document describes the API as callers use it: both ways to authenticate, no HTML pages, the success
 * codes the endpoints answer with, problem+json errors, event streams as text.
 */
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

    @Test
    @SuppressWarnings("unchecked")
    void declaresTheStatusesBodiesAndErrorTypesTheEndpointsAnswerWith() {
        JsonPath doc = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath();
        Map<String, Object> paths = doc.getMap("paths");
        // every operation: a success code, never a 200 where the endpoint answers 201, 202 or 204
        Map<String, String> expected = Map.of("/api/v1/sources post", "201", "/api/v1/sources/{id}/sync post", "202",
                "/api/v1/api-keys post", "201", "/api/v1/conversations post", "201", "/api/v1/agents post", "201",
                "/api/v1/documents/{id} delete", "204", "/api/v1/api-keys/{id} delete", "204",
                "/api/v1/conversations/{id} delete", "204", "/api/v1/agents/{id} delete", "204", "/api/v1/evaluations post", "202");
        expected.forEach((op, code) -> {
            String[] pm = op.split(" ");
            Map<String, Object> responses = doc.getMap("paths.'" + pm[0] + "'." + pm[1] + ".responses");
            assertTrue(responses.containsKey(code) && !responses.containsKey("200"), op + ": " + responses.keySet());
        });
        assertEquals("#/components/schemas/SourceView", doc.getString("paths.'/api/v1/sources'.post.responses.'201'.content.'application/json'.schema.$ref"));
        assertEquals("#/components/schemas/RunView", doc.getString("paths.'/api/v1/sources/{id}/sync'.post.responses.'202'.content.'application/json'.schema.$ref"));
        // errors are problem+json; a stream is text with named events, not the Java type that builds it
        int errors = 0;
        for (var path : paths.entrySet()) {
            for (var op : ((Map<String, Map<String, Object>>) path.getValue()).entrySet()) {
                Map<String, Map<String, Object>> responses = (Map<String, Map<String, Object>>) op.getValue().get("responses");
                for (var r : responses.entrySet()) {
                    if (!r.getKey().matches("[45]\\d\\d")) continue;
                    errors++;
                    Map<String, Object> content = (Map<String, Object>) r.getValue().get("content");
                    assertTrue(content != null && content.containsKey("application/problem+json"), path.getKey() + " " + op.getKey() + " " + r.getKey() + ": " + content);
                }
            }
        }
        assertTrue(errors > 20, "error responses declared: " + errors);
        // every operation has a unique operationId (code generators and Lore's own OpenAPI import need them)
        List<String> ids = new java.util.ArrayList<>();
        for (var path : paths.values()) {
            for (var op : ((Map<String, Map<String, Object>>) path).values()) ids.add((String) op.get("operationId"));
        }
        assertTrue(ids.stream().allMatch(java.util.Objects::nonNull), "operations without an operationId");
        assertEquals(ids.size(), new java.util.HashSet<>(ids).size(), "duplicate operationIds: " + ids);
        assertEquals("string", doc.getString("paths.'/api/v1/chat'.post.responses.'200'.content.'text/event-stream'.schema.type"));
        assertTrue(doc.getString("paths.'/api/v1/chat'.post.responses.'200'.content.'text/event-stream'.schema.description").contains("`done`"));
        assertEquals("integer", doc.getString("components.schemas.Problem.properties.status.type"));
    }
}
