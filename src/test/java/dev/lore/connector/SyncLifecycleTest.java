package dev.lore.connector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.Api;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Re-syncs: unchanged files are skipped, changed ones re-indexed alone, deleted ones leave search; runs resume. */
@QuarkusTest
class SyncLifecycleTest {

    @Inject SyncRunner runner;
    @Inject AgroalDataSource dataSource;

    @Test
    void resyncIndexesOnlyChangesAndForgetsDeletedFiles() throws Exception {
        Path dir = Files.createTempDirectory("lore-lifecycle");
        Files.writeString(dir.resolve("alpha.md"), "# Alpha\n\nThe alpha team owns the billing pipeline.\n");
        Files.writeString(dir.resolve("beta.md"), "# Beta\n\nThe beta team runs the quokka migration project.\n");
        Files.writeString(dir.resolve("gamma.md"), "# Gamma\n\nThe gamma team maintains the office coffee machines.\n");
        String sourceId = Api.createFilesystemSource("lifecycle", dir);
        JsonPath first = Api.syncAndWait(sourceId);
        Api.assertStatus(first, "succeeded");
        assertEquals(3, first.getInt("counts.indexed"));
        assertEquals("beta.md", Api.search("quokka migration", 1, sourceId).getFirst().get("documentKey"));

        Files.delete(dir.resolve("beta.md"));
        Files.writeString(dir.resolve("gamma.md"), "# Gamma\n\nThe gamma team now maintains the espresso machines and the kettles.\n");
        JsonPath second = Api.syncAndWait(sourceId);
        Api.assertStatus(second, "succeeded");
        Map<String, String> outcomes = Api.runDocuments(sourceId, second.getString("id"));
        assertEquals(Map.of("alpha.md", "unchanged", "beta.md", "deleted", "gamma.md", "indexed"), outcomes);
        assertEquals(1, second.getInt("counts.indexed"));
        assertEquals(1, second.getInt("counts.unchanged"));
        assertEquals(1, second.getInt("counts.deleted"));

        for (Map<String, Object> hit : Api.search("quokka migration project", 10, sourceId)) {
            assertTrue(!"beta.md".equals(hit.get("documentKey")) && !((String) hit.get("text")).contains("quokka"), hit.toString());
        }
        Map<String, Object> gamma = Api.search("espresso machines", 1, sourceId).getFirst();
        assertEquals("gamma.md", gamma.get("documentKey"));
        assertTrue(((String) gamma.get("text")).contains("espresso"));
    }

