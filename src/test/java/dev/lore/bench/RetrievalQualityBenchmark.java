package dev.lore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.connector.SyncRun;
import dev.lore.embedding.EmbeddingService;
import dev.lore.eval.BeirDataset;
import dev.lore.eval.CorpusSources;
import dev.lore.eval.RetrievalMetrics;
import dev.lore.retrieval.HybridRetriever;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchResult;
import dev.lore.support.SharedData;
import dev.lore.support.TestCallers;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Retrieval quality on public data sets, through Lore's whole pipeline: each corpus is ingested as a filesystem
 * source with {@link CorpusSources} (Markdown files, parser, chunker, the configured embedding model, store) and every
 * query is run in the three {@link SearchMode}s through {@link HybridRetriever} as an admin, limited to the corpus's
 * source. Chunks map back to corpus ids; several chunks of one document count once, at their best rank.
 *
 * <ul>
 *   <li>SciFact (BEIR, {@code qrels/train.tsv}): nDCG@10, recall@100, MRR@10, limit 100 chunks.</li>
 *   <li>tau2 banking knowledge: each task's {@code user_scenario.instructions} as the query, its
 *       {@code required_documents} as the relevant set; recall@10, hit@10, MRR@10.</li>
 *   <li>XQuAD per language: the 240 paragraphs as documents, the 1,190 questions as queries, relevant = the question's
 *       own paragraph; hit@1, hit@5, MRR@10.</li>
 * </ul>
 *
 * <p>Not part of the normal suite (tag {@code bench}); {@code deploy/eval.sh bench} runs it. System properties:
 * {@code lore.bench.suites} (comma-separated of {@code scifact,tau2,xquad}; default all),
 * {@code lore.bench.xquad.languages} (default {@code en,de,es}), {@code lore.bench.variants} ({@code true}: also hybrid
 * with other fusion settings on SciFact), {@code lore.bench.corpora} (folder for the corpus files, default
 * {@code /tmp/lore-bench-corpora}). Writes {@code target/bench/retrieval-<model>.json} and {@code .md}.
 */
