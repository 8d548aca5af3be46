package dev.lore.retrieval;

import dev.lore.embedding.EmbeddingService;
import dev.lore.security.Caller;
import dev.lore.security.Tenants;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Hybrid retrieval on PostgreSQL: pgvector HNSW (cosine) and PostgreSQL full-text search over the same chunks,
 * fused with reciprocal rank fusion ({@code score = Σ 1/(k + rank)}, k = {@code lore.retrieval.rrf-k}, default 60).
 * Each branch takes {@code lore.retrieval.candidates} (default 60) candidates; filters apply inside both branches
 * before their limits. The branches run at the same time on two pooled connections (the full-text one on a virtual
 * thread while the calling thread embeds the query and runs the vector one). In hybrid mode the vector branch adds a
 * second list, pseudo-relevance feedback ({@code lore.retrieval.feedback-chunks}, default 10, and
 * {@code lore.retrieval.feedback-weight}, default 0.5; see the vector branch), fused with the vector weight, and the
 * last statement adds, for results meant for people (not for passages handed to a model), a page list: the
 * candidates' documents ranked by BM25 over all their chunks ({@code lore.retrieval.page-weight}, default 1; see
 * {@link #pageList}). That statement fuses the ranks, re-checks access and filters, and reads the chunks. Every statement stops after
 * {@code lore.retrieval.timeout} (default 15 s).
 *
 * <p>Full-text matching ORs the query's stemmed English terms (so a long question still matches; Chinese, Japanese and
 * Korean text becomes overlapping character pairs on both sides, {@code lore_fts_text} in migration V36) and ranks each chunk
 * by the sum of the inverse document frequencies (BM25's IDF over the chunks the caller may read, from
 * {@link TermStatistics}) of the terms it contains, terms in the title or headings counting 1.5 times, plus
 * {@code ts_rank_cd} for term frequency and proximity (for the 4k best by IDF sum).
 *
 * <p>Access: every query is confined to the caller's tenant and, unless the caller is an admin, to chunks whose
 * access list ({@code chunk.acl}) names the caller, one of its groups, or everyone ({@code *}). The condition sits in
 * every list (and in the document-frequency counts) before ranking and limits, so a forbidden chunk can neither be
 * returned nor take a permitted chunk's place. PostgreSQL row-level security on {@code chunk} enforces the tenant a
 * second time.
 *
 * <p>Errors: {@link IllegalStateException} when the database fails or the index must be re-embedded first.
 */
@ApplicationScoped
public class HybridRetriever {

    private final AgroalDataSource dataSource;
    private final EmbeddingService embeddings;
    private final int rrfK;
    private final int candidates;
    private final double vectorWeight;
    private final double textWeight;
    private final TermStatistics statistics;
    private final int timeoutSeconds;
    private final int matchFactor;
    private final int feedbackChunks;
    private final double feedbackWeight;
    private final double pageWeight;
    /** BM25's term-frequency saturation and length normalisation for the page list ({@link #fuse}). */
    static final double PAGE_K1 = 1.2, PAGE_B = 0.75;
    /**
     * At most this many distinct terms of a query go to the full-text branch (the first ones, in the query's order):
     * each term costs a count and a test per matching chunk. 64 rather than 32: on tau2 banking's long customer briefs
     * full-text recall@10 went 0.141 → 0.197 and hybrid 0.247 → 0.300 (docs/benchmarks.md).
     */
    static final int MAX_TERMS = 64;
    /** Longest query text used, in characters (the HTTP API refuses longer ones with 400). */
    public static final int MAX_QUERY_CHARS = 4_000;