    @Test
    void anInterruptedRunResumesAfterItsCheckpoint() throws Exception {
        Path dir = Files.createTempDirectory("lore-resume");
        for (String name : List.of("a.md", "b.md", "c.md", "d.md", "e.md")) {
            Files.writeString(dir.resolve(name), "# " + name + "\n\nNotes about topic " + name + ".\n");
        }
        String sourceId = Api.createFilesystemSource("resume", dir);
        Api.assertStatus(Api.syncAndWait(sourceId), "succeeded");
        Files.writeString(dir.resolve("a.md"), "# a\n\nChanged before the checkpoint, so not seen by the resumed run.\n");
        Files.writeString(dir.resolve("d.md"), "# d\n\nChanged after the checkpoint: the resumed run re-indexes it.\n");

        // a run that died after finishing page "up to c.md"
        UUID runId = UUID.randomUUID();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO sync_run (id, source_id, status, checkpoint, done) "
                     + "VALUES (?, ?, 'running', '{\"cursor\":\"c.md\",\"hasMore\":true}'::jsonb, 3)")) {
            ps.setObject(1, runId);
            ps.setObject(2, UUID.fromString(sourceId));
            ps.executeUpdate();
        }
        runner.resume(runId, UUID.fromString(sourceId));
        JsonPath run = Api.awaitRun(sourceId, runId.toString(), 120);
        Api.assertStatus(run, "succeeded");
        assertEquals(Map.of("d.md", "indexed", "e.md", "unchanged"), Api.runDocuments(sourceId, runId.toString()));
        assertEquals(5, run.getInt("done"));
    }

    /**
     * A running sync is cancelled over the API: it stops after the page in hand with status cancelled, keeps what it
     * stored, deletes nothing (a file gone from the folder stays until a run reads the whole folder), and the next sync
     * finishes the job. Cancelling a finished run is a 409.
     */
    @Test
    void aRunningSyncCanBeCancelledAndTheNextOneFinishesTheJob() throws Exception {
        Path dir = Files.createTempDirectory("lore-cancel");
        Files.writeString(dir.resolve("gone.md"), "# Gone\n\nThe wallaby roster moved to another wiki.\n");
        String sourceId = io.restassured.RestAssured.given().contentType(io.restassured.http.ContentType.JSON)
                .body(Map.of("type", "filesystem", "name", "cancel-" + Long.toString(System.nanoTime(), 36),
                        "config", Map.of("path", dir.toString(), "pageSize", 4)))
                .post("/api/v1/sources").then().statusCode(201).extract().path("id");
        Api.assertStatus(Api.syncAndWait(sourceId), "succeeded");

        Files.delete(dir.resolve("gone.md"));
        for (int i = 0; i < 300; i++) {
            Files.writeString(dir.resolve(String.format("n%03d.md", i)), "# Note " + i + "\n\nMeeting note number " + i + " about the quarterly plan.\n");
        }
        String runId = io.restassured.RestAssured.given().post("/api/v1/sources/" + sourceId + "/sync")
                .then().statusCode(202).extract().path("id");
        long end = System.currentTimeMillis() + 120_000;
        JsonPath progress;
        while ((progress = io.restassured.RestAssured.given().get("/api/v1/sources/" + sourceId + "/runs/" + runId)
                .then().extract().jsonPath()).getInt("done") < 8 && System.currentTimeMillis() < end) {
            Thread.sleep(50);
        }
        assertEquals("running", progress.getString("status"), progress.prettify());
        assertEquals("ingesting", progress.getString("phase"), progress.prettify());
        JsonPath asked = io.restassured.RestAssured.given().post("/api/v1/sources/" + sourceId + "/runs/" + runId + "/cancel")
                .then().statusCode(202).extract().jsonPath();
        // until the page in hand is stored the run says it is stopping (it may have ended in between)
        assertTrue("cancelling".equals(asked.getString("phase")) || "cancelled".equals(asked.getString("status")), asked.prettify());
        JsonPath cancelled = Api.awaitRun(sourceId, runId, 120);
        Api.assertStatus(cancelled, "cancelled");
        int indexed = cancelled.getInt("counts.indexed");
        assertTrue(indexed >= 8 && indexed < 300, () -> "a cancelled run stops early, keeping its pages: " + cancelled.prettify());
        assertTrue(Api.runDocuments(sourceId, runId).values().stream().noneMatch("deleted"::equals), "a cancelled run deletes nothing");
        assertEquals(null, cancelled.getString("phase"), "an ended run has no phase");
        assertTrue(Api.search("wallaby roster", 5, sourceId).stream().anyMatch(r -> "gone.md".equals(r.get("title")) || String.valueOf(r.get("uri")).endsWith("gone.md")),
                "gone.md stays searchable until a run reads the whole folder");
        io.restassured.RestAssured.given().post("/api/v1/sources/" + sourceId + "/runs/" + runId + "/cancel")
                .then().statusCode(409).contentType("application/problem+json");

        JsonPath next = Api.syncAndWait(sourceId);
        Api.assertStatus(next, "succeeded");
        assertEquals(300 - indexed, next.getInt("counts.indexed"), () -> next.prettify());
        assertEquals(indexed, next.getInt("counts.unchanged"), () -> next.prettify());
        assertEquals(1, next.getInt("counts.deleted"), () -> next.prettify());
    }

    /**
     * Two syncs run at once: a third waits with phase {@code queued} (status {@code running}, total 0), and cancelling
     * it while it waits ends it {@code cancelled} at once, without reading a document or waiting for a worker.
     */
    @Test
    void aThirdSyncWaitsQueuedAndCanBeCancelledBeforeItStarts() throws Exception {
        List<String> sources = new java.util.ArrayList<>();
        List<String> runs = new java.util.ArrayList<>();
        for (int s = 0; s < 3; s++) {
            Path dir = Files.createTempDirectory("lore-queue");
            for (int i = 0; i < 200; i++) {
                Files.writeString(dir.resolve(String.format("q%03d.md", i)), "# Queue note " + i + "\n\nThe ferry timetable for pier " + i + " changed.\n");
            }
            sources.add(io.restassured.RestAssured.given().contentType(io.restassured.http.ContentType.JSON)
                    .body(Map.of("type", "filesystem", "name", "queue-" + s + "-" + Long.toString(System.nanoTime(), 36),
                            "config", Map.of("path", dir.toString(), "pageSize", 4)))
                    .post("/api/v1/sources").then().statusCode(201).extract().path("id"));
        }
        for (String sourceId : sources) {
            runs.add(io.restassured.RestAssured.given().post("/api/v1/sources/" + sourceId + "/sync").then().statusCode(202).extract().path("id"));
        }
        try {
            JsonPath waiting = io.restassured.RestAssured.given().get("/api/v1/sources/" + sources.get(2) + "/runs/" + runs.get(2))
                    .then().statusCode(200).extract().jsonPath();
            assertEquals("running", waiting.getString("status"), waiting.prettify());
            assertEquals("queued", waiting.getString("phase"), waiting.prettify());
            assertEquals(0, waiting.getInt("total"), waiting.prettify());
            // it read nothing yet: it ends at once, without waiting for a worker
            io.restassured.RestAssured.given().post("/api/v1/sources/" + sources.get(2) + "/runs/" + runs.get(2) + "/cancel")
                    .then().statusCode(202).body("status", org.hamcrest.Matchers.equalTo("cancelled"))
                    .body("phase", org.hamcrest.Matchers.nullValue())
                    .body("progress.percent", org.hamcrest.Matchers.equalTo(0.0f)); // nothing done, not 100 %
            // and the source is free for a new sync while the other two still run
            String again = io.restassured.RestAssured.given().post("/api/v1/sources/" + sources.get(2) + "/sync")
                    .then().statusCode(202).extract().path("id");
            io.restassured.RestAssured.given().post("/api/v1/sources/" + sources.get(2) + "/runs/" + again + "/cancel").then().statusCode(202);
        } finally {
            for (int s = 0; s < 2; s++) {
                io.restassured.RestAssured.given().post("/api/v1/sources/" + sources.get(s) + "/runs/" + runs.get(s) + "/cancel");
            }
        }
        JsonPath third = Api.awaitRun(sources.get(2), runs.get(2), 120);
        Api.assertStatus(third, "cancelled");
        assertEquals(0, third.getInt("done"), third.prettify());
        assertEquals(0, third.getInt("counts.indexed"), third.prettify());
        for (int s = 0; s < 2; s++) Api.awaitRun(sources.get(s), runs.get(s), 120);
    }
}
