package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.connector.SyncRun;
import dev.lore.retrieval.HybridRetriever;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchResult;
import dev.lore.security.Caller;
import dev.lore.support.TestCallers;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A tiny corpus through the real pipeline: ingest, search in each mode, map results back, re-ingest is a no-op. */
@QuarkusTest
class CorpusSourcesTest {

    @Inject CorpusSources corpora;
    @Inject HybridRetriever retriever;

    static final String LONG_ID = "very/long id " + "ü".repeat(120);
    static final List<BeirDataset.Doc> DOCS = List.of(
            new BeirDataset.Doc("d1", "Quokka habitat", "Quokkas live on Rottnest Island off Western Australia and eat leaves."),
            new BeirDataset.Doc(".hidden/../id?", "Espresso machines", "An espresso machine forces hot water through finely ground coffee."),
            new BeirDataset.Doc(LONG_ID, "Glacier retreat", "Alpine glaciers have lost much of their ice mass since 1850."),
            new BeirDataset.Doc("no-title", "", "Tidal power turns the rise and fall of the sea into electricity."));

    private static long runs(UUID sourceId) {
        return QuarkusTransaction.requiringNew().call(() -> SyncRun.count("sourceId", sourceId));
    }

    private List<String> ids(String query, SearchMode mode, UUID sourceId) {
        List<SearchResult> results = retriever.search(query, 10, new SearchFilters(List.of(sourceId), null, null, null), mode, TestCallers.ADMIN);
        return results.stream().map(CorpusSources::docId).toList();
    }

    @Test
    void ingestsSearchesMapsBackAndReingestsAsANoOp() throws Exception {
        Path dir = Files.createTempDirectory("lore-corpus");
        UUID id = corpora.ingest(TestCallers.ADMIN, "corpus-test", DOCS, dir);
        assertEquals(1, runs(id));
        assertTrue(Files.exists(dir.resolve(CorpusSources.SIDECAR)), "the long id's sidecar");

        for (SearchMode mode : SearchMode.values()) {
            assertEquals("d1", ids("where do quokkas live", mode, id).getFirst(), mode.name());
            assertEquals(".hidden/../id?", ids("espresso coffee machine", mode, id).getFirst(), mode.name());
            assertEquals(LONG_ID, ids("glaciers losing ice", mode, id).getFirst(), mode.name());
            assertEquals("no-title", ids("tidal electricity from the sea", mode, id).getFirst(), mode.name());
        }
        List<String> all = ids("island coffee glaciers tidal", SearchMode.HYBRID, id);
        assertTrue(Set.copyOf(all).containsAll(Set.of("d1", ".hidden/../id?", LONG_ID, "no-title")), all.toString());

        // unchanged corpus: same source, no new run
        assertEquals(id, corpora.ingest(TestCallers.ADMIN, "corpus-test", DOCS, dir));
        assertEquals(1, runs(id));

        // one document changed, one dropped: synced again, the dropped one leaves search
        List<BeirDataset.Doc> changed = List.of(DOCS.get(0), DOCS.get(1),
                new BeirDataset.Doc(LONG_ID, "Glacier retreat", "Alpine glaciers and the marmots that live beside them."));
        assertEquals(id, corpora.ingest(TestCallers.ADMIN, "corpus-test", changed, dir));
        assertEquals(2, runs(id));
        assertEquals(LONG_ID, ids("marmots", SearchMode.FULLTEXT, id).getFirst());
        assertTrue(!ids("tidal electricity from the sea", SearchMode.HYBRID, id).contains("no-title"));
    }

    @Test
    void refusesFoldersOutsideTheAllowedRootsAndCallersWithoutTheRole() throws Exception {
        Path outside = Path.of("/var/tmp/lore-corpus-outside");
        var e = assertThrows(IllegalArgumentException.class,
                () -> corpora.ingest(TestCallers.ADMIN, "outside", DOCS.subList(0, 1), outside));
        assertTrue(e.getMessage().contains("outside the folders"), e.getMessage());
        try (var files = Files.list(outside)) {
            assertEquals(0, files.count(), "nothing written outside the allowed roots");
        }
        Files.delete(outside);
        Caller user = new Caller("default", "reader", Set.of(), Set.of(Caller.USER));
        assertThrows(SecurityException.class, () -> corpora.ingest(user, "nope", DOCS.subList(0, 1), Path.of("/tmp/lore-nope")));
    }

    @Test
    void duplicateIdsAreRefused() throws Exception {
        Path dir = Files.createTempDirectory("lore-corpus-dup");
        var e = assertThrows(IllegalArgumentException.class, () -> corpora.ingest(TestCallers.ADMIN, "dup",
                List.of(new BeirDataset.Doc("a", "", "x"), new BeirDataset.Doc("a", "", "y")), dir));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
    }

    @Test
    void resultsOfOtherSourcesAreNotCorpusDocuments() {
        assertNull(CorpusSources.docId(new SearchResult(UUID.randomUUID(), UUID.randomUUID(), "guide/intro.html", "t",
                "file:///srv/guide/intro.html", "", "x", 1, null, null)));
        assertNull(CorpusSources.docId(new SearchResult(UUID.randomUUID(), UUID.randomUUID(), "read me.md", "t",
                "file:///srv/read me.md", "", "x", 1, null, null)));
        assertNotNull(CorpusSources.docId(new SearchResult(UUID.randomUUID(), UUID.randomUUID(), "d1.md", "t",
                "file:///srv/d1.md", "", "x", 1, null, null)));
    }
}
