package dev.lore.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.support.Api;
import dev.lore.support.TestCallers;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The page list of hybrid search: documents ranked by BM25 over all their chunks, fused like the other lists into
 * each document's best chunk. Two pages of the same length (three sections each): one uses the query's word in every
 * section, the other in one. With the chunk lists weighted 0, the order comes from the page list alone; with the page
 * list weighted 0 too, every score is 0 and ties fall back to document key order (the other page first).
 */
@QuarkusTest
class PageListTest {

    @Inject io.agroal.api.AgroalDataSource dataSource;
    @Inject dev.lore.embedding.EmbeddingService embeddings;
    @Inject HybridRetriever defaults;

    @Test
    void aPageAboutTheTopicThroughoutRanksAboveOneThatMentionsItOnce() throws Exception {
        Path dir = Files.createTempDirectory("lore-pages");
        Files.writeString(dir.resolve("tour.md"), page(true));
        Files.writeString(dir.resolve("brief.md"), page(false));
        String sourceId = Api.createFilesystemSource("pages-" + Long.toString(System.nanoTime(), 36), dir);
        Api.assertStatus(Api.syncAndWait(sourceId), "succeeded");
        SearchFilters filters = new SearchFilters(List.of(UUID.fromString(sourceId)), null, null, null);

        List<SearchResult> byPage = retriever(1.0).search("quokka", 20, filters, SearchMode.HYBRID, TestCallers.ADMIN);
        assertTrue(byPage.stream().filter(r -> r.documentKey().equals("tour.md")).count() >= 3,
                () -> "tour.md is several chunks: " + keys(byPage));
        assertEquals("tour.md", byPage.get(0).documentKey(), () -> "tour.md is page 1: " + keys(byPage));
        assertEquals(1.0 / (60 + 1), byPage.get(0).score(), 1e-12, "page rank 1 of the page list, RRF k = 60");
        assertEquals("brief.md", byPage.get(1).documentKey(), () -> "brief.md is page 2: " + keys(byPage));
        assertEquals(1.0 / (60 + 2), byPage.get(1).score(), 1e-12);
        // only each page's best chunk is lifted: the page list says which page, not which passage
        assertTrue(byPage.stream().skip(2).allMatch(r -> r.score() == 0), () -> keys(byPage).toString());

        List<SearchResult> none = retriever(0).search("quokka", 20, filters, SearchMode.HYBRID, TestCallers.ADMIN);
        assertEquals("brief.md", none.getFirst().documentKey(), "without the page list every score is 0");
        assertTrue(none.stream().allMatch(r -> r.score() == 0));

        // passages for a model (the four-argument search: chat answers, the agent's search tool) are not page-ranked
        List<SearchResult> passages = retriever(1.0).search("quokka", 20, filters, TestCallers.ADMIN);
        assertEquals("brief.md", passages.getFirst().documentKey(), () -> keys(passages).toString());
        assertTrue(passages.stream().allMatch(r -> r.score() == 0), () -> keys(passages).toString());

        // the page list is hybrid search's alone: a full-text search is not reordered by it (all scores 0 here, so
        // key order; with the page list tour.md would come first)
        List<SearchResult> text = retriever(1.0).search("quokka", 20, filters, SearchMode.FULLTEXT, TestCallers.ADMIN);
        assertEquals(4, text.size(), () -> "the four chunks that hold the word: " + keys(text));
        assertEquals("brief.md", text.getFirst().documentKey(), () -> keys(text).toString());

        // the lifted chunk is the page's best by the other lists: with the full-text list weighted 1, the tour.md chunk
        // that the full-text list ranks first among tour.md's
        HybridRetriever textAndPages = retriever(1, 1.0);
        List<SearchResult> ranked = textAndPages.search("quokka", 20, filters, SearchMode.FULLTEXT, TestCallers.ADMIN);
        SearchResult bestOfTour = ranked.stream().filter(r -> r.documentKey().equals("tour.md")).findFirst().orElseThrow();
        int fullTextRank = ranked.indexOf(bestOfTour) + 1;
        List<SearchResult> lifted = textAndPages.search("quokka", 20, filters, SearchMode.HYBRID, TestCallers.ADMIN);
        assertEquals(bestOfTour.chunkId(), lifted.getFirst().chunkId(), () -> keys(lifted).toString());
        assertEquals(1.0 / (60 + fullTextRank) + 1.0 / (60 + 1), lifted.getFirst().score(), 1e-12);
        long liftedOfTour = lifted.stream().filter(r -> r.documentKey().equals("tour.md")
                && r.score() > (r.textScore() == null ? 0 : 1.0 / (60 + ranked.stream().map(SearchResult::chunkId).toList().indexOf(r.chunkId()) + 1)) + 1e-12).count();
        assertEquals(1, liftedOfTour, () -> "one chunk of tour.md lifted: " + keys(lifted));
    }

    /** Only the page list counts (both chunk lists and feedback weighted 0). */
    private HybridRetriever retriever(double pageWeight) {
        return retriever(0, pageWeight);
    }

    /** The vector list and feedback weighted 0, the full-text list and the page list as given. */
    private HybridRetriever retriever(double textWeight, double pageWeight) {
        return new HybridRetriever(dataSource, embeddings, 60, 60, 0, textWeight, Duration.ofMinutes(10), Duration.ofSeconds(30),
                0, 0, 0, pageWeight);
    }

    private static List<String> keys(List<SearchResult> results) {
        return results.stream().map(r -> r.documentKey() + "#" + r.headingPath() + " " + r.score()).toList();
    }

    /** Three sections of about 330 words each (over the 384-token chunk limit together); "quokka" in each or only the first. */
    private static String page(boolean throughout) {
        String[] topics = {"Opening hours", "Travel", "Tickets"};
        StringBuilder b = new StringBuilder("# Island guide\n\n");
        for (int s = 0; s < topics.length; s++) {
            b.append("## ").append(topics[s]).append("\n\n");
            if (s == 0 || throughout) b.append("Visitors come to see the quokka. ");
            for (int i = 0; i < 30; i++) {
                b.append("Section ").append(topics[s].toLowerCase()).append(" sentence ").append(i)
                        .append(" describes the ferry, the beaches and the walking paths of the island. ");
            }
            b.append("\n\n");
        }
        return b.toString();
    }
}
