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
 * by the sum of the inverse document frequencies (BM25's IDF, counted on the GIN index) of the terms it contains,
 * terms in the title or headings counting 1.5 times, plus {@code ts_rank_cd} for term frequency and proximity.
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

    @Inject
    public HybridRetriever(AgroalDataSource dataSource, EmbeddingService embeddings,
                           @ConfigProperty(name = "lore.retrieval.rrf-k", defaultValue = "60") int rrfK,
                           @ConfigProperty(name = "lore.retrieval.candidates", defaultValue = "60") int candidates,
                           @ConfigProperty(name = "lore.retrieval.vector-weight", defaultValue = "1.0") double vectorWeight,
                           @ConfigProperty(name = "lore.retrieval.fulltext-weight", defaultValue = "1.0") double textWeight) {
        this.dataSource = dataSource;
        this.embeddings = embeddings;
        this.rrfK = rrfK;
        this.candidates = candidates;
        this.vectorWeight = vectorWeight;
        this.textWeight = textWeight;
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
            // Lexemes of the query with an IDF weight from the GIN index (PostgreSQL's own ranking has no IDF). Document
            // frequency is counted up to 5,000 hits (beyond that a term's IDF is small anyway); terms in over half of all
            // chunks are dropped unless nothing else is left. A chunk scores the sum of its terms' IDF (a term found in
            // the title or headings counting 1.5 times) plus ts_rank_cd for frequency and proximity.
            sql.append("lex AS (SELECT DISTINCT l FROM unnest(tsvector_to_array(to_tsvector('english', ?))) l), ")
               // N = the chunks the caller may read (counted up to 50,000, which bounds the count's cost: about 3 ms per 9,000 chunks): statistics of what the caller searches,
               // unmoved by other tenants' documents or by when the table was last analysed
               .append("n AS MATERIALIZED (SELECT greatest(count(*), 1)::float8 AS total FROM (SELECT 1 FROM chunk c WHERE true").append(access).append(" LIMIT 50000) a), ")
               .append("df AS MATERIALIZED (SELECT quote_literal(l)::tsquery AS tq, quote_literal(l || ':AB')::tsquery AS tq_head, ")
               .append("  (SELECT count(*) FROM (SELECT 1 FROM chunk c WHERE c.tsv @@ quote_literal(l)::tsquery").append(access).append(" LIMIT 5000) s) AS hits FROM lex), ")
               .append("idf AS MATERIALIZED (SELECT tq, tq_head, ln(1 + (greatest(n.total, hits) - hits + 0.5) / (hits + 0.5)) AS w, ")
               .append("  hits <= n.total / 2 AS selective FROM df, n WHERE hits > 0), ")
               .append("terms AS MATERIALIZED (SELECT * FROM idf WHERE selective OR NOT EXISTS (SELECT 1 FROM idf WHERE selective)), ")
               .append("q AS MATERIALIZED (SELECT coalesce(string_agg(tq::text, ' | '), '')::tsquery AS tq FROM terms), ")
               .append("fts AS (SELECT id, row_number() OVER (ORDER BY r DESC, dk, pos) AS rnk, r FROM (")
               .append("SELECT c.id, c.document_key AS dk, c.position AS pos, (SELECT sum(t.w * (CASE WHEN c.tsv @@ t.tq_head THEN 1.5 ELSE 1 END)) FROM terms t WHERE c.tsv @@ t.tq)")
               .append(" + ts_rank_cd(c.tsv, q.tq, 1) AS r FROM chunk c, q WHERE c.tsv @@ q.tq").append(where)
               .append(" ORDER BY r DESC, c.document_key, c.position LIMIT ?) t)");
            params.add(query);
            params.addAll(accessParams);
            params.addAll(accessParams);
            params.addAll(filterParams);
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
            return Tenants.call(caller.tenant(), () -> run(sql.toString(), params, limit));
        } catch (SQLException e) {
            throw new IllegalStateException("search failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("search failed: " + e, e);
        }
    }

    /** Runs the search statement on a connection taken as the caller's tenant (row-level security applies). */
    private List<SearchResult> run(String sql, List<Object> params, int limit) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
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