    @Inject
    public HybridRetriever(AgroalDataSource dataSource, EmbeddingService embeddings,
                           @ConfigProperty(name = "lore.retrieval.rrf-k", defaultValue = "60") int rrfK,
                           @ConfigProperty(name = "lore.retrieval.candidates", defaultValue = "60") int candidates,
                           @ConfigProperty(name = "lore.retrieval.vector-weight", defaultValue = "1.0") double vectorWeight,
                           @ConfigProperty(name = "lore.retrieval.fulltext-weight", defaultValue = "1.0") double textWeight,
                           @ConfigProperty(name = "lore.retrieval.term-statistics-ttl", defaultValue = "10m") java.time.Duration statisticsTtl,
                           @ConfigProperty(name = "lore.retrieval.timeout", defaultValue = "15s") java.time.Duration timeout,
                           @ConfigProperty(name = "lore.retrieval.fulltext-match-factor", defaultValue = "0") int matchFactor,
                           @ConfigProperty(name = "lore.retrieval.feedback-chunks", defaultValue = "10") int feedbackChunks,
                           @ConfigProperty(name = "lore.retrieval.feedback-weight", defaultValue = "0.5") double feedbackWeight,
                           @ConfigProperty(name = "lore.retrieval.page-weight", defaultValue = "1.0") double pageWeight) {
        this.dataSource = dataSource;
        this.embeddings = embeddings;
        this.rrfK = rrfK;
        this.candidates = candidates;
        this.vectorWeight = vectorWeight;
        this.textWeight = textWeight;
        this.statistics = new TermStatistics(statisticsTtl.toMillis());
        this.timeoutSeconds = (int) Math.max(1, timeout.toSeconds());
        this.matchFactor = Math.max(0, matchFactor);
        if (!Double.isFinite(feedbackWeight) || feedbackWeight < 0) {
            throw new IllegalArgumentException("lore.retrieval.feedback-weight must be a number ≥ 0 (0 turns feedback off), not " + feedbackWeight);
        }
        this.feedbackChunks = feedbackWeight == 0 ? 0 : Math.max(0, feedbackChunks);
        this.feedbackWeight = feedbackWeight;
        if (!Double.isFinite(pageWeight) || pageWeight < 0) {
            throw new IllegalArgumentException("lore.retrieval.page-weight must be a number ≥ 0 (0 turns the page list off), not " + pageWeight);
        }
        this.pageWeight = pageWeight;
    }

    /**
     * Passages for a model to answer from: hybrid search without the page list, as {@code caller} (several passages
     * of the right page serve an answer better than one passage each of several pages; see
     * {@link #search(String, int, SearchFilters, SearchMode, Caller, boolean)}).
     */
    public List<SearchResult> search(String query, int limit, SearchFilters filters, Caller caller) {
        return search(query, limit, filters, SearchMode.HYBRID, caller, false);
    }

    /**
     * Results for people: a search whose hybrid mode ranks pages with the page list (the search API, the console,
     * page-level evaluations).
     */
    public List<SearchResult> search(String query, int limit, SearchFilters filters, SearchMode mode, Caller caller) {
        return search(query, limit, filters, mode, caller, true);
    }

    /**
     * Searches the index.
     *
     * @param query the user's words
     * @param limit results wanted, 1..100
     * @param filters metadata filters, or {@link SearchFilters#NONE}
     * @param mode both branches fused (hybrid, with the feedback list when configured), or one alone
     * @param caller whose access applies (tenant, access lists)
     * @param pages in hybrid mode, fuse the page list too (when {@code lore.retrieval.page-weight} > 0): it lifts each
     *     page's best chunk by how well the whole page matches, which finds the right pages more often but puts one
     *     passage of each of several pages where several passages of one page stood. Measured on the PostgreSQL
     *     manual (docs/benchmarks.md): page hit@5 up on the subset and the whole manual, while answers drawn from
     *     such lists cited the right page less often, so passages for a model are searched without it
     * @return up to {@code limit} chunks the caller may read, best first
     */
    public List<SearchResult> search(String query, int limit, SearchFilters filters, SearchMode mode, Caller caller, boolean pages) {
        java.util.Objects.requireNonNull(caller, "caller");
        if (embeddings.indexNeedsReembed()) {
            throw new IllegalStateException("the index is being re-embedded with " + embeddings.modelName() + "; search is unavailable until it finishes");
        }
        query = query.replace("\0", "").strip();
        if (query.length() > MAX_QUERY_CHARS) query = query.substring(0, MAX_QUERY_CHARS); // the API refuses longer ones; tools and agents are cut
        if (query.isEmpty()) return List.of();
        int k = Math.max(candidates, limit);
        boolean useVector = mode != SearchMode.FULLTEXT;
        boolean useText = mode != SearchMode.VECTOR;

        StringBuilder where = new StringBuilder();
        List<Object> filterParams = new ArrayList<>();
        appendAccess(caller, where, filterParams);
        appendFilters(filters, where, filterParams);
        String tenant = caller.tenant();
        String text = query;
        String conditions = where.toString();

        // the two branches run at the same time on two connections: the full-text branch (term statistics, then its
        // statement) on a virtual thread while this thread embeds the query and runs the vector branch
        java.util.concurrent.Future<TextBranch> fts = useText
                ? BRANCHES.submit(() -> Tenants.call(tenant, () -> fullText(text, k, conditions, filterParams, caller)))
                : java.util.concurrent.CompletableFuture.completedFuture(TextBranch.NONE);
        try {
            int feedback = mode == SearchMode.HYBRID ? feedbackChunks : 0;
            VectorBranches vec = useVector
                    ? Tenants.call(tenant, () -> vector(embeddings.embedQuery(text), k, feedback, conditions, filterParams))
                    : new VectorBranches(null, List.of(), List.of());
            TextBranch ranked = fts.get();
            WeightedTerms pageTerms = pages && mode == SearchMode.HYBRID && pageWeight > 0 ? ranked.terms() : null;
            return Tenants.call(tenant, () -> fuse(vec, ranked.ranked(), pageTerms, limit, conditions, filterParams));
        } catch (java.util.concurrent.ExecutionException e) {
            throw failure(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("search interrupted", e);
        } catch (Exception e) {
            throw failure(e);
        } finally {
            fts.cancel(true);
        }
    }

    /** Runs the branches' statements (virtual threads: the work is waiting on PostgreSQL). */
    private static final java.util.concurrent.ExecutorService BRANCHES = java.util.concurrent.Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("lore-search-", 0).factory());

