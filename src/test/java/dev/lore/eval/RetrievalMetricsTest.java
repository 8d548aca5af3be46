package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Metrics against values computed by hand. */
class RetrievalMetricsTest {

    static final List<String> RANKED = List.of("d3", "d1", "d3", "d7", "d2", "d9");

    @Test
    void hitAndRecallCountDistinctDocuments() {
        assertEquals(0, RetrievalMetrics.hitAtK(RANKED, Set.of("d2"), 3)); // d3, d1, d7 after dedupe
        assertEquals(1, RetrievalMetrics.hitAtK(RANKED, Set.of("d2"), 4));
        assertEquals(0.5, RetrievalMetrics.recallAtK(RANKED, Set.of("d1", "d2"), 2));
        assertEquals(1.0, RetrievalMetrics.recallAtK(RANKED, Set.of("d1", "d2"), 5));
        assertEquals(0.0, RetrievalMetrics.recallAtK(RANKED, Set.of(), 5));
    }

    @Test
    void reciprocalRankUsesTheFirstRelevantDistinctRank() {
        assertEquals(1.0 / 3, RetrievalMetrics.reciprocalRank(RANKED, Set.of("d7", "d2"), 10), 1e-12);
        assertEquals(0.0, RetrievalMetrics.reciprocalRank(RANKED, Set.of("d2"), 3));
    }

    @Test
    void ndcgMatchesHandComputedValue() {
        // distinct ranking d3, d1, d7, d2, d9; gains d1=2, d2=1, d5=1 (d5 never retrieved)
        // DCG = 2/log2(3) + 1/log2(5) = 1.26186 + 0.43068 = 1.69254
        // IDCG = 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.63093 + 0.5 = 3.13093
        double expected = (2 / log2(3) + 1 / log2(5)) / (2 + 1 / log2(3) + 1 / log2(4));
        assertEquals(0.540586, expected, 1e-6);
        assertEquals(expected, RetrievalMetrics.ndcgAtK(RANKED, Map.of("d1", 2, "d2", 1, "d5", 1), 10), 1e-12);
        assertEquals(1.0, RetrievalMetrics.ndcgAtK(List.of("a", "b"), Map.of("a", 1, "b", 1), 10), 1e-12);
        assertEquals(0.0, RetrievalMetrics.ndcgAtK(List.of("x"), Map.of("a", 1), 10));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
