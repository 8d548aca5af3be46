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
 * Hybrid retrieval in one SQL statement: pgvector HNSW (cosine) and PostgreSQL full-text search over the same
 * chunks, fused with reciprocal rank fusion ({@code score = Σ 1/(k + rank)}, k = {@code lore.retrieval.rrf-k},
 * default 60). Each branch takes {@code lore.retrieval.candidates} (default 60) candidates; filters apply inside
 * both branches before their limits.
 *
 * <p>Full-text matching ORs the query's stemmed English terms (so a long question still matches) and ranks each chunk
 * by the sum of the inverse document frequencies (BM25's IDF over the chunks the caller may read, from
 * {@link TermStatistics}) of the terms it contains, terms in the title or headings counting 1.5 times, plus
 * {@code ts_rank_cd} for term frequency and proximity (for the 4k best by IDF sum).
 *
 * <p>Access: every query is confined to the caller's tenant and, unless the caller is an admin, to chunks whose
 * access list ({@code chunk.acl}) names the caller, one of its groups, or everyone ({@code *}). The condition sits in
 * both branches (and in the document-frequency counts) before ranking and limits, so a forbidden chunk can neither be
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
    /** At most this many distinct terms of a query go to the full-text branch (the first ones, in the query's order). */
    static final int MAX_TERMS = 32;
    /** Placeholders in a parameter list for the full-text terms and their weights, bound once they are known. */
    private static final Object TERMS = new Object(), WEIGHTS = new Object();

    @Inject
    public HybridRetriever(AgroalDataSource dataSource, EmbeddingService embeddings,
                           @ConfigProperty(name = "lore.retrieval.rrf-k", defaultValue = "60") int rrfK,
                           @ConfigProperty(name = "lore.retrieval.candidates", defaultValue = "60") int candidates,
                           @ConfigProperty(name = "lore.retrieval.vector-weight", defaultValue = "1.0") double vectorWeight,
                           @ConfigProperty(name = "lore.retrieval.fulltext-weight", defaultValue = "1.0") double textWeight,
                           @ConfigProperty(name = "lore.retrieval.term-statistics-ttl", defaultValue = "60s") java.time.Duration statisticsTtl,
                           @ConfigProperty(name = "lore.retrieval.timeout", defaultValue = "15s") java.time.Duration timeout) {
        this.dataSource = dataSource;
        this.embeddings = embeddings;
        this.rrfK = rrfK;
        this.candidates = candidates;
        this.vectorWeight = vectorWeight;
        this.textWeight = textWeight;
        this.statistics = new TermStatistics(statisticsTtl.toMillis());
        this.timeoutSeconds = (int) Math.max(1, timeout.toSeconds());
    }

    /** Hybrid search with default settings, as {@code caller}. */
    public List<SearchResult> search(String query, int limit, SearchFilters filters, Caller caller) {
        return search(query, limit, filters, SearchMode.HYBRID, caller);
    }

    /**
     * Searches the index.
     *
     * @param query the user's words
     * @param limit results wanted, 1..100
     * @param filters metadata filters, or {@link SearchFilters#NONE}
     * @param mode both branches fused, or one alone
     * @param caller whose access applies (tenant, access lists)
     * @return up to {@code limit} chunks the caller may read, best first
     */
    public List<SearchResult> search(String query, int limit, SearchFilters filters, SearchMode mode, Caller caller) {
        java.util.Objects.requireNonNull(caller, "caller");
        if (embeddings.indexNeedsReembed()) {
            throw new IllegalStateException("the index is being re-embedded with " + embeddings.modelName() + "; search is unavailable until it finishes");
        }
        query = query.replace("\0", "").strip();
        if (query.isEmpty()) return List.of();
        int k = Math.max(candidates, limit);
        int d = embeddings.dimension();
        boolean useVector = mode != SearchMode.FULLTEXT;
        boolean useText = mode != SearchMode.VECTOR;
        String vector = useVector ? EmbeddingService.toPgVector(embeddings.embedQuery(query)) : null;

        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder();
        List<Object> filterParams = new ArrayList<>();
        StringBuilder access = new StringBuilder();
        List<Object> accessParams = new ArrayList<>();
        appendAccess(caller, access, accessParams);
        where.append(access);
        filterParams.addAll(accessParams);
        appendFilters(filters, where, filterParams);

        String dist = "(c.embedding::vector(" + d + ") <=> ?::vector(" + d + "))";
        StringBuilder sql = new StringBuilder("WITH ");
        if (useVector) {
            // ties (identical texts share an embedding) are broken by document key and position, never by the random
            // chunk id, so the same corpus ranks the same way in every index (evaluation replays depend on it)
            sql.append("vec AS (SELECT id, row_number() OVER (ORDER BY dist, dk, pos) AS rnk, 1 - dist AS sim FROM (")
               .append("SELECT c.id, c.document_key AS dk, c.position AS pos, ").append(dist).append(" AS dist FROM chunk c WHERE true").append(where)
               .append(" ORDER BY ").append(dist).append(" LIMIT ?) v)");
            params.add(vector);
            params.addAll(filterParams);
            params.add(vector);
            params.add(k);
        } else {
            sql.append("vec AS (SELECT NULL::uuid AS id, NULL::bigint AS rnk, NULL::float8 AS sim WHERE false)");
        }
        sql.append(", ");
        if (useText) {
            // The query's lexemes with IDF weights from TermStatistics (PostgreSQL's own ranking has no IDF), bound as
            // arrays by run(). A chunk scores the sum of its terms' IDF (a term found in the title or headings counting 1.5
            // times); the best 4k by that sum then get ts_rank_cd added for frequency and proximity. The per-term tests
            // use the small position-free tsv_terms and tsv_head (V34): against tsv itself, which is large and often
            // stored out of line, scoring the thousands of matches of a common word cost most of the branch's time.
            // the terms arrive as one-term tsquery literals (TermStatistics.tsqueryLiteral: the only place that escapes)
            sql.append("terms AS MATERIALIZED (SELECT l::tsquery AS tq, w ")
               .append("FROM unnest(?::text[], ?::float8[]) AS x(l, w)), ")
               .append("q AS MATERIALIZED (SELECT (SELECT string_agg(l, ' | ') FROM unnest(?::text[]) l)::tsquery AS tq), ")
               .append("fts AS (SELECT id, row_number() OVER (ORDER BY r DESC, dk, pos) AS rnk, r FROM (")
               .append("SELECT s.id, s.dk, s.pos, s.idf + ts_rank_cd(c2.tsv, q.tq, 1) AS r FROM q, (")
               .append("SELECT c.id, c.document_key AS dk, c.position AS pos, (SELECT sum(t.w * (CASE WHEN c.tsv_head @@ t.tq THEN 1.5 ELSE 1 END)) FROM terms t WHERE c.tsv_terms @@ t.tq) AS idf")
               .append(" FROM chunk c, q WHERE c.tsv @@ q.tq").append(where)
               .append(" ORDER BY idf DESC, c.document_key, c.position LIMIT ?) s JOIN chunk c2 ON c2.id = s.id")
               .append(" ORDER BY r DESC, s.dk, s.pos LIMIT ?) t)");
            params.add(TERMS);
            params.add(WEIGHTS);
            params.add(TERMS);
            params.addAll(filterParams);
            params.add(4 * k);
            params.add(k);
        } else {
            sql.append("fts AS (SELECT NULL::uuid AS id, NULL::bigint AS rnk, NULL::float4 AS r WHERE false)");
        }
        sql.append("""
                 SELECT c.id, c.document_id, c.document_key, c.title, c.uri, c.heading_path, c.text,
                        coalesce(? / (? + vec.rnk), 0) + coalesce(? / (? + fts.rnk), 0) AS score, vec.sim, fts.r
                 FROM vec FULL OUTER JOIN fts ON vec.id = fts.id
                 JOIN chunk c ON c.id = coalesce(vec.id, fts.id)
                 ORDER BY score DESC, c.document_key, c.position, c.id LIMIT ?""");
        params.add(vectorWeight);
        params.add(rrfK);
        params.add(textWeight);
        params.add(rrfK);
        params.add(limit);

        try {
            String text = useText ? query : null;
            return Tenants.call(caller.tenant(), () -> run(sql.toString(), params, limit, text, caller));
        } catch (SQLException e) {
            throw new IllegalStateException("search failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("search failed: " + e, e);
        }
    }

    /**
     * Runs the search statement on a connection taken as the caller's tenant (row-level security applies). With
     * {@code text} (the full-text branch is on), first reads the query's lexemes and their statistics and binds the
     * selective terms and their weights where {@link #TERMS} and {@link #WEIGHTS} stand in {@code params}.
     */
    private List<SearchResult> run(String sql, List<Object> params, int limit, String text, Caller caller) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (text != null) {
                WeightedTerms terms = weightedTerms(c, text, caller);
                for (int i = 0; i < params.size(); i++) {
                    if (params.get(i) == TERMS) params.set(i, terms.literals());
                    else if (params.get(i) == WEIGHTS) params.set(i, terms.weights());
                }
            }
            try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(timeoutSeconds);
            for (int i = 0; i < params.size(); i++) ps.setObject(i + 1, params.get(i));
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
    }

    /**
     * The query's distinct English lexemes that occur in what the caller may read, with BM25's IDF
     * {@code ln(1 + (N - n + 0.5) / (n + 0.5))} as weight; terms in over half of all chunks are dropped unless nothing
     * else is left. Sorted by lexeme (stable SQL for equal queries).
     */
    private WeightedTerms weightedTerms(Connection c, String text, Caller caller) throws SQLException {
        long generation;
        List<String> lexemes = new ArrayList<>();
        // the first MAX_TERMS distinct lexemes in the order the query uses them (a pasted log must not cost a count per word)
        try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT last_value FROM chunk_generation), "
                + "ARRAY(SELECT l FROM (SELECT u.lexeme AS l FROM unnest(to_tsvector('english', ?)) u "
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
        return new WeightedTerms(l, w);
    }

    /** The full-text branch's terms (as one-term tsquery literals) and their IDF weights, index for index. */
    private record WeightedTerms(String[] literals, Double[] weights) {}

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
            where.append(" AND NOT EXISTS (SELECT 1 FROM source s WHERE s.id = c.source_id AND s.evaluation)");
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
            where.append(" AND c.language = ANY (?::text[])");
            params.add(f.languages().stream().map(l -> l.toLowerCase(java.util.Locale.ROOT)).toArray(String[]::new));
        }
    }
}
