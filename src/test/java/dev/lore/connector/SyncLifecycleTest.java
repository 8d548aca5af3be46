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
}
