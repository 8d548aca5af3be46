package dev.lore.support;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Test helpers that drive Lore through its real HTTP API (RestAssured against the running test app). */
public final class Api {

    private Api() {}

    /** Creates a filesystem source over {@code folder}; returns its id. */
    public static String createFilesystemSource(String name, Path folder) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("type", "filesystem", "name", name, "config", Map.of("path", folder.toString())))
                .post("/api/v1/sources")
                .then().statusCode(201).extract().path("id");
    }

    /** Starts a sync (expects 202) and waits until it is no longer running; returns the finished run. */
    public static JsonPath syncAndWait(String sourceId) {
        String runId = given().post("/api/v1/sources/" + sourceId + "/sync").then().statusCode(202).extract().path("id");
        return awaitRun(sourceId, runId, 600);
    }

    /** Polls a run every 200 ms until it is no longer running, failing after {@code seconds}. */
    public static JsonPath awaitRun(String sourceId, String runId, int seconds) {
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < end) {
            JsonPath run = given().get("/api/v1/sources/" + sourceId + "/runs/" + runId).then().statusCode(200).extract().jsonPath();
            if (!"running".equals(run.getString("status"))) return run;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return fail("sync run " + runId + " still running after " + seconds + " s");
    }

    /** Per-document outcomes of a run: document key → status. */
    public static Map<String, String> runDocuments(String sourceId, String runId) {
        List<Map<String, Object>> docs = given().get("/api/v1/sources/" + sourceId + "/runs/" + runId + "/documents")
                .then().statusCode(200).extract().jsonPath().getList("$");
        Map<String, String> out = new java.util.TreeMap<>();
        for (Map<String, Object> d : docs) out.put((String) d.get("documentKey"), (String) d.get("status"));
        return out;
    }

    /** Reasons of a run's documents: document key → reason (null for indexed/unchanged). */
    public static Map<String, String> runReasons(String sourceId, String runId) {
        List<Map<String, Object>> docs = given().get("/api/v1/sources/" + sourceId + "/runs/" + runId + "/documents")
                .then().statusCode(200).extract().jsonPath().getList("$");
        Map<String, String> out = new java.util.TreeMap<>();
        for (Map<String, Object> d : docs) out.put((String) d.get("documentKey"), (String) d.get("reason"));
        return out;
    }

    /** Searches within one source; returns the result list. */
    public static List<Map<String, Object>> search(String query, int limit, String sourceId) {
        Map<String, Object> body = sourceId == null
                ? Map.of("query", query, "limit", limit)
                : Map.of("query", query, "limit", limit, "filters", Map.of("sourceIds", List.of(sourceId)));
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/search")
                .then().statusCode(200).extract().jsonPath().getList("results");
    }

    /** Asserts the run finished with the given status. */
    public static void assertStatus(JsonPath run, String status) {
        assertEquals(status, run.getString("status"), () -> "run ended " + run.prettify());
    }
}
