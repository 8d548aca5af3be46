package dev.lore.eval;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Standard information-retrieval metrics over one ranked list of document ids. Duplicates in the ranking (several
 * chunks of one document) count once, at their best rank. Relevance is graded (a map id → gain ≥ 0) or binary
 * (a set). Every method returns a value in [0, 1].
 */
public final class RetrievalMetrics {

    private RetrievalMetrics() {}

    /** Ranking with repeated ids removed, keeping each id's first (best) position. */
    public static List<String> dedupe(List<String> ranked) {
        Set<String> seen = new HashSet<>();
        return ranked.stream().filter(seen::add).toList();
    }

    /** 1 when any relevant id is within the first {@code k} distinct ids, else 0. */
    public static double hitAtK(List<String> ranked, Set<String> relevant, int k) {
        List<String> top = dedupe(ranked);
        for (int i = 0; i < Math.min(k, top.size()); i++) if (relevant.contains(top.get(i))) return 1;
        return 0;
    }

    /** Share of the relevant ids found within the first {@code k} distinct ids; 0 when nothing is relevant. */
    public static double recallAtK(List<String> ranked, Set<String> relevant, int k) {
        if (relevant.isEmpty()) return 0;
        List<String> top = dedupe(ranked);
        int found = 0;
        for (int i = 0; i < Math.min(k, top.size()); i++) if (relevant.contains(top.get(i))) found++;
        return (double) found / relevant.size();
    }

    /** 1 / rank of the first relevant id (1-based) among the first {@code k} distinct ids, or 0. */
    public static double reciprocalRank(List<String> ranked, Set<String> relevant, int k) {
        List<String> top = dedupe(ranked);
        for (int i = 0; i < Math.min(k, top.size()); i++) if (relevant.contains(top.get(i))) return 1.0 / (i + 1);
        return 0;
    }

    /**
     * Normalised discounted cumulative gain at {@code k}: DCG = Σ gain_i / log2(i + 1) over ranks i = 1..k, divided
     * by the DCG of the ideal ordering of the judged gains (BEIR / trec_eval definition, linear gain).
     */
    public static double ndcgAtK(List<String> ranked, Map<String, Integer> gains, int k) {
        List<String> top = dedupe(ranked);
        double dcg = 0;
        for (int i = 0; i < Math.min(k, top.size()); i++) {
            int g = gains.getOrDefault(top.get(i), 0);
            if (g > 0) dcg += g / log2(i + 2);
        }
        List<Integer> ideal = gains.values().stream().filter(g -> g > 0).sorted((a, b) -> b - a).toList();
        double idcg = 0;
        for (int i = 0; i < Math.min(k, ideal.size()); i++) idcg += ideal.get(i) / log2(i + 2);
        return idcg == 0 ? 0 : dcg / idcg;
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
