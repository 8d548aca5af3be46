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
        long now = System.currentTimeMillis();
        Entry e = entries.get(key);
        if (e == null || e.generation != generation || now - e.createdAt > ttlMillis) {
            if (entries.size() >= MAX_CALLERS) entries.clear();
            e = new Entry(generation, now);
            entries.put(key, e);
        }
        if (e.hits.size() > MAX_TERMS) e.hits.clear();
        StringBuilder access = new StringBuilder(" AND c.tenant_id = ?");
        if (!caller.isAdmin()) access.append(" AND c.acl && ?::text[]");
        if (e.total == null) {
            try (PreparedStatement ps = c.prepareStatement("SELECT greatest(count(*), 1) FROM (SELECT 1 FROM chunk c WHERE true" + access + " LIMIT " + MAX_TOTAL + ") a")) {
                ps.setQueryTimeout(timeoutSeconds);
                bindAccess(ps, 1, caller);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    e.total = (double) rs.getLong(1);
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (String lexeme : lexemes) if (!e.hits.containsKey(lexeme)) missing.add(lexeme);
        if (!missing.isEmpty()) {
            // one statement for all uncached terms; each count stops at just over half of N (enough for the
            // "over half of all chunks" rule and for an IDF that is near zero anyway)
            long cap = Math.max(MIN_TERM_CAP, (long) (e.total / 2) + 1);
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
