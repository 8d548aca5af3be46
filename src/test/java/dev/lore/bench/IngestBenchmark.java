package dev.lore.bench;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.loader.FileSystemDocumentLoader;
import dev.langchain4j.data.document.parser.apache.tika.ApacheTikaDocumentParser;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.HuggingFaceTokenCountEstimator;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import dev.langchain4j.store.embedding.IngestionResult;
import dev.langchain4j.store.embedding.pgvector.PgVectorEmbeddingStore;
import dev.lore.embedding.EmbeddingService;
import dev.lore.eval.RetrievalMetrics;
import dev.lore.ingest.Chunk;
import dev.lore.ingest.IngestException;
import dev.lore.ingest.ParsedDocument;
import dev.lore.ingest.StructuredChunker;
import dev.lore.retrieval.HybridRetriever;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchResult;
import dev.lore.support.Api;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jsoup.parser.Parser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Ingestion and search benchmark on the PostgreSQL manual: Lore against the pipeline a Java developer would write
 * today with plain langchain4j (FileSystemDocumentLoader + Apache Tika parser + {@code DocumentSplitters.recursive(500, 50)}
 * + EmbeddingStoreIngestor into a PgVectorEmbeddingStore), with the same embedding model instance
 * (bge-small-en-v1.5 quantized, in process), the same database and the same JVM.
 *
 * <p>Not part of the normal suite (tag {@code bench}); run it with {@code deploy/bench.sh} or
 * {@code ./mvnw -Pbench test -Dtest=IngestBenchmark}. System properties:
 * <ul>
 *   <li>{@code lore.bench.dir}: the folder to ingest (default: the whole manual, /usr/share/doc/postgresql-doc-15/html)</li>
 *   <li>{@code lore.bench.queries}: search-latency queries (default 300, at least 200 counted for the acceptance item)</li>
 *   <li>{@code lore.bench.bare-sample}: Lore chunks embedded by the bare model (default 1500)</li>
 *   <li>{@code lore.bench.lore-phases}: re-time Lore's parse and chunk steps after the run (default true)</li>
 *   <li>{@code lore.bench.jfr}: write a Flight Recording of Lore's sync to this file (default none)</li>
 *   <li>{@code lore.bench.plain-index}: vector index added to the plain table after ingestion: {@code hnsw} (default,
 *       same parameters as Lore's) or {@code none}. The store's builder only offers IVFFlat ({@code useIndex}), created on
 *       the still-empty table, which is why it is not used.</li>
 * </ul>
 *
 * <p>Prints a Markdown table and writes {@code target/bench/ingest.json} and {@code target/bench/ingest.md}.
 */
@QuarkusTest
@Tag("bench")
class IngestBenchmark {

    static final Path MANUAL = Path.of("/usr/share/doc/postgresql-doc-15/html");
    static final String PLAIN_TABLE = "bench_plain_embeddings";
    static final int WARMUP_QUERIES = 20;
    static final int SEARCH_LIMIT = 10;
    static final int HIT_DEPTH = 20;

    @Inject EmbeddingService embeddings;
    @Inject HybridRetriever retriever;
    @Inject AgroalDataSource dataSource;
    @Inject ObjectMapper json;
    @Inject dev.lore.ingest.DocumentParser loreParser;
    @Inject StructuredChunker loreChunker;
    @Inject dev.lore.ingest.IngestionPipeline lorePipeline;

    /**
     * Search latency only, on indexes a full run left behind ({@code -Dlore.bench.search-source=NAME}: the Lore source
     * to search, and the plain pipeline's table): Lore hybrid, vector and full-text and the plain vector search, the
     * same queries, {@code lore.bench.queries} of them. For iterating on search; skipped without the property.
     */
    @Test
    void searchOnly() throws Exception {
        String name = System.getProperty("lore.bench.search-source");
        org.junit.jupiter.api.Assumptions.assumeTrue(name != null, "set -Dlore.bench.search-source to run");
        dev.lore.security.Tenants.call(dev.lore.security.Tenants.ALL, () -> {
            Path dir = Path.of(System.getProperty("lore.bench.dir", MANUAL.toString())).toAbsolutePath();
            List<JsonNode> questions = new ArrayList<>();
            for (String line : resourceLines("/eval/suites/pg-manual.jsonl")) if (!line.contains("\"suite\"")) questions.add(json.readTree(line));
            List<String> queries = queries(questions, dir, Math.max(Integer.getInteger("lore.bench.queries", 300), 1));
            UUID source = UUID.fromString((String) queryObject("SELECT id::text FROM source WHERE name = '" + name.replace("'", "''") + "'"));
            SearchFilters filters = new SearchFilters(List.of(source), null, null, null);
            PgVectorEmbeddingStore store = PgVectorEmbeddingStore.datasourceBuilder().datasource(dataSource).table(PLAIN_TABLE)
                    .dimension(embeddings.dimension()).createTable(false).useIndex(false).build();
            EmbeddingModel model = embeddings.model();
            Map<String, Function<String, List<String>>> searches = new LinkedHashMap<>();
            // -Dlore.bench.search-as-user=true: as a user of group "staff" (the source's chunks must be readable by "*")
            dev.lore.security.Caller caller = Boolean.getBoolean("lore.bench.search-as-user")
                    ? new dev.lore.security.Caller("default", "bench-user", java.util.Set.of("staff"), java.util.Set.of(dev.lore.security.Caller.USER))
                    : dev.lore.support.TestCallers.ADMIN;
            for (SearchMode mode : SearchMode.values()) {
                searches.put("lore " + mode.name().toLowerCase(Locale.ROOT), q -> retriever.search(q, SEARCH_LIMIT, filters, mode,
                        caller).stream().map(SearchResult::documentKey).toList());
            }
            searches.put("plain vector", q -> plainSearch(store, model, q, SEARCH_LIMIT));
            log("statistics renewed as after a sync: " + retriever.renewStatistics("default").join());
            for (var e : searches.entrySet()) {
                for (String q : queries.subList(0, Math.min(WARMUP_QUERIES, queries.size()))) e.getValue().apply(q);
                log(e.getKey() + ": " + percentiles(latencies(queries, e.getValue()), e.getKey()));
            }
            return null;
        });
    }

    @Test
    void ingestAndSearchSideBySide() throws Exception {
        // this thread reads Lore's chunk table directly (chunk shapes, texts for the bare model): row-level security
        // shows it nothing without a tenant, so it works across tenants, as the re-embedding job does
        dev.lore.security.Tenants.call(dev.lore.security.Tenants.ALL, () -> {
            sideBySide();
            return null;
        });
    }

    @SuppressWarnings("unchecked")
    private void sideBySide() throws Exception {
        Path dir = Path.of(System.getProperty("lore.bench.dir", MANUAL.toString())).toAbsolutePath();
        int queryTarget = Math.max(Integer.getInteger("lore.bench.queries", 300), 1);
        int bareSample = Math.max(Integer.getInteger("lore.bench.bare-sample", 1500), 1);
        String plainIndex = System.getProperty("lore.bench.plain-index", "hnsw").toLowerCase(Locale.ROOT);
        assertTrue(Files.isDirectory(dir), dir + " is missing: install postgresql-doc-15 (deploy/bench.sh does) or set -Dlore.bench.dir");

        EmbeddingModel model = embeddings.model();
        MemorySampler memory = new MemorySampler();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", machine());
        report.put("corpus", corpus(dir));
        report.put("settings", Map.of("embeddingModel", embeddings.modelName() + " (" + model.getClass().getSimpleName() + ")",
                "plainSplitter", "DocumentSplitters.recursive(500, 50) (characters)", "plainIndex", plainIndex,
                "loreChunking", "StructuredChunker, max " + loreChunker.maxTokens() + " tokens, overlap " + loreChunker.overlapTokens(), "searchLimit", SEARCH_LIMIT));
        log("corpus " + dir + ": " + report.get("corpus"));

        // the ONNX session is loaded at start-up; a few calls let both pipelines start from the same warm model
        model.embedAll(Stream.generate(() -> TextSegment.from("warm up the embedding model with a short sentence")).limit(64).toList());

        // ---- a. the plain langchain4j pipeline ------------------------------------------------------------------
        Map<String, Object> plain = new LinkedHashMap<>();
        PgVectorEmbeddingStore store = PgVectorEmbeddingStore.datasourceBuilder()
                .datasource(dataSource)
                .table(PLAIN_TABLE)
                .dimension(embeddings.dimension())
                .createTable(true)
                .dropTableFirst(true)
                .useIndex(false)
                .build();
        TimedModel timedModel = new TimedModel(model);
        EmbeddingStoreIngestor ingestor = EmbeddingStoreIngestor.builder()
                .documentSplitter(DocumentSplitters.recursive(500, 50))
                .embeddingModel(timedModel)
                .embeddingStore(store)
                .build();
        log("plain pipeline: loading, splitting, embedding and storing " + dir);
        memory.startPhase();
        long t0 = System.nanoTime();
        List<Document> documents = FileSystemDocumentLoader.loadDocuments(dir, new ApacheTikaDocumentParser());
        long tLoaded = System.nanoTime();
        IngestionResult ingested = ingestor.ingest(documents);
        long tIngested = System.nanoTime();
        if (plainIndex.equals("hnsw")) {
            execute("CREATE INDEX " + PLAIN_TABLE + "_hnsw ON " + PLAIN_TABLE
                    + " USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)");
        }
        long tIndexed = System.nanoTime();
        MemorySampler.Peak plainMemory = memory.endPhase();
        int plainChunks = (int) queryLong("SELECT count(*) FROM " + PLAIN_TABLE);
        double plainWall = seconds(tIndexed - t0);
        plain.put("wallSeconds", plainWall);
        plain.put("pages", documents.size());
        plain.put("pagesPerSecond", documents.size() / plainWall);
        plain.put("chunks", plainChunks);
        plain.put("chunksPerSecond", plainChunks / plainWall);
        Integer plainTokens = ingested.tokenUsage() == null ? null : ingested.tokenUsage().inputTokenCount();
        plain.put("embeddedTokens", plainTokens);
        plain.put("tokensPerSecond", plainTokens == null ? null : plainTokens / plainWall);
        Map<String, Object> plainPhases = new LinkedHashMap<>();
        plainPhases.put("loadAndParseSeconds", seconds(tLoaded - t0));
        plainPhases.put("splitSeconds", seconds(timedModel.firstStart - tLoaded));
        plainPhases.put("embedSeconds", seconds(timedModel.totalNanos));
        plainPhases.put("storeSeconds", seconds(tIngested - timedModel.lastEnd));
        plainPhases.put("indexSeconds", seconds(tIndexed - tIngested));
        plain.put("phases", plainPhases);
        plain.put("embedChunksPerSecond", plainChunks / seconds(timedModel.totalNanos));
        plain.put("memory", plainMemory.toMap());
        plain.put("chunkShape", chunkShape("SELECT text FROM " + PLAIN_TABLE, null));
        documents = null; // let the parsed manual go before Lore runs
        log("plain pipeline: " + plain);

        // ---- b. Lore, through its HTTP API ---------------------------------------------------------------------
        Map<String, Object> lore = new LinkedHashMap<>();
        String sourceName = "bench-" + dir.getFileName() + "-" + UUID.randomUUID().toString().substring(0, 8);
        String sourceId = Api.createFilesystemSource(sourceName, dir);
        log("Lore: syncing source " + sourceName);
        System.gc();
        jdk.jfr.Recording jfr = startJfr();
        memory.startPhase();
        Map<String, Double> stepsBefore = lorePipeline.timings();
        long l0 = System.nanoTime();
        String runId = given().post("/api/v1/sources/" + sourceId + "/sync").then().statusCode(202).extract().path("id");
        JsonPath run = Api.awaitRun(sourceId, runId, 4 * 3600);
        long l1 = System.nanoTime();
        MemorySampler.Peak loreMemory = memory.endPhase();
        stopJfr(jfr);
        Api.assertStatus(run, "succeeded");
        // the sync renews the term statistics in the background when it ends; searches are timed after that
        HybridRetriever.Renewal renewal = retriever.lastStatisticsRenewal().join();
        double loreWall = seconds(l1 - l0);
        int loreChunks = run.getInt("chunks");
        UUID source = UUID.fromString(sourceId);
        lore.put("wallSeconds", loreWall);
        Map<String, Object> steps = new LinkedHashMap<>();
        lorePipeline.timings().forEach((k, v) -> steps.put(k + "Seconds", v - stepsBefore.get(k)));
        steps.put("note", "measured inside the sync: prepare (read, hash, parse, chunk) runs on its own thread, ahead of the"
                + " page being embedded; lookup, embed and store run one after the other on the sync thread");
        lore.put("steps", steps);
        lore.put("statisticsRenewal", Map.of("callers", renewal.callers(), "millis", renewal.millis()));
        Instant started = Instant.parse(run.getString("startedAt"));
        Instant finished = Instant.parse(run.getString("finishedAt"));
        lore.put("serverRunSeconds", Duration.between(started, finished).toMillis() / 1000.0);
        lore.put("pages", run.getInt("done"));
        lore.put("pagesPerSecond", run.getInt("done") / loreWall);
        lore.put("counts", run.getMap("counts"));
        lore.put("chunks", loreChunks);
        lore.put("chunksPerSecond", loreChunks / loreWall);
        lore.put("distinctEmbeddedTexts", queryLong("SELECT count(DISTINCT text_hash) FROM chunk WHERE source_id = '" + source + "'"));
        lore.put("memory", loreMemory.toMap());
        Map<String, Object> loreShape = chunkShape("SELECT text FROM chunk WHERE source_id = ?", source);
        lore.put("chunkShape", loreShape);
        lore.put("chunkTextTokens", loreShape.get("tokens"));
        lore.put("chunkTextTokensPerSecond", ((Number) loreShape.get("tokens")).longValue() / loreWall);
        if (run.getInt("counts.skipped") + run.getInt("counts.failed") > 0) {
            lore.put("skippedOrFailed", Api.runReasons(sourceId, runId).entrySet().stream()
                    .filter(e -> e.getValue() != null).map(e -> e.getKey() + ": " + e.getValue()).limit(20).toList());
        }
        log("Lore: " + lore);

        // ---- c. the bare embedding model on Lore's own chunks --------------------------------------------------
        List<String> allTexts = queryStrings("SELECT text FROM chunk WHERE source_id = ? ORDER BY document_key, position", source);
        List<TextSegment> sample = new ArrayList<>();
        int n = Math.min(bareSample, allTexts.size());
        for (int i = 0; i < n; i++) sample.add(TextSegment.from(allTexts.get((int) ((long) i * allTexts.size() / n))));
        System.gc();
        memory.startPhase();
        long b0 = System.nanoTime();
        Response<List<Embedding>> bareResponse = model.embedAll(sample);
        long b1 = System.nanoTime();
        MemorySampler.Peak bareMemory = memory.endPhase();
        double bareSeconds = seconds(b1 - b0);
        Map<String, Object> bare = new LinkedHashMap<>();
        bare.put("chunks", sample.size());
        bare.put("seconds", bareSeconds);
        bare.put("chunksPerSecond", sample.size() / bareSeconds);
        Integer bareTokens = bareResponse.tokenUsage() == null ? null : bareResponse.tokenUsage().inputTokenCount();
        bare.put("tokens", bareTokens);
        bare.put("tokensPerSecond", bareTokens == null ? null : bareTokens / bareSeconds);
        bare.put("threads", "the model's executor (lore.embedding.threads, default all cores: " + Runtime.getRuntime().availableProcessors() + ")");
        bare.put("memory", bareMemory.toMap());
        double bareRate = sample.size() / bareSeconds;
        lore.put("ratioToBareModel", (loreChunks / loreWall) / bareRate);
        log("bare model: " + bare);

        // ---- c'. where Lore's ingest time goes (diagnostic, outside the timed run) ------------------------------
        if (Boolean.parseBoolean(System.getProperty("lore.bench.lore-phases", "true"))) {
            Map<String, Object> phases = lorePrepare(dir);
            long embTokens = ((Number) phases.get("embeddingTextTokens")).longValue();
            double embedEstimate = bareTokens == null ? Double.NaN : embTokens / (bareTokens / bareSeconds);
            phases.put("embedSecondsAtBareRate", embedEstimate);
            phases.put("restSeconds", loreWall - ((Number) phases.get("parseSeconds")).doubleValue()
                    - ((Number) phases.get("chunkSeconds")).doubleValue() - embedEstimate);
            phases.put("note", "parse and chunk re-timed in process on one thread (as the sync does); embed estimated from the"
                    + " embedding texts' tokens at the bare model's tokens/s; rest = wall - those (store, hashing, bookkeeping,"
                    + " and the cores left idle while one thread parses)");
            lore.put("phases", phases);
            if (bareTokens != null) lore.put("ratioToBareModelTokens", (embTokens / loreWall) / (bareTokens / bareSeconds));
            log("Lore phases: " + phases);
        }

        // ---- d. search latency ---------------------------------------------------------------------------------
        List<JsonNode> questions = new ArrayList<>();
        for (String line : resourceLines("/eval/suites/pg-manual.jsonl")) if (!line.contains("\"suite\"")) questions.add(json.readTree(line));
        List<String> queries = queries(questions, dir, queryTarget);
        SearchFilters filters = new SearchFilters(List.of(source), null, null, null);
        // the search API's ranking (with the page list), as people get it
        Function<String, List<String>> loreSearch = q -> retriever.search(q, SEARCH_LIMIT, filters, dev.lore.retrieval.SearchMode.HYBRID, dev.lore.support.TestCallers.ADMIN).stream().map(SearchResult::documentKey).toList();
        Function<String, List<String>> plainSearch = q -> plainSearch(store, model, q, SEARCH_LIMIT);
        for (String q : queries.subList(0, Math.min(WARMUP_QUERIES, queries.size()))) {
            loreSearch.apply(q);
            plainSearch.apply(q);
        }
        memory.startPhase();
        double[] loreLatency = latencies(queries, loreSearch);
        MemorySampler.Peak loreSearchMemory = memory.endPhase();
        memory.startPhase();
        double[] plainLatency = latencies(queries, plainSearch);
        MemorySampler.Peak plainSearchMemory = memory.endPhase();
        lore.put("search", percentiles(loreLatency, "hybrid (vector + full text, RRF), HybridRetriever in process, query embedding included"));
        plain.put("search", percentiles(plainLatency, "vector only, PgVectorEmbeddingStore.search, query embedding included"));
        ((Map<String, Object>) lore.get("memory")).put("searchPeak", loreSearchMemory.toMap());
        ((Map<String, Object>) plain.get("memory")).put("searchPeak", plainSearchMemory.toMap());

        // ---- e. hit@5 on the users' questions ------------------------------------------------------------------
        Set<String> present = new HashSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(p -> present.add(p.getFileName().toString()));
        }
        Quality loreQ = new Quality(), plainQ = new Quality(), plainPrefixQ = new Quality();
        String queryPrefix = "Represent this sentence for searching relevant passages: ";
        for (JsonNode q : questions) {
            Set<String> relevant = new HashSet<>();
            q.get("relevant").forEach(r -> relevant.add(r.asText()));
            boolean answerable = relevant.stream().anyMatch(present::contains);
            String text = q.get("query").asText();
            loreQ.add(retriever.search(text, HIT_DEPTH, filters, dev.lore.retrieval.SearchMode.HYBRID, dev.lore.support.TestCallers.ADMIN).stream().map(SearchResult::documentKey).toList(), relevant, answerable);
            plainQ.add(plainSearch(store, model, text, HIT_DEPTH), relevant, answerable);
            plainPrefixQ.add(plainSearch(store, model, queryPrefix + text, HIT_DEPTH), relevant, answerable);
        }
        lore.put("quality", loreQ.toMap());
        plain.put("quality", plainQ.toMap());
        plain.put("qualityWithBgeQueryInstruction", plainPrefixQ.toMap());

        // ---- f. memory -----------------------------------------------------------------------------------------
        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("startupPeakRssMb", memory.startupHwmKb / 1024.0);
        mem.put("processPeakRssMb", Math.max(memory.startupHwmKb, memory.maxHwmKb) / 1024.0);
        mem.put("rssAtEndMb", MemorySampler.status("VmRSS") / 1024.0);
        mem.put("heapUsedAtEndMb", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0);
        mem.put("maxHeapMb", Runtime.getRuntime().maxMemory() / 1048576.0);
        mem.put("peakResetPerPhase", memory.resetWorks);
        mem.put("note", "one JVM runs both pipelines; per-phase peaks reset VmHWM (/proc/self/clear_refs) before each phase,"
                + " heap is sampled every 50 ms");
        report.put("plain", plain);
        report.put("lore", lore);
        report.put("bareModel", bare);
        report.put("queries", Map.of("count", queries.size(), "warmup", WARMUP_QUERIES, "questions", questions.size(),
                "rest", "page titles of the manual (<title>), section numbers stripped"));
        report.put("memory", mem);
        memory.close();

        // ---- g. output -----------------------------------------------------------------------------------------
        String md = markdown(report);
        System.out.println();
        System.out.println(md);
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("ingest.json").toFile(), report);
        Files.writeString(out.resolve("ingest.md"), md);
        log("wrote " + out.toAbsolutePath().resolve("ingest.json") + " and ingest.md");

        assertEquals(0, run.getInt("counts.failed"), () -> "Lore failed documents: " + lore.get("skippedOrFailed"));
        assertTrue(plainChunks > 0 && loreChunks > 0, "both pipelines must store chunks");
        assertTrue(queries.size() >= Math.min(200, queryTarget), "only " + queries.size() + " queries");
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Lore's parse and chunk steps on every file, timed separately, plus the tokens of what Lore embeds. */
    private Map<String, Object> lorePrepare(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> st = Files.list(dir)) {
            files = st.filter(Files::isRegularFile).sorted().toList();
        }
        long parseNanos = 0, chunkNanos = 0, embTokens = 0, textTokens = 0;
        int chunks = 0;
        for (Path f : files) {
            byte[] bytes = Files.readAllBytes(f);
            long t0 = System.nanoTime();
            ParsedDocument parsed;
            try {
                parsed = loreParser.parse(bytes, f.getFileName().toString());
            } catch (IngestException e) {
                continue;
            }
            long t1 = System.nanoTime();
            List<Chunk> cs = loreChunker.chunk(parsed);
            long t2 = System.nanoTime();
            parseNanos += t1 - t0;
            chunkNanos += t2 - t1;
            chunks += cs.size();
            for (Chunk c : cs) {
                embTokens += c.tokens();
                textTokens += loreChunker.count(c.text());
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("parseSeconds", seconds(parseNanos));
        m.put("chunkSeconds", seconds(chunkNanos));
        m.put("chunks", chunks);
        m.put("embeddingTextTokens", embTokens);
        m.put("chunkTextTokens", textTokens);
        return m;
    }

    /** With {@code -Dlore.bench.jfr=FILE}: a Flight Recording of Lore's sync (CPU samples, socket reads, parks). */
    private static jdk.jfr.Recording startJfr() throws IOException {
        String file = System.getProperty("lore.bench.jfr", "");
        if (file.isBlank()) return null;
        jdk.jfr.Recording r = new jdk.jfr.Recording();
        r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        r.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
        r.enable("jdk.SocketRead").withThreshold(Duration.ZERO).withStackTrace();
        r.enable("jdk.ThreadPark").withThreshold(Duration.ofMillis(1)).withStackTrace();
        r.setDestination(Path.of(file));
        r.start();
        return r;
    }

    private static void stopJfr(jdk.jfr.Recording r) {
        if (r == null) return;
        r.stop();
        r.close();
        log("flight recording of Lore's sync written to " + System.getProperty("lore.bench.jfr"));
    }

    private static List<String> plainSearch(PgVectorEmbeddingStore store, EmbeddingModel model, String query, int max) {
        Embedding q = model.embed(query).content();
        List<EmbeddingMatch<TextSegment>> matches = store.search(EmbeddingSearchRequest.builder().queryEmbedding(q).maxResults(max).build()).matches();
        List<String> files = new ArrayList<>(matches.size());
        for (EmbeddingMatch<TextSegment> m : matches) {
            files.add(m.embedded() == null ? "?" : String.valueOf(m.embedded().metadata().getString("file_name")));
        }
        return files;
    }

    private static double[] latencies(List<String> queries, Function<String, List<String>> search) {
        double[] ms = new double[queries.size()];
        for (int i = 0; i < queries.size(); i++) {
            long t = System.nanoTime();
            search.apply(queries.get(i));
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        return ms;
    }

    private static Map<String, Object> percentiles(double[] ms, String what) {
        double[] s = ms.clone();
        Arrays.sort(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("what", what);
        m.put("queries", s.length);
        m.put("p50Ms", pct(s, 50));
        m.put("p95Ms", pct(s, 95));
        m.put("p99Ms", pct(s, 99));
        m.put("meanMs", Arrays.stream(s).average().orElse(0));
        m.put("maxMs", s.length == 0 ? 0 : s[s.length - 1]);
        return m;
    }

    /** Nearest-rank percentile of sorted values. */
    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The questions, then page titles (folder first, then the rest of the manual) until {@code target}. */
    private static List<String> queries(List<JsonNode> questions, Path dir, int target) throws IOException {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (JsonNode q : questions) out.add(q.get("query").asText());
        List<String> titles = new ArrayList<>(titles(dir));
        if (!dir.equals(MANUAL) && Files.isDirectory(MANUAL)) titles.addAll(titles(MANUAL));
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(titles));
        distinct.removeAll(out);
        int need = Math.min(target - out.size(), distinct.size());
        // spread over all pages (alphabetical by file name) rather than taking the first ones
        for (int i = 0; i < need; i++) out.add(distinct.get((int) ((long) i * distinct.size() / need)));
        return List.copyOf(out);
    }

    private static final Pattern TITLE = Pattern.compile("<title>(.*?)</title>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private static List<String> titles(Path dir) throws IOException {
        List<String> titles = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".html")).sorted().toList();
        }
        for (Path p : files) {
            Matcher m = TITLE.matcher(Files.readString(p, StandardCharsets.ISO_8859_1));
            if (!m.find()) continue;
            String t = Parser.unescapeEntities(m.group(1), false).replaceAll("\\s+", " ").strip()
                    .replaceFirst("^(?:[A-Z]\\.)?[0-9][0-9.]*\\s+", "").strip();
            if (t.length() >= 3) titles.add(t);
        }
        return titles;
    }

    private Map<String, Object> chunkShape(String sql, UUID param) throws SQLException {
        List<String> texts = queryStrings(sql, param);
        HuggingFaceTokenCountEstimator tokenizer = new HuggingFaceTokenCountEstimator();
        long tokens = 0, chars = 0;
        int tiny = 0, over512 = 0;
        Set<String> seen = new HashSet<>();
        int duplicates = 0;
        for (String t : texts) {
            int n = tokenizer.estimateTokenCountInText(t);
            tokens += n;
            chars += t.length();
            if (t.strip().length() < 50) tiny++;
            if (n > 510) over512++;
            if (!seen.add(t)) duplicates++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chunks", texts.size());
        m.put("tokens", tokens);
        m.put("meanTokens", texts.isEmpty() ? 0 : (double) tokens / texts.size());
        m.put("meanChars", texts.isEmpty() ? 0 : (double) chars / texts.size());
        m.put("under50Chars", tiny);
        m.put("exactDuplicates", duplicates);
        m.put("over512Tokens", over512);
        return m;
    }

    private List<String> queryStrings(String sql, UUID param) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (param != null) ps.setObject(1, param);
            ps.setFetchSize(1000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }

    private Object queryObject(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertTrue(rs.next(), "no row: " + sql);
            return rs.getObject(1);
        }
    }

    private long queryLong(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private Map<String, Object> corpus(Path dir) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        long files = 0, html = 0, bytes = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files++;
                if (p.getFileName().toString().endsWith(".html")) html++;
                bytes += Files.size(p);
            }
        }
        m.put("folder", dir.toString());
        m.put("files", files);
        m.put("htmlPages", html);
        m.put("megabytes", bytes / 1048576.0);
        return m;
    }

    private Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("cpu", firstMatch(Path.of("/proc/cpuinfo"), "model name"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        String memTotal = firstMatch(Path.of("/proc/meminfo"), "MemTotal");
        m.put("memoryGb", memTotal == null ? null : Long.parseLong(memTotal.replaceAll("\\D", "")) / 1048576.0);
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("jvmArgs", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X") || a.startsWith("--enable")).toList()));
        try {
            m.put("postgres", queryString("SELECT version()"));
            m.put("pgvector", queryString("SELECT extversion FROM pg_extension WHERE extname = 'vector'"));
        } catch (SQLException e) {
            m.put("postgres", "unknown: " + e.getMessage());
        }
        return m;
    }

    private String queryString(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static String firstMatch(Path file, String key) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(key)).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void log(String s) {
        System.out.println("[bench] " + s);
    }

    static List<String> resourceLines(String name) throws IOException {
        try (InputStream in = IngestBenchmark.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        }
    }

    // ---- Markdown ---------------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> r) {
        Map<String, Object> p = (Map<String, Object>) r.get("plain");
        Map<String, Object> l = (Map<String, Object>) r.get("lore");
        Map<String, Object> b = (Map<String, Object>) r.get("bareModel");
        Map<String, Object> machine = (Map<String, Object>) r.get("machine");
        Map<String, Object> corpus = (Map<String, Object>) r.get("corpus");
        Map<String, Object> ps = (Map<String, Object>) p.get("search");
        Map<String, Object> ls = (Map<String, Object>) l.get("search");
        Map<String, Object> pq = (Map<String, Object>) p.get("quality");
        Map<String, Object> pqi = (Map<String, Object>) p.get("qualityWithBgeQueryInstruction");
        Map<String, Object> lq = (Map<String, Object>) l.get("quality");
        Map<String, Object> pm = (Map<String, Object>) p.get("memory");
        Map<String, Object> lm = (Map<String, Object>) l.get("memory");
        Map<String, Object> pPh = (Map<String, Object>) p.get("phases");
        Map<String, Object> pShape = (Map<String, Object>) p.get("chunkShape");
        Map<String, Object> lShape = (Map<String, Object>) l.get("chunkShape");
        Map<String, Object> mem = (Map<String, Object>) r.get("memory");
        StringBuilder sb = new StringBuilder();
        sb.append("### Ingestion and search: ").append(corpus.get("folder")).append(" (").append(corpus.get("files"))
          .append(" files, ").append(corpus.get("htmlPages")).append(" HTML pages, ").append(f1(corpus.get("megabytes"))).append(" MB)\n\n");
        sb.append("Machine: ").append(machine.get("cpu")).append(", ").append(machine.get("cores")).append(" cores, ")
          .append(f1(machine.get("memoryGb"))).append(" GB RAM; ").append(machine.get("java")).append(" (").append(machine.get("jvmArgs"))
          .append("); ").append(shortPg(machine.get("postgres"))).append(", pgvector ").append(machine.get("pgvector"))
          .append("; ").append(machine.get("date")).append(".\n\n");
        sb.append("| | plain langchain4j | Lore |\n|---|---:|---:|\n");
        row(sb, "wall time (s)", f1(p.get("wallSeconds")), f1(l.get("wallSeconds")));
        row(sb, "pages (documents)", p.get("pages"), l.get("pages") + " (" + ((Map<?, ?>) l.get("counts")).get("indexed") + " indexed)");
        row(sb, "pages/s", f2(p.get("pagesPerSecond")), f2(l.get("pagesPerSecond")));
        row(sb, "chunks", p.get("chunks"), l.get("chunks"));
        row(sb, "chunks/s", f1(p.get("chunksPerSecond")), f1(l.get("chunksPerSecond")));
        row(sb, "mean tokens per chunk (chunk text)", f1(pShape.get("meanTokens")), f1(lShape.get("meanTokens")));
        row(sb, "chunks under 50 chars / exact duplicates", pShape.get("under50Chars") + " / " + pShape.get("exactDuplicates"),
                lShape.get("under50Chars") + " / " + lShape.get("exactDuplicates"));
        row(sb, "ingest chunks/s ÷ bare model chunks/s (Lore goal ≥ 0.95)", "n/a (other chunks)", f2(l.get("ratioToBareModel")));
        row(sb, "search p50 / p95 / p99 (ms), " + ls.get("queries") + " queries", f1(ps.get("p50Ms")) + " / " + f1(ps.get("p95Ms")) + " / " + f1(ps.get("p99Ms")),
                f1(ls.get("p50Ms")) + " / " + f1(ls.get("p95Ms")) + " / " + f1(ls.get("p99Ms")));
        row(sb, "hit@5, " + lq.get("answerable") + " answerable of " + lq.get("questions") + " questions",
                pct1(pq.get("hitAt5")) + " (" + pct1(pqi.get("hitAt5")) + " with bge query instruction)", pct1(lq.get("hitAt5")));
        row(sb, "MRR@10", f3(pq.get("mrrAt10")), f3(lq.get("mrrAt10")));
        row(sb, "peak RSS during ingestion (MB; RSS when the phase began)", f0(pm.get("peakRssMb")) + " (" + f0(pm.get("rssAtStartMb")) + ")",
                f0(lm.get("peakRssMb")) + " (" + f0(lm.get("rssAtStartMb")) + ")");
        row(sb, "peak heap used during ingestion (MB, sampled)", f0(pm.get("peakHeapMb")), f0(lm.get("peakHeapMb")));
        sb.append("\nBare embedding model (").append(((Map<?, ?>) r.get("settings")).get("embeddingModel")).append(", embedAll on ")
          .append(b.get("chunks")).append(" of Lore's chunk texts): ").append(f1(b.get("chunksPerSecond"))).append(" chunks/s, ")
          .append(f0(b.get("tokensPerSecond"))).append(" tokens/s. Lore's ingest: ").append(f1(l.get("chunksPerSecond")))
          .append(" chunks/s = **").append(f2(l.get("ratioToBareModel"))).append("** of bare (Lore embeds breadcrumb + text, a"
          + " little more than the `text` the bare run embeds; in tokens of what each embedded: ").append(f2(l.get("ratioToBareModelTokens")))
          .append(").\n\n");
        sb.append("Plain pipeline phases: load + Tika parse ").append(f1(pPh.get("loadAndParseSeconds"))).append(" s, split ")
          .append(f1(pPh.get("splitSeconds"))).append(" s, embed ").append(f1(pPh.get("embedSeconds"))).append(" s (")
          .append(f0(p.get("embeddedTokens"))).append(" tokens, ").append(f1(p.get("embedChunksPerSecond")))
          .append(" chunks/s; its chunks are shorter than Lore's, so chunks/s do not compare), store ").append(f1(pPh.get("storeSeconds"))).append(" s, HNSW index ")
          .append(f1(pPh.get("indexSeconds"))).append(" s.\n\n");
        Map<String, Object> lPh = (Map<String, Object>) l.get("phases");
        if (lPh != null) {
            sb.append("Lore phases (diagnostic, re-timed in process after the run): parse ").append(f1(lPh.get("parseSeconds")))
              .append(" s, chunk ").append(f1(lPh.get("chunkSeconds"))).append(" s, embed ≈ ").append(f1(lPh.get("embedSecondsAtBareRate")))
              .append(" s (").append(lPh.get("embeddingTextTokens")).append(" tokens of breadcrumb + text at the bare model's rate), rest ≈ ")
              .append(f1(lPh.get("restSeconds"))).append(" s (store, bookkeeping, cores idle while one thread parses).\n\n");
        }
        Map<String, Object> lSt = (Map<String, Object>) l.get("steps");
        if (lSt != null) {
            sb.append("Lore's sync, timed inside (seconds of wall time per step): prepare (read, hash, parse, chunk; its own thread, ahead) ")
              .append(f1(lSt.get("prepareSeconds"))).append(", stored-vector lookup ").append(f1(lSt.get("lookupSeconds")))
              .append(", embed ").append(f1(lSt.get("embedSeconds"))).append(", store ").append(f1(lSt.get("storeSeconds")))
              .append(" (store overlaps the next page's embedding). After the run, the term statistics were renewed in the background in ")
              .append(((Map<String, Object>) l.get("statisticsRenewal")).get("millis")).append(" ms (searches are timed after that).\n\n");
        }
        sb.append("Search: Lore = ").append(ls.get("what")).append(", top ").append(SEARCH_LIMIT).append("; plain = ").append(ps.get("what"))
          .append(", top ").append(SEARCH_LIMIT).append(" (query embedded as is, as EmbeddingStoreContentRetriever does). ")
          .append(WARMUP_QUERIES).append(" warm-up queries first; queries = the ").append(lq.get("questions"))
          .append(" users' questions + manual page titles. hit@5 counts distinct pages in the top 20 chunks.\n\n");
        sb.append("Memory: one JVM runs both (").append(machine.get("jvmArgs")).append("); process peak RSS ")
          .append(f0(mem.get("processPeakRssMb"))).append(" MB (start-up ").append(f0(mem.get("startupPeakRssMb")))
          .append(" MB); heap used at the end ").append(f0(mem.get("heapUsedAtEndMb"))).append(" MB.\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, Object plain, Object lore) {
        sb.append("| ").append(label).append(" | ").append(plain).append(" | ").append(lore).append(" |\n");
    }

    private static String shortPg(Object v) {
        String s = String.valueOf(v);
        int comma = s.indexOf(" on ");
        return comma > 0 ? s.substring(0, comma) : s;
    }

    private static String f0(Object v) { return fmt(v, "%.0f"); }
    private static String f1(Object v) { return fmt(v, "%.1f"); }
    private static String f2(Object v) { return fmt(v, "%.2f"); }
    private static String f3(Object v) { return fmt(v, "%.3f"); }
    private static String pct1(Object v) { return v instanceof Number n ? String.format(Locale.ROOT, "%.1f%%", n.doubleValue() * 100) : "n/a"; }

    private static String fmt(Object v, String f) {
        return v instanceof Number n ? String.format(Locale.ROOT, f, n.doubleValue()) : "n/a";
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** hit@5 and MRR@10 over the questions whose relevant pages are in the ingested folder. */
    static final class Quality {
        int questions, answerable;
        double hits, rr;

        void add(List<String> ranked, Set<String> relevant, boolean isAnswerable) {
            questions++;
            if (!isAnswerable) return;
            answerable++;
            hits += RetrievalMetrics.hitAtK(ranked, relevant, 5);
            rr += RetrievalMetrics.reciprocalRank(ranked, relevant, 10);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("questions", questions);
            m.put("answerable", answerable);
            m.put("hitAt5", answerable == 0 ? 0 : hits / answerable);
            m.put("mrrAt10", answerable == 0 ? 0 : rr / answerable);
            return m;
        }
    }

    /** Lore's model, with the time spent in {@code embedAll} recorded (the ingestor calls it once). */
    static final class TimedModel implements EmbeddingModel {
        final EmbeddingModel delegate;
        long firstStart = -1, lastEnd, totalNanos;

        TimedModel(EmbeddingModel delegate) {
            this.delegate = delegate;
        }

        @Override
        public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
            long t = System.nanoTime();
            if (firstStart < 0) firstStart = t;
            try {
                return delegate.embedAll(segments);
            } finally {
                lastEnd = System.nanoTime();
                totalNanos += lastEnd - t;
            }
        }

        @Override
        public int dimension() {
            return delegate.dimension();
        }

        @Override
        public String modelName() {
            return delegate.modelName();
        }
    }

    /**
     * Peak memory per phase: RSS from the kernel's high-water mark (VmHWM, reset through /proc/self/clear_refs at the
     * start of each phase) and heap used, sampled every 50 ms.
     */
    static final class MemorySampler implements AutoCloseable {
        final long startupHwmKb = status("VmHWM");
        long maxHwmKb;
        boolean resetWorks;
        private volatile long maxHeap, maxRssKb;
        private final Thread thread;
        private volatile boolean running = true;

        private long startRssKb;

        record Peak(long rssKb, long heapBytes, long startRssKb) {
            Map<String, Object> toMap() {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rssAtStartMb", startRssKb / 1024.0);
                m.put("peakRssMb", rssKb / 1024.0);
                m.put("peakHeapMb", heapBytes / 1048576.0);
                return m;
            }
        }

        MemorySampler() {
            thread = new Thread(() -> {
                while (running) {
                    sample();
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-memory");
            thread.setDaemon(true);
            thread.start();
        }

        private synchronized void sample() {
            maxHeap = Math.max(maxHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            maxRssKb = Math.max(maxRssKb, status("VmRSS"));
        }

        synchronized void startPhase() {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5");
                resetWorks = true;
            } catch (IOException | RuntimeException e) {
                resetWorks = false;
            }
            maxHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            maxRssKb = status("VmRSS");
            startRssKb = maxRssKb;
        }

        synchronized Peak endPhase() {
            sample();
            long hwm = status("VmHWM");
            maxHwmKb = Math.max(maxHwmKb, hwm);
            return new Peak(resetWorks ? hwm : Math.max(maxRssKb, hwm), maxHeap, startRssKb);
        }

        static long status(String key) {
            String v = firstMatch(Path.of("/proc/self/status"), key);
            return v == null ? 0 : Long.parseLong(v.replaceAll("\\D", ""));
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }
}