@QuarkusTest
@Tag("bench")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetrievalQualityBenchmark {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, Object> REPORT = new LinkedHashMap<>();
    static final StringBuilder MD = new StringBuilder();
    static final List<SearchMode> MODES = List.of(SearchMode.VECTOR, SearchMode.FULLTEXT, SearchMode.HYBRID);
    static String model = "unknown";
    static String firstLoad;
    static final Map<String, Object> RAW = new LinkedHashMap<>();

    @Inject CorpusSources corpora;
    @Inject HybridRetriever retriever;
    @Inject EmbeddingService embeddings;
    @Inject AgroalDataSource dataSource;

    static Set<String> suites() {
        return Set.of(System.getProperty("lore.bench.suites", "scifact,tau2,xquad").split(","));
    }

    static Path corpusDir(String name) {
        return Path.of(System.getProperty("lore.bench.corpora", "/tmp/lore-bench-corpora")).resolve(name);
    }

    /** One query: its text and relevance (id → gain). */
    record Query(String id, String text, Map<String, Integer> gains) {}

    /** Per-query metric functions over a ranked list of corpus ids. */
    record Metric(String name, java.util.function.BiFunction<List<String>, Map<String, Integer>, Double> f) {}

    static Set<String> relevant(Map<String, Integer> gains) {
        Set<String> s = new LinkedHashSet<>();
        gains.forEach((k, v) -> {
            if (v > 0) s.add(k);
        });
        return s;
    }

    static final Metric NDCG10 = new Metric("nDCG@10", (r, g) -> RetrievalMetrics.ndcgAtK(r, g, 10));
    static final Metric RECALL100 = new Metric("recall@100", (r, g) -> RetrievalMetrics.recallAtK(r, relevant(g), 100));
    static final Metric RECALL10 = new Metric("recall@10", (r, g) -> RetrievalMetrics.recallAtK(r, relevant(g), 10));
    static final Metric MRR10 = new Metric("MRR@10", (r, g) -> RetrievalMetrics.reciprocalRank(r, relevant(g), 10));
    static final Metric HIT1 = new Metric("hit@1", (r, g) -> RetrievalMetrics.hitAtK(r, relevant(g), 1));
    static final Metric HIT5 = new Metric("hit@5", (r, g) -> RetrievalMetrics.hitAtK(r, relevant(g), 5));
    static final Metric HIT10 = new Metric("hit@10", (r, g) -> RetrievalMetrics.hitAtK(r, relevant(g), 10));

    @Test
    @Order(1)
    void scifact() throws Exception {
        if (!suites().contains("scifact")) return;
        model = embeddings.modelName();
        BeirDataset ds = BeirDataset.read(SharedData.require("beir-scifact"), "train");
        assertEquals(5183, ds.corpus().size());
        List<Query> queries = new ArrayList<>();
        ds.queries().forEach((id, text) -> queries.add(new Query(id, text, ds.qrels().get(id))));
        Map<String, Object> r = suite("SciFact (BEIR), train split: " + ds.corpus().size() + " abstracts, " + queries.size() + " claims",
                "scifact", ds.corpus().values(), queries, 100, List.of(NDCG10, RECALL100, MRR10), retriever);
        REPORT.put("scifact", r);
        if (Boolean.getBoolean("lore.bench.variants")) variants(r, queries);
    }

    @Test
    @Order(2)
    void tau2Banking() throws Exception {
        if (!suites().contains("tau2")) return;
        model = embeddings.modelName();
        Path root = SharedData.require("tau2-banking-knowledge");
        List<BeirDataset.Doc> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(root.resolve("documents"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode d = JSON.readTree(f.toFile());
                docs.add(new BeirDataset.Doc(d.get("id").asText(), d.get("title").asText(), d.get("content").asText()));
            }
        }
        assertEquals(698, docs.size());
        List<Query> queries = new ArrayList<>();
        for (JsonNode t : JSON.readTree(root.resolve("tasks.json").toFile())) {
            Map<String, Integer> gains = new LinkedHashMap<>();
            for (JsonNode d : t.path("required_documents")) gains.put(d.asText(), 1);
            if (gains.isEmpty()) continue;
            queries.add(new Query(t.get("id").asText(), t.path("user_scenario").path("instructions").asText(), gains));
        }
        REPORT.put("tau2Banking", suite("tau2 banking knowledge: " + docs.size() + " documents, " + queries.size()
                        + " tasks (query = user_scenario.instructions, relevant = required_documents)",
                "tau2-banking", docs, queries, 100, List.of(RECALL10, HIT10, MRR10), retriever));
    }

    @Test
    @Order(3)
    void xquad() throws Exception {
        if (!suites().contains("xquad")) return;
        model = embeddings.modelName();
        Path root = SharedData.require("xquad");
        Map<String, Object> perLanguage = new LinkedHashMap<>();
        for (String lang : System.getProperty("lore.bench.xquad.languages", "en,de,es").split(",")) {
            JsonNode data = JSON.readTree(root.resolve("xquad." + lang + ".json").toFile()).get("data");
            List<BeirDataset.Doc> docs = new ArrayList<>();
            List<Query> queries = new ArrayList<>();
            for (JsonNode article : data) {
                int i = 0;
                for (JsonNode p : article.get("paragraphs")) {
                    // the paragraph alone: no article title, which would give every paragraph of an article the same cue
                    String id = article.get("title").asText() + "#" + i++;
                    docs.add(new BeirDataset.Doc(id, "", p.get("context").asText().replace("\uFEFF", "").strip()));
                    for (JsonNode q : p.get("qas")) queries.add(new Query(q.get("id").asText(), q.get("question").asText(), Map.of(id, 1)));
                }
            }
            assertEquals(240, docs.size());
            assertEquals(1190, queries.size());
            Map<String, Object> r = suite("XQuAD " + lang + ": 240 paragraphs, 1190 questions", "xquad-" + lang, docs, queries, 20,
                    List.of(HIT1, HIT5, MRR10), retriever);
            String config = fulltextConfigs().get(lang);
            if (config != null) r.put("fulltextConfigExperiment", fulltextConfigExperiment(lang, config, queries));
            perLanguage.put(lang, r);
        }
        REPORT.put("xquad", perLanguage);
    }

    /** Ingests, runs every query in each mode, returns the ingest figures and mean metrics per mode. */
    Map<String, Object> suite(String title, String name, java.util.Collection<BeirDataset.Doc> docs, List<Query> queries,
                              int limit, List<Metric> metrics, HybridRetriever r) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("title", title);
        out.put("loadAtStart", BenchOutput.loadAverage());
        if (firstLoad == null) firstLoad = BenchOutput.loadAverage();
        long t0 = System.nanoTime();
        UUID source = corpora.ingest(TestCallers.ADMIN, name, docs, corpusDir(name));
        double ingestS = (System.nanoTime() - t0) / 1e9;
        SyncRun run = QuarkusTransaction.requiringNew().call(() ->
                SyncRun.<SyncRun>find("sourceId = ?1 order by startedAt desc", source).firstResult());
        out.put("documents", docs.size());
        out.put("ingestSeconds", ingestS);
        out.put("documentsPerSecond", docs.size() / ingestS);
        out.put("indexed", run.indexed);
        out.put("unchanged", run.unchanged);
        out.put("skipped", run.skipped);
        out.put("chunks", run.chunks);
        out.put("queries", queries.size());
        out.put("limit", limit);
        Map<String, Object> modes = new LinkedHashMap<>();
        for (SearchMode mode : MODES) {
            Map<String, List<String>> raw = new LinkedHashMap<>();
            modes.put(mode.name().toLowerCase(), evaluate(r, mode, source, queries, limit, metrics, raw));
            RAW.put(name + "/" + mode.name().toLowerCase(), raw);
        }
        out.put("modes", modes);
        out.put("loadAtEnd", BenchOutput.loadAverage());
        appendMarkdown(out, metrics);
        System.out.println("[bench] " + name + ": " + JSON.writeValueAsString(modes));
        return out;
    }

    /** Mean of each metric over the queries, plus search latency; {@code raw} (if given) collects rankings per query. */
    Map<String, Object> evaluate(HybridRetriever r, SearchMode mode, UUID source, List<Query> queries, int limit,
                                 List<Metric> metrics, Map<String, List<String>> raw) {
        SearchFilters filters = new SearchFilters(List.of(source), null, null, null);
        double[] sums = new double[metrics.size()];
        double[] ms = new double[queries.size()];
        int i = 0;
        long t0 = System.nanoTime();
        for (Query q : queries) {
            long s = System.nanoTime();
            List<SearchResult> results = r.search(q.text(), limit, filters, mode, TestCallers.ADMIN);
            ms[i++] = (System.nanoTime() - s) / 1e6;
            List<String> ranked = results.stream().map(CorpusSources::docId).toList();
            assertTrue(ranked.stream().allMatch(java.util.Objects::nonNull), "every result maps back to a corpus id");
            if (raw != null) raw.put(q.id(), ranked);
            for (int m = 0; m < metrics.size(); m++) sums[m] += metrics.get(m).f().apply(ranked, q.gains());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int m = 0; m < metrics.size(); m++) out.put(metrics.get(m).name(), sums[m] / queries.size());
        out.put("searchSeconds", (System.nanoTime() - t0) / 1e9);
        out.put("latency", BenchOutput.percentiles(ms));
        return out;
    }

    /** Hybrid with other fusion settings (candidates per branch, RRF k, weights) on the SciFact source. */
    void variants(Map<String, Object> scifact, List<Query> queries) throws Exception {
        UUID source = QuarkusTransaction.requiringNew().call(() ->
                dev.lore.connector.Source.<dev.lore.connector.Source>find("name", "scifact").firstResult().id);
        String spec = System.getProperty("lore.bench.variant-list", "100:60:1:1,100:60:1:1:10:0.5:0,100:60:1:1:0:0,200:60:1:1,100:20:1:1,100:60:1.5:1,100:60:1:0.7");
        Map<String, Object> out = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder("\n| hybrid variant (candidates per branch, RRF k, vector weight, full-text weight[, feedback chunks, feedback weight[, page weight]]) | nDCG@10 | recall@100 | MRR@10 |\n|---|---:|---:|---:|\n");
        for (String v : spec.split(",")) {
            String[] p = v.split(":");
            HybridRetriever h = new HybridRetriever(dataSource, embeddings, Integer.parseInt(p[1]), Integer.parseInt(p[0]),
                    Double.parseDouble(p[2]), Double.parseDouble(p[3]), java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(60), 0,
                    p.length > 4 ? Integer.parseInt(p[4]) : 10, p.length > 5 ? Double.parseDouble(p[5]) : 0.5,
                    p.length > 6 ? Double.parseDouble(p[6]) : 1.0);
            Map<String, Object> m = evaluate(h, SearchMode.HYBRID, source, queries, 100, List.of(NDCG10, RECALL100, MRR10), null);
            out.put(v, m);
            md.append("| ").append(v).append(" | ").append(BenchOutput.f(m.get("nDCG@10"), 3)).append(" | ")
              .append(BenchOutput.f(m.get("recall@100"), 3)).append(" | ").append(BenchOutput.f(m.get("MRR@10"), 3)).append(" |\n");
            System.out.println("[bench] variant " + v + ": " + JSON.writeValueAsString(m));
        }
        scifact.put("hybridVariants", out);
        MD.append(md);
    }

    /** {@code lore.bench.fulltext-configs}, e.g. {@code de:german,es:spanish}: XQuAD language → PostgreSQL text search configuration. */
    static Map<String, String> fulltextConfigs() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String p : System.getProperty("lore.bench.fulltext-configs", "").split(",")) {
            if (p.contains(":")) out.put(p.substring(0, p.indexOf(':')), p.substring(p.indexOf(':') + 1));
        }
        return out;
    }

    /**
     * What a per-language full-text configuration would give, measured outside Lore's index: the chunks of the
     * language's XQuAD source are re-tokenised on the fly with {@code english} and with {@code config}, ranked like
     * Lore's full-text branch (sum of BM25 IDF of the matched query terms, terms in over half the chunks dropped, plus
     * {@code ts_rank_cd}; no title weighting, as XQuAD paragraphs have none), and each is fused with Lore's vector
     * ranking by RRF (k = 60, 60 candidates each, as Lore does for limit 20).
     */
    Map<String, Object> fulltextConfigExperiment(String lang, String config, List<Query> queries) throws Exception {
        UUID source = QuarkusTransaction.requiringNew().call(() ->
                dev.lore.connector.Source.<dev.lore.connector.Source>find("name", "xquad-" + lang).firstResult().id);
        SearchFilters filters = new SearchFilters(List.of(source), null, null, null);
        Map<String, Object> out = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder("\nFull-text configuration experiment (" + lang + ", chunks re-tokenised on the fly, see the class javadoc):\n\n"
                + "| configuration | full-text hit@5 | full-text MRR@10 | RRF with Lore's vector ranking: hit@5 | MRR@10 |\n|---|---:|---:|---:|---:|\n");
        Map<String, List<String>> vector = new LinkedHashMap<>();
        for (Query q : queries) {
            vector.put(q.id(), retriever.search(q.text(), 60, filters, SearchMode.VECTOR, TestCallers.ADMIN).stream()
                    .map(r -> r.chunkId() + " " + CorpusSources.docId(r)).toList());
        }
        for (String cfg : List.of("english", config)) {
            double ftHit = 0, ftMrr = 0, hyHit = 0, hyMrr = 0;
            for (Query q : queries) {
                List<String> ft = dev.lore.security.Tenants.call(TestCallers.ADMIN.tenant(), () -> fulltext(source, cfg, q.text(), 60));
                Set<String> rel = relevant(q.gains());
                List<String> ftDocs = ft.stream().map(x -> x.substring(x.indexOf(' ') + 1)).toList();
                ftHit += RetrievalMetrics.hitAtK(ftDocs, rel, 5);
                ftMrr += RetrievalMetrics.reciprocalRank(ftDocs, rel, 10);
                Map<String, Double> score = new LinkedHashMap<>();
                List<String> v = vector.get(q.id());
                for (int i = 0; i < v.size(); i++) score.merge(v.get(i), 1.0 / (60 + i + 1), Double::sum);
                for (int i = 0; i < ft.size(); i++) score.merge(ft.get(i), 1.0 / (60 + i + 1), Double::sum);
                List<String> fused = score.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
                        .limit(20).map(e -> e.getKey().substring(e.getKey().indexOf(' ') + 1)).toList();
                hyHit += RetrievalMetrics.hitAtK(fused, rel, 5);
                hyMrr += RetrievalMetrics.reciprocalRank(fused, rel, 10);
            }
            int n = queries.size();
            out.put(cfg, Map.of("fulltextHit@5", ftHit / n, "fulltextMRR@10", ftMrr / n, "rrfHit@5", hyHit / n, "rrfMRR@10", hyMrr / n));
            md.append("| ").append(cfg).append(" | ").append(BenchOutput.f(ftHit / n, 3)).append(" | ").append(BenchOutput.f(ftMrr / n, 3))
              .append(" | ").append(BenchOutput.f(hyHit / n, 3)).append(" | ").append(BenchOutput.f(hyMrr / n, 3)).append(" |\n");
        }
        MD.append(md);
        System.out.println("[bench] full-text configurations for " + lang + ": " + JSON.writeValueAsString(out));
        return out;
    }

    /** "chunkId corpusId" of the best chunks of a source for a query, full text with configuration {@code cfg} on the fly. */
    private List<String> fulltext(UUID source, String cfg, String query, int limit) throws java.sql.SQLException {
        String sql = """
                WITH c AS MATERIALIZED (SELECT id, document_key, uri, to_tsvector(?::regconfig, coalesce(title, '') || ' ' || heading_path || ' ' || text) AS tsv
                                        FROM chunk WHERE source_id = ?),
                     lex AS (SELECT DISTINCT l FROM unnest(tsvector_to_array(to_tsvector(?::regconfig, ?))) l),
                     n AS (SELECT greatest(count(*), 1)::float8 AS total FROM c),
                     idf AS MATERIALIZED (SELECT quote_literal(l)::tsquery AS tq, ln(1 + (n.total - hits + 0.5) / (hits + 0.5)) AS w, hits <= n.total / 2 AS selective
                             FROM (SELECT l, (SELECT count(*) FROM c WHERE c.tsv @@ quote_literal(l)::tsquery) AS hits FROM lex) d, n WHERE hits > 0),
                     terms AS MATERIALIZED (SELECT * FROM idf WHERE selective OR NOT EXISTS (SELECT 1 FROM idf WHERE selective)),
                     q AS MATERIALIZED (SELECT coalesce(string_agg(tq::text, ' | '), '')::tsquery AS tq FROM terms)
                SELECT c.id, c.document_key, c.uri FROM c, q WHERE c.tsv @@ q.tq
                ORDER BY (SELECT sum(t.w) FROM terms t WHERE c.tsv @@ t.tq) + ts_rank_cd(c.tsv, q.tq, 1) DESC, c.id LIMIT ?""";
        List<String> out = new ArrayList<>();
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, cfg);
            ps.setObject(2, source);
            ps.setString(3, cfg);
            ps.setString(4, query);
            ps.setInt(5, limit);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SearchResult r = new SearchResult(rs.getObject(1, UUID.class), null, rs.getString(2), null, rs.getString(3), null, null, 0, null, null);
                    out.add(r.chunkId() + " " + CorpusSources.docId(r));
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static void appendMarkdown(Map<String, Object> s, List<Metric> metrics) {
        MD.append("\n### ").append(s.get("title")).append("\n\n");
        MD.append("Ingest: ").append(s.get("documents")).append(" documents (").append(s.get("indexed")).append(" indexed, ")
          .append(s.get("unchanged")).append(" unchanged, ").append(s.get("skipped")).append(" skipped), ")
          .append(s.get("chunks")).append(" chunks, ").append(BenchOutput.f(s.get("ingestSeconds"), 1)).append(" s, ")
          .append(BenchOutput.f(s.get("documentsPerSecond"), 2)).append(" documents/s; load ").append(s.get("loadAtStart"))
          .append(" → ").append(s.get("loadAtEnd")).append("; limit ").append(s.get("limit")).append(" chunks per query.\n\n");
        MD.append("| mode |");
        for (Metric m : metrics) MD.append(' ').append(m.name()).append(" |");
        MD.append(" search p50 / p95 (ms) |\n|---|");
        for (int i = 0; i <= metrics.size(); i++) MD.append("---:|");
        MD.append('\n');
        ((Map<String, Map<String, Object>>) s.get("modes")).forEach((mode, m) -> {
            MD.append("| ").append(mode).append(" |");
            for (Metric metric : metrics) MD.append(' ').append(BenchOutput.f(m.get(metric.name()), 3)).append(" |");
            Map<String, Object> lat = (Map<String, Object>) m.get("latency");
            MD.append(' ').append(BenchOutput.f(lat.get("p50Ms"), 0)).append(" / ").append(BenchOutput.f(lat.get("p95Ms"), 0)).append(" |\n");
        });
    }

    @AfterAll
    static void write() throws IOException {
        if (REPORT.isEmpty()) return;
        Map<String, Object> machine = BenchOutput.machine();
        machine.put("loadAverageAtStart", firstLoad);
        machine.put("loadAverageAtEnd", BenchOutput.loadAverage());
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("model", model);
        all.put("machine", machine);
        all.putAll(REPORT);
        String md = "## Retrieval quality, embedding model " + model + "\n\n" + BenchOutput.machineLine(machine) + "\n" + MD;
        BenchOutput.write("retrieval-" + model, all, md);
        // every query's ranking (corpus ids of the chunks, best first) per suite and mode, for analysis offline
        JSON.writeValue(Path.of("target", "bench", "retrieval-raw-" + model + ".json").toFile(), RAW);
    }
}
