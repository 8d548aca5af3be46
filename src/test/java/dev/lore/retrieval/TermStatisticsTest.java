package dev.lore.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.Api;
import dev.lore.support.TestCallers;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The full-text branch's cached term statistics follow the index: the same search twice scores the same, and once a
 * sync adds chunks holding a query term (its document frequency grows, so its IDF weight falls), the next search
 * scores with the new counts instead of the cached ones (with stale counts a.md, whose text did not change, would score
 * exactly as before).
 */
@QuarkusTest
class TermStatisticsTest {

    @Inject HybridRetriever retriever;

    @Test
    void cachedStatisticsAreDroppedWhenTheIndexChanges() throws Exception {
        Path dir = Files.createTempDirectory("lore-termstats");
        Files.writeString(dir.resolve("a.md"), "# Zanzibar\n\nThe zanzibar office keeps a wombat as its mascot.\n");
        Files.writeString(dir.resolve("b.md"), "# Garden\n\nA wombat digs burrows in the garden at night.\n");
        String sourceId = Api.createFilesystemSource("termstats", dir);
        Api.assertStatus(Api.syncAndWait(sourceId), "succeeded");

        double before = textScore(sourceId);
        assertEquals(before, textScore(sourceId), 1e-9, "the same search on an unchanged index scores the same");

        for (int i = 0; i < 4; i++) {
            Files.writeString(dir.resolve("w" + i + ".md"), "# Wombat " + i + "\n\nAnother wombat page, number " + i + ", about wombat care.\n");
        }
        Api.assertStatus(Api.syncAndWait(sourceId), "succeeded");
        double after = textScore(sourceId);
        // a.md's own text did not change, so its score moves only if N and the terms' counts were counted again (which
        // way depends on what else the tenant holds: more chunks raise zanzibar's weight, more wombats lower wombat's)
        assertTrue(Math.abs(after - before) > 0.1, "a.md must score with the new counts: before " + before + ", after " + after);
    }

    /** a.md's full-text score for "zanzibar wombat" (full-text branch alone, as an admin, within the source). */
    private double textScore(String sourceId) {
        List<SearchResult> results = retriever.search("zanzibar wombat", 10, new SearchFilters(List.of(UUID.fromString(sourceId)), null, null, null),
                SearchMode.FULLTEXT, TestCallers.ADMIN);
        return results.stream().filter(r -> r.documentKey().equals("a.md")).findFirst().orElseThrow().textScore();
    }
}