    private static RuntimeException failure(Throwable e) {
        if (e instanceof SQLException) return new IllegalStateException("search failed: " + e.getMessage(), e);
        if (e instanceof RuntimeException r) return r;
        return new IllegalStateException("search failed: " + e, e);
    }

    /**
     * Renews, in the background, the full-text term statistics of {@code tenant} (its admins and its recent callers)
     * so that the first searches after a sync do not count terms one by one, and the planner's statistics of the chunk
     * table ({@code ANALYZE}) when it changed. Called by the sync runner when a run
     * ends. Never fails: an error only leaves the statistics to be counted on demand.
     *
     * @return completes with how many callers' statistics were renewed (0 when the index had not changed) and how long
     *     it took
     */
    public java.util.concurrent.CompletableFuture<Renewal> renewStatistics(String tenant) {
        java.util.concurrent.CompletableFuture<Renewal> renewal = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            try {
                int callers = Tenants.call(tenant, () -> {
                    try (Connection c = dataSource.getConnection()) {
                        analyzeIfChanged(c);
                        return statistics.warm(c, tenant, new Caller(tenant, "lore-statistics", java.util.Set.of(),
                                java.util.Set.of(Caller.ADMIN)), timeoutSeconds);
                    }
                });
                return new Renewal(callers, (System.nanoTime() - t0) / 1_000_000);
            } catch (Exception e) {
                org.jboss.logging.Logger.getLogger(HybridRetriever.class).warnf("term statistics of tenant %s not renewed: %s", tenant, e.toString());
                return new Renewal(0, (System.nanoTime() - t0) / 1_000_000);
            }
        }, BRANCHES);
        lastRenewal = renewal;
        return renewal;
    }

    private final java.util.concurrent.atomic.AtomicLong analyzedAt = new java.util.concurrent.atomic.AtomicLong(-1);

    /**
     * Refreshes the planner's statistics of {@code chunk} when it changed since the last time: with a never-analysed
     * table (a fresh index, or a server whose autovacuum is off or has not come round yet) PostgreSQL expects a
     * handful of rows and reads every chunk instead of using the HNSW index.
     *
     * <p>Then it moves the entries waiting in the pending lists of the chunk table's GIN indexes (full text, access
     * lists) into the indexes proper ({@code gin_clean_pending_list}). New rows go to that unsorted list first, and
     * every search reads all of it until a vacuum or autoanalyze merges it (never, where autovacuum is off): after the
     * manual's sync, 145 pages that each full-text lookup read in full (one term: 4.3 ms, merged: 0.2 ms).
     * A database user that may not do this (not the table's owner) only gets a log line.
     */
    private void analyzeIfChanged(Connection c) throws SQLException {
        long generation = TermStatistics.generation(c);
        if (analyzedAt.getAndSet(generation) == generation) return;
        try (java.sql.Statement st = c.createStatement()) {
            st.setQueryTimeout(60);
            st.execute("ANALYZE chunk");
            try (ResultSet rs = st.executeQuery("SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                    + "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am a ON a.oid = x.relam "
                    + "WHERE i.indrelid = 'chunk'::regclass AND a.amname = 'gin'")) {
                while (rs.next()) {
                    // the function's result (pages merged) is of no use here
                }
            } catch (SQLException e) {
                org.jboss.logging.Logger.getLogger(HybridRetriever.class).infof("GIN pending lists of chunk not merged: %s", e.getMessage());
            }
        }
    }

    /**
     * Counts {@code caller}'s whole vocabulary in the background ({@link TermStatistics#warmCaller}), so that its
     * next searches find every term's statistics cached. Never fails: an error only leaves terms to be counted on demand.
     */
    private void warmInBackground(Caller caller) {
        BRANCHES.submit(() -> {
            try {
                Tenants.call(caller.tenant(), () -> {
                    try (Connection c = dataSource.getConnection()) {
                        return statistics.warmCaller(c, caller, timeoutSeconds);
                    }
                });
            } catch (Exception e) {
                org.jboss.logging.Logger.getLogger(HybridRetriever.class).debugf("term statistics of a caller not warmed: %s", e.toString());
            }
        });
    }

    /** True when {@code caller}'s term statistics are complete for the current index (for tests and diagnostics). */
    boolean statisticsComplete(Caller caller) throws Exception {
        return Tenants.call(caller.tenant(), () -> {
            try (Connection c = dataSource.getConnection()) {
                return statistics.isComplete(c, caller);
            }
        });
    }

    /**
     * What one renewal of term statistics did.
     *
     * @param callers how many callers' statistics were renewed
     * @param millis how long it took, in milliseconds
     */
    public record Renewal(int callers, long millis) {}

    private volatile java.util.concurrent.CompletableFuture<Renewal> lastRenewal = java.util.concurrent.CompletableFuture.completedFuture(new Renewal(0, 0));

    /** The statistics renewal started last (completed when none ran): benchmarks wait for it before timing searches. */
    public java.util.concurrent.CompletableFuture<Renewal> lastStatisticsRenewal() {
        return lastRenewal;
    }

    /** One branch's candidate: chunk id, rank in the branch (1 = best), the branch's own score. */
    private record Ranked(UUID id, long rank, double score) {}

    /**
     * The vector branch: the {@code k} chunks nearest to {@code embedding} (cosine distance, HNSW) among those the
     * filters allow; score = cosine similarity. Ties (identical texts share an embedding) are broken by document key
     * and position, never by the random chunk id, so the same corpus ranks the same way in every index (evaluation
     * replays depend on it).
     *
     * <p>With {@code feedback} > 0 a second list follows (pseudo-relevance feedback, Rocchio's method on embeddings):
     * the query vector plus {@code lore.retrieval.feedback-weight} times the mean of the first list's best
     * {@code feedback} chunk vectors, searched the same way. It moves the query towards the vocabulary of what it
     * found, which finds pages the user's own words miss (measured on the PostgreSQL manual and SciFact in
     * docs/benchmarks.md). Both lists use the same filters; pgvector's scan settings come with each connection
     * ({@code quarkus.datasource.jdbc.new-connection-sql}: ef_search 100, iterative scans for filtered searches).
     */
    private VectorBranches vector(float[] embedding, int k, int feedback, String where, List<Object> filterParams) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            String vector = EmbeddingService.toPgVector(embedding);
            List<float[]> top = new ArrayList<>();
            List<Ranked> first = nearest(c, vector, k, feedback, top, where, filterParams);
            List<Ranked> second = top.isEmpty() ? List.of()
                    : nearest(c, EmbeddingService.toPgVector(feedbackQuery(embedding, top)), k, 0, null, where, filterParams);
            return new VectorBranches(vector, first, second);
        }
    }

    /**
     * The query's vector as pgvector text (null without a vector branch) and the two vector lists: the query's own and
     * the feedback query's (empty when feedback is off).
     */
    private record VectorBranches(String queryVector, List<Ranked> query, List<Ranked> feedback) {}

    /**
     * The {@code k} nearest chunks the conditions allow, best first, as (id, rank from 1, cosine similarity); the
     * vectors of the best {@code keep} (each of {@link EmbeddingService#dimension()} floats) are added to {@code top}
     * in rank order ({@code top} may be null when {@code keep} is 0). Throws SQLException when the statement fails or
     * runs past {@code lore.retrieval.timeout}.
     */
    private List<Ranked> nearest(Connection c, String vector, int k, int keep, List<float[]> top, String where,
                                 List<Object> filterParams) throws SQLException {
        int d = embeddings.dimension();
        String dist = "(c.embedding::vector(" + d + ") <=> ?::vector(" + d + "))";
        String sql = "SELECT id, rnk, sim, CASE WHEN rnk <= ? THEN emb::real[] END FROM ("
                + "SELECT id, row_number() OVER (ORDER BY dist, dk, pos) AS rnk, 1 - dist AS sim, emb FROM ("
                + "SELECT c.id, c.document_key AS dk, c.position AS pos, c.embedding AS emb, " + dist + " AS dist FROM chunk c WHERE true" + where
                + " ORDER BY " + dist + " LIMIT ?) v) w ORDER BY rnk";
        List<Object> params = new ArrayList<>();
        params.add(keep);
        params.add(vector);
        params.addAll(filterParams);
        params.add(vector);
        params.add(k);
        return ranked(c, sql, params, top);
    }

    private static float[] floats(Object[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) values[i]).floatValue();
        return out;
    }

    /**
     * {@code q/|q| + w · mean(t/|t|)} over the best chunks' vectors {@code t}: the feedback query (its length does not
     * matter to cosine distance; the mean is not re-normalised, so chunks that agree pull harder than ones that do not).
     */
    private float[] feedbackQuery(float[] query, List<float[]> top) {
        double[] mean = new double[query.length];
        for (float[] v : top) {
            double n = norm(v);
            for (int i = 0; i < mean.length; i++) mean[i] += v[i] / n / top.size();
        }
        double qn = norm(query);
        float[] out = new float[query.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (query[i] / qn + feedbackWeight * mean[i]);
        return out;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return s == 0 ? 1 : Math.sqrt(s);
    }

    /**
     * The full-text branch. The query's lexemes get IDF weights from {@link TermStatistics} (PostgreSQL's own ranking
     * has no IDF). A chunk matching any of them scores the sum of its terms' IDF (a term found in the title or headings
     * counting 1.5 times); the best 4k by that sum then get {@code ts_rank_cd} added for frequency and proximity. The
     * per-term tests use the small position-free {@code tsv_terms} and {@code tsv_head} (V34): against {@code tsv}
     * itself, which is large and often stored out of line, scoring the thousands of matches of a common word cost most
     * of the branch's time. Empty when no term of the query occurs in what the caller may read.
     */
    private TextBranch fullText(String text, int k, String where, List<Object> filterParams, Caller caller) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            WeightedTerms terms = weightedTerms(c, text, caller, k);
            if (terms.literals().length == 0) return TextBranch.NONE;
            // the terms arrive as one-term tsquery literals (TermStatistics.tsqueryLiteral: the only place that escapes)
            String sql = "WITH terms AS MATERIALIZED (SELECT l::tsquery AS tq, w FROM unnest(?::text[], ?::float8[]) AS x(l, w)), "
                    + "q AS MATERIALIZED (SELECT (SELECT string_agg(l, ' | ') FROM unnest(?::text[]) l)::tsquery AS tq), "
                    + "m AS MATERIALIZED (SELECT (SELECT string_agg(l, ' | ') FROM unnest(?::text[]) l)::tsquery AS tq) "
                    + "SELECT id, row_number() OVER (ORDER BY r DESC, dk, pos) AS rnk, r FROM ("
                    + "SELECT s.id, s.dk, s.pos, s.idf + ts_rank_cd(c2.tsv, q.tq, 1) AS r FROM q, ("
                    + "SELECT c.id, c.document_key AS dk, c.position AS pos, (SELECT sum(t.w * (CASE WHEN c.tsv_head @@ t.tq THEN 1.5 ELSE 1 END)) FROM terms t WHERE c.tsv_terms @@ t.tq) AS idf"
                    + " FROM chunk c, m WHERE c.tsv @@ m.tq" + where
                    + " ORDER BY idf DESC, c.document_key, c.position LIMIT ?) s JOIN chunk c2 ON c2.id = s.id"
                    + " ORDER BY r DESC, s.dk, s.pos LIMIT ?) t ORDER BY rnk";
            List<Object> params = new ArrayList<>();
            params.add(terms.literals());
            params.add(terms.weights());
            params.add(terms.literals());
            params.add(terms.matchLiterals());
            params.addAll(filterParams);
            params.add(4 * k);
            params.add(k);
            return new TextBranch(ranked(c, sql, params, null), terms);
        }
    }

    /** The full-text list and the weighted terms it was ranked by (null when the query had none). */
    private record TextBranch(List<Ranked> ranked, WeightedTerms terms) {
        static final TextBranch NONE = new TextBranch(List.of(), null);
    }

    /**
     * Runs a branch statement whose rows are (id, rank, score[, vector as real[] or null]); the non-null vectors of
     * the fourth column go to {@code vectors}, in row order (pass null when the statement has no such column).
     */
    private List<Ranked> ranked(Connection c, String sql, List<Object> params, List<float[]> vectors) throws SQLException {
        try (PreparedStatement ps = customPlan(c.prepareStatement(sql))) {
            ps.setQueryTimeout(timeoutSeconds);
            for (int i = 0; i < params.size(); i++) ps.setObject(i + 1, params.get(i));
            List<Ranked> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Ranked(rs.getObject(1, UUID.class), rs.getLong(2), rs.getDouble(3)));
                    java.sql.Array vector = vectors == null ? null : rs.getArray(4);
                    if (vector != null) vectors.add(floats((Object[]) vector.getArray()));
                }
            }
            return out;
        }
    }

    /**
     * Plans the statement for its actual values on every execution. After five executions of a server-side prepared
     * statement PostgreSQL may switch to a generic plan; for a non-admin's search that plan filtered by the access-list
     * index and sorted every chunk by distance (380 ms on the manual) instead of walking the HNSW index (2 ms).
     */
    static PreparedStatement customPlan(PreparedStatement ps) throws SQLException {
        ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(0);
        return ps;
    }

    /**
     * Reciprocal rank fusion of the branches and the chunks' columns, in SQL so that ties are ordered by the
     * database's collation of document keys, as they always were:
     * {@code score = w_v/(k + rank_v) + w_t/(k + rank_t) + w_v/(k + rank_feedback)} (a missing rank adds 0), plus
     * {@code w_p/(k + rank_page)} for each document's best chunk by that sum, {@code rank_page} being the document's
     * rank in the page list (present when {@code pageTerms} is non-null and holds terms). Only the best chunk: the page
     * list says which page is about the question, not which of its passages; lifting all of them let one page fill
     * the top of the list, and the answers drawn from it lost facts (evaluation gate, answer suite: fact recall 0.35
     * → 0.20). Answers are not drawn from page-ranked lists at all (see {@code search}'s {@code pages}). A chunk that only the feedback list found reports its cosine
     * similarity to the query itself as {@code vectorScore}.
     */
    private List<SearchResult> fuse(VectorBranches vectors, List<Ranked> fts, WeightedTerms pageTerms, int limit, String where,
                                    List<Object> filterParams) throws SQLException {
        List<Ranked> vec = vectors.query(), feedback = vectors.feedback();
        if (vec.isEmpty() && fts.isEmpty() && feedback.isEmpty()) return List.of();
        int d = embeddings.dimension();
        boolean pages = pageTerms != null && pageTerms.literals().length > 0;
        // the access and filter conditions again: a chunk whose access list narrowed since its branch ran is not read.
        // The chunks are looked up by the union of the lists' ids (primary key): joining on coalesce(vec.id, fts.id,
        // fb.id) cannot use an index, and hashed the whole chunk table on every search (7 ms at 7,600 chunks, growing
        // with the corpus)
        String sql = """
                WITH vec AS (SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::float8[]) AS x(id, rnk, sim)),
                     fts AS (SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::float8[]) AS x(id, rnk, r)),
                     fb AS (SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::float8[]) AS x(id, rnk, sim)),
                     ids AS (SELECT id FROM vec UNION SELECT id FROM fts UNION SELECT id FROM fb),
                     cand AS MATERIALIZED (SELECT c.id, c.document_id, c.document_key, c.title, c.uri, c.heading_path,
                                                 c.text, c.position, c.embedding FROM ids JOIN chunk c ON c.id = ids.id WHERE true%s),
                     %s,
                     scored AS (SELECT c.id, c.document_id, c.document_key, c.title, c.uri, c.heading_path, c.text, c.position,
                                       coalesce(? / (? + vec.rnk), 0) + coalesce(? / (? + fts.rnk), 0) + coalesce(? / (? + fb.rnk), 0) AS s,
                                       coalesce(vec.sim, CASE WHEN fb.id IS NOT NULL THEN 1 - (c.embedding::vector(%d) <=> ?::vector(%d)) END) AS sim,
                                       fts.r
                                FROM cand c
                                LEFT JOIN vec ON vec.id = c.id LEFT JOIN fts ON fts.id = c.id LEFT JOIN fb ON fb.id = c.id),
                     best AS (SELECT s.*, row_number() OVER (PARTITION BY s.document_id ORDER BY s.s DESC, s.position) AS nth FROM scored s)
                SELECT c.id, c.document_id, c.document_key, c.title, c.uri, c.heading_path, c.text,
                       c.s + CASE WHEN c.nth = 1 THEN coalesce(? / (? + page.rnk), 0) ELSE 0 END AS score, c.sim, c.r
                FROM best c LEFT JOIN page ON page.document_id = c.document_id
                ORDER BY score DESC, c.document_key, c.position, c.id LIMIT ?""".formatted(where, pages ? pageList(where) : NO_PAGES, d, d);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = customPlan(c.prepareStatement(sql))) {
            ps.setQueryTimeout(timeoutSeconds);
            int i = 1;
            for (List<Ranked> branch : List.of(vec, fts, feedback)) {
                ps.setObject(i++, branch.stream().map(Ranked::id).toArray(UUID[]::new));
                ps.setObject(i++, branch.stream().map(Ranked::rank).toArray(Long[]::new));
                ps.setObject(i++, branch.stream().map(Ranked::score).toArray(Double[]::new));
            }
            for (Object p : filterParams) ps.setObject(i++, p);
            if (pages) {
                ps.setObject(i++, pageTerms.literals());
                ps.setObject(i++, pageTerms.weights());
                for (Object p : filterParams) ps.setObject(i++, p);
            }
            ps.setDouble(i++, vectorWeight);
            ps.setInt(i++, rrfK);
            ps.setDouble(i++, textWeight);
            ps.setInt(i++, rrfK);
            ps.setDouble(i++, vectorWeight);
            ps.setInt(i++, rrfK);
            ps.setString(i++, vectors.queryVector());
            ps.setDouble(i++, pageWeight);
            ps.setInt(i++, rrfK);
            ps.setInt(i, limit);
            List<SearchResult> out = new ArrayList<>(limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Double sim = rs.getObject(9) == null ? null : rs.getDouble(9);
                    Double r = rs.getObject(10) == null ? null : rs.getDouble(10);
                    out.add(new SearchResult(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getDouble(8), sim, r));
                }
            }
            return out;
        }
    }

    /** The page list's place in {@link #fuse} when there is none. */
    private static final String NO_PAGES = "page AS (SELECT NULL::uuid AS document_id, NULL::bigint AS rnk WHERE false)";

    /**
     * The page list of {@link #fuse} (CTEs {@code pt}, {@code pany}, {@code pc}, {@code pm} and {@code page}): the documents of the fused candidates
     * ranked by BM25 over the whole document, a document's term frequency being how many of its chunks (that the
     * caller may read and the filters allow) hold the term, its length how many such chunks it has (against the mean
     * of the candidates' documents), the terms and IDF weights the full-text branch used. Only documents holding at
     * least one term are ranked. Parameters: the term literals, their weights, the filter parameters.
     */
    private static String pageList(String where) {
        // the documents' chunks by the document index (= ANY of an array: IN (subquery) made the planner read the whole
        // table); each term tested only on the chunks holding one of them, with tsquery values parsed once
        return "pt AS MATERIALIZED (SELECT x.l, x.l::tsquery AS tq, x.w FROM unnest(?::text[], ?::float8[]) AS x(l, w)),"
                + " pany AS MATERIALIZED (SELECT string_agg(l, ' | ')::tsquery AS tq FROM pt),"
                + " pc AS MATERIALIZED (SELECT c.document_id, c.document_key, c.tsv_terms FROM chunk c"
                + " WHERE c.document_id = ANY (ARRAY(SELECT DISTINCT document_id FROM cand))" + where + "),"
                + " pm AS MATERIALIZED (SELECT pc.document_id, pc.tsv_terms FROM pc, pany WHERE pc.tsv_terms @@ pany.tq),"
                + " page AS (SELECT document_id, row_number() OVER (ORDER BY s DESC, dk) AS rnk FROM ("
                + "SELECT t.document_id, min(l.dk) AS dk, sum(t.w * t.f * " + (PAGE_K1 + 1) + " / (t.f + " + PAGE_K1
                + " * (" + (1 - PAGE_B) + " + " + PAGE_B + " * l.n / l.avg))) AS s"
                + " FROM (SELECT pm.document_id, pt.tq, pt.w, count(*) AS f FROM pm, pt"
                + " WHERE pm.tsv_terms @@ pt.tq GROUP BY pm.document_id, pt.tq, pt.w) t"
                + " JOIN (SELECT document_id, min(document_key) AS dk, count(*) AS n, avg(count(*)) OVER () AS avg FROM pc GROUP BY document_id) l"
                + " ON l.document_id = t.document_id GROUP BY t.document_id) p)";
    }

    /**
     * The query's distinct English lexemes that occur in what the caller may read, with BM25's IDF
     * {@code ln(1 + (N - n + 0.5) / (n + 0.5))} as weight; terms in over half of all chunks are dropped unless nothing
     * else is left; only the first {@value #MAX_TERMS} distinct ones count. Sorted by lexeme (stable SQL for equal
     * queries).
     */
    private WeightedTerms weightedTerms(Connection c, String text, Caller caller, int k) throws SQLException {
        long generation;
        List<String> lexemes = new ArrayList<>();
        // the first MAX_TERMS distinct lexemes in the order the query uses them (a pasted log must not cost a count per word)
        try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT value FROM chunk_generation_value), "
                + "ARRAY(SELECT l FROM (SELECT u.lexeme AS l FROM unnest(to_tsvector('english', lore_fts_text(?))) u "
                + "ORDER BY u.positions[1], u.lexeme LIMIT ?) f ORDER BY l)")) {
            ps.setQueryTimeout(timeoutSeconds);
            ps.setString(1, text);
            ps.setInt(2, MAX_TERMS);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                generation = rs.getLong(1);
                java.sql.Array a = rs.getArray(2);
                for (Object o : (Object[]) a.getArray()) lexemes.add((String) o);
            }
        }
        TermStatistics.Counts counts = statistics.counts(c, caller, generation, lexemes, timeoutSeconds);
        if (counts.cold() && !statistics.warming()) warmInBackground(caller);
        List<String> selective = new ArrayList<>(), all = new ArrayList<>();
        for (var e : counts.hits().entrySet()) {
            if (e.getValue() == 0) continue;
            all.add(e.getKey());
            if (e.getValue() <= counts.total() / 2) selective.add(e.getKey());
        }
        List<String> use = selective.isEmpty() ? all : selective;
        String[] l = new String[use.size()];
        Double[] w = new Double[l.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = TermStatistics.tsqueryLiteral(use.get(i));
            double n = counts.hits().get(use.get(i));
            w[i] = Math.log(1 + (Math.max(counts.total(), n) - n + 0.5) / (n + 0.5));
        }
        // the chunks to score: those holding one of the rarest terms, taken rarest first until their counts add up to
        // matchFactor × k (a chunk holding only the query's common words rarely belongs in the top; scoring the
        // thousands that hold "row" or "time" was most of the branch's time); every term still counts in the score
        List<String> match = new ArrayList<>(use);
        if (matchFactor > 0) {
            match.sort(java.util.Comparator.comparingInt((String t) -> counts.hits().get(t)).thenComparing(t -> t));
            long sum = 0;
            int n = 0;
            while (n < match.size() && sum < (long) matchFactor * k) sum += counts.hits().get(match.get(n++));
            match = match.subList(0, Math.max(1, n));
        }
        return new WeightedTerms(l, w, match.stream().map(TermStatistics::tsqueryLiteral).toArray(String[]::new));
    }

    /**
     * The full-text branch's terms (as one-term tsquery literals) and their IDF weights, index for index, and the
     * terms a chunk must hold one of to be scored.
     */
    private record WeightedTerms(String[] literals, Double[] weights, String[] matchLiterals) {}

    /** The caller's tenant, and (for non-admins) an overlap of the chunk's access list with the caller's principals. */
    private static void appendAccess(Caller caller, StringBuilder where, List<Object> params) {
        where.append(" AND c.tenant_id = ?");
        params.add(caller.tenant());
        if (!caller.isAdmin()) {
            where.append(" AND c.acl && ?::text[]");
            params.add(caller.principals());
        }
    }

    private static void appendFilters(SearchFilters f, StringBuilder where, List<Object> params) {
        if (f == null) f = SearchFilters.NONE;
        if (f.sourceIds() != null && !f.sourceIds().isEmpty()) {
            where.append(" AND c.source_id = ANY (?::uuid[])");
            params.add(f.sourceIds().stream().map(UUID::toString).toArray(String[]::new));
        } else {
            // evaluation corpora only when named (they would crowd real answers)
            // NOT IN, not NOT EXISTS: an anti-join made the planner give up the HNSW index (it expected one row)
            where.append(" AND c.source_id NOT IN (SELECT s.id FROM source s WHERE s.evaluation)");
        }
        if (f.pathPrefix() != null && !f.pathPrefix().isEmpty()) {
            where.append(" AND starts_with(c.document_key, ?)");
            params.add(f.pathPrefix());
        }
        if (f.contentTypes() != null && !f.contentTypes().isEmpty()) {
            where.append(" AND c.content_type = ANY (?::text[])");
            params.add(f.contentTypes().toArray(String[]::new));
        }
        if (f.languages() != null && !f.languages().isEmpty()) {
            // "und" (ISO 639-2: undetermined) also takes documents whose language is unknown (too short to tell)
            boolean undetermined = f.languages().stream().anyMatch(l -> l.equalsIgnoreCase(SearchFilters.UNDETERMINED));
            where.append(undetermined ? " AND (c.language = ANY (?::text[]) OR c.language IS NULL)" : " AND c.language = ANY (?::text[])");
            params.add(f.languages().stream().map(l -> l.toLowerCase(java.util.Locale.ROOT)).toArray(String[]::new));
        }
    }
}
