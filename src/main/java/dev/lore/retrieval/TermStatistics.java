package dev.lore.retrieval;

import dev.lore.security.Caller;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Full-text term statistics of what one caller may read, for the IDF weights of {@link HybridRetriever}'s full-text
 * branch: N (the chunks the caller may read, counted up to {@value #MAX_TOTAL}) and, per lexeme, the number of those
 * chunks that contain it (counted up to N / 2 + 1, at least {@value #MIN_TERM_CAP}: enough to tell a term in over half
 * of the chunks, which the retriever drops). All uncached terms of a query are counted in one statement. Counting them costs tens of milliseconds per common term, so they are cached per
 * tenant and set of principals (admins share one entry per tenant) and trusted only while the database's
 * {@code chunk_generation} counter has not moved (migrations/V33: any change to the chunk table moves it, ACL changes
 * included) and for at most {@code ttlMillis} (a backstop for a change committed after a count began). Counts never
 * include another tenant's chunks or, for non-admins, chunks the caller may not read.
 *
 * <p>Thread-safe. Errors: {@link SQLException} from the database, passed on.
 */
final class TermStatistics {

    /** Beyond this many cached callers the cache starts over (bounded memory). */
    private static final int MAX_CALLERS = 1_000;
    /** Beyond this many lexemes for one caller, that caller's entry starts over. */
    private static final int MAX_TERMS = 100_000;

    /** N is counted up to this many chunks. */
    static final int MAX_TOTAL = 200_000;
    /** A term's document frequency is counted up to max(this, N / 2 + 1). */
    static final int MIN_TERM_CAP = 5_000;

    private final long ttlMillis;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Callers seen lately, by cache key: whose statistics {@link #warm} renews after a sync. */
    private final Map<String, Caller> recent = new ConcurrentHashMap<>();
    /** Vocabularies are counted in one pass by {@link #warm} only up to this many chunks. */
    static final int MAX_WARM_CHUNKS = 100_000;

    /** @param ttlMillis longest time a count is trusted, in milliseconds (even when nothing seems to have changed) */
    TermStatistics(long ttlMillis) {
        this.ttlMillis = ttlMillis;
    }

    /** N and document frequencies of the given lexemes for one caller, as of generation {@code generation}. */
    record Counts(double total, Map<String, Integer> hits) {}

    private static final class Entry {
        final long generation;
        final long createdAt;
        volatile Double total;
        /** Filled by {@link #warm}: every lexeme the caller may read is in {@code hits}; a missing one occurs nowhere. */
        volatile boolean complete;
        final Map<String, Integer> hits = new ConcurrentHashMap<>();

        Entry(long generation, long createdAt) {
            this.generation = generation;
            this.createdAt = createdAt;
        }
    }

    /**
     * Counts for {@code lexemes} (PostgreSQL 'english' lexemes, as {@code tsvector_to_array} returns them), from the
     * cache or counted on {@code c} (a connection of the caller's tenant: row-level security applies).
     *
     * @param generation the current value of {@code chunk_generation}, read on the same connection just before
     */
    Counts counts(Connection c, Caller caller, long generation, List<String> lexemes, int timeoutSeconds) throws SQLException {
        String key = key(caller);
        if (recent.size() >= MAX_CALLERS) recent.clear();
        recent.putIfAbsent(key, caller);
        long now = System.currentTimeMillis();
        Entry e = entries.get(key);
        if (e == null || e.generation != generation || now - e.createdAt > ttlMillis) {
            if (entries.size() >= MAX_CALLERS) entries.clear();
            e = new Entry(generation, now);
            entries.put(key, e);
        }
        if (e.hits.size() > MAX_TERMS) {
            e.complete = false;
            e.hits.clear();
        }
        String access = access(caller);
        if (e.total == null) e.total = (double) total(c, caller, timeoutSeconds);
        List<String> missing = new ArrayList<>();
        if (!e.complete) for (String lexeme : lexemes) if (!e.hits.containsKey(lexeme)) missing.add(lexeme);
        if (!missing.isEmpty()) {
            // one statement for all uncached terms; each count stops at just over half of N (enough for the
            // "over half of all chunks" rule and for an IDF that is near zero anyway)
            long cap = termCap(e.total);
            try (PreparedStatement ps = c.prepareStatement("SELECT x.l, (SELECT count(*) FROM (SELECT 1 FROM chunk c WHERE c.tsv @@ x.t::tsquery"
                    + access + " LIMIT ?) s) FROM unnest(?::text[], ?::text[]) AS x(l, t)")) {
                ps.setQueryTimeout(timeoutSeconds);
                int i = bindAccess(ps, 1, caller);
                ps.setLong(i, cap);
                ps.setObject(i + 1, missing.toArray(String[]::new));
                ps.setObject(i + 2, missing.stream().map(TermStatistics::tsqueryLiteral).toArray(String[]::new));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) e.hits.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String lexeme : lexemes) out.put(lexeme, e.hits.getOrDefault(lexeme, 0));
        return new Counts(e.total, out);
    }

    private static String access(Caller caller) {
        return caller.isAdmin() ? " AND c.tenant_id = ?" : " AND c.tenant_id = ? AND c.acl && ?::text[]";
    }

    private static long termCap(double total) {
        return Math.max(MIN_TERM_CAP, (long) (total / 2) + 1);
    }

    /** N: the chunks {@code caller} may read, at least 1, counted up to {@link #MAX_TOTAL}. */
    private static long total(Connection c, Caller caller, int timeoutSeconds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT greatest(count(*), 1) FROM (SELECT 1 FROM chunk c WHERE true"
                + access(caller) + " LIMIT " + MAX_TOTAL + ") a")) {
            ps.setQueryTimeout(timeoutSeconds);
            bindAccess(ps, 1, caller);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Renews the statistics of tenant {@code tenant}'s recent callers (and of its admins) in one pass each: N, and
     * the document frequency of every lexeme of what the caller may read ({@code ts_stat} over {@code tsv_terms}),
     * so that the first queries after a sync pay no per-term counts. Skips a caller who may read more than
     * {@value #MAX_WARM_CHUNKS} chunks (its terms are then counted as queries need them). Called after a sync, on a
     * connection of that tenant.
     *
     * @param admin a caller with the admin role in {@code tenant}
     * @return how many callers' statistics were renewed
     */
    int warm(Connection c, String tenant, Caller admin, int timeoutSeconds) throws SQLException {
        List<Caller> callers = new ArrayList<>();
        callers.add(admin);
        for (Caller r : recent.values()) {
            if (r.tenant().equals(tenant) && !r.isAdmin() && callers.size() < 20) callers.add(r);
        }
        int renewed = 0;
        for (Caller caller : callers) {
            long generation;
            try (PreparedStatement ps = c.prepareStatement("SELECT last_value FROM chunk_generation");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                generation = rs.getLong(1);
            }
            long total = total(c, caller, timeoutSeconds);
            if (total > MAX_WARM_CHUNKS) continue;
            Entry e = new Entry(generation, System.currentTimeMillis());
            e.total = (double) total;
            long cap = termCap(total);
            // ts_stat runs a query given as text: the tenant and principals go in as quoted literals (format %L)
            String inner = caller.isAdmin()
                    ? "format('SELECT c.tsv_terms FROM chunk c WHERE c.tenant_id = %L', ?::text)"
                    : "format('SELECT c.tsv_terms FROM chunk c WHERE c.tenant_id = %L AND c.acl && %L::text[]', ?::text, ?::text[])";
            try (PreparedStatement ps = c.prepareStatement("SELECT word, ndoc FROM ts_stat(" + inner + ")")) {
                ps.setQueryTimeout(timeoutSeconds);
                bindAccess(ps, 1, caller);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next() && e.hits.size() < MAX_TERMS) e.hits.put(rs.getString(1), (int) Math.min(rs.getLong(2), cap));
                }
            }
            if (e.hits.size() >= MAX_TERMS) continue;
            e.complete = true;
            entries.put(key(caller), e);
            renewed++;
        }
        return renewed;
    }

    /** A lexeme as a one-term tsquery literal: quoted, with quotes doubled and backslashes escaped. */
    static String tsqueryLiteral(String lexeme) {
        return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** Binds the tenant (and the principals of a non-admin) from parameter {@code from}; returns the next free index. */
    private static int bindAccess(PreparedStatement ps, int from, Caller caller) throws SQLException {
        ps.setString(from, caller.tenant());
        if (caller.isAdmin()) return from + 1;
        ps.setObject(from + 1, caller.principals());
        return from + 2;
    }

    private static String key(Caller caller) {
        if (caller.isAdmin()) return caller.tenant() + "\u0000*admin";
        String[] p = caller.principals().clone();
        Arrays.sort(p);
        return caller.tenant() + "\u0000" + String.join("\u0000", p);
    }
}
