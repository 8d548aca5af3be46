package dev.lore.retrieval;

import dev.lore.security.Caller;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Full-text term statistics of what one caller may read, for the IDF weights of {@link HybridRetriever}'s full-text
 * branch: N (the chunks the caller may read, counted up to 50,000) and, per lexeme, the number of those chunks that
 * contain it (counted up to 5,000). Counting them costs tens of milliseconds per common term, so they are cached per
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
    Counts counts(Connection c, Caller caller, long generation, List<String> lexemes) throws SQLException {
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
            try (PreparedStatement ps = c.prepareStatement("SELECT greatest(count(*), 1) FROM (SELECT 1 FROM chunk c WHERE true" + access + " LIMIT 50000) a")) {
                bindAccess(ps, 1, caller);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    e.total = (double) rs.getLong(1);
                }
            }
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        PreparedStatement ps = null;
        try {
            for (String lexeme : lexemes) {
                Integer n = e.hits.get(lexeme);
                if (n == null) {
                    if (ps == null) {
                        // the term is bound as a tsquery literal (not built in SQL) so that the planner sees it and uses the GIN index
                        ps = c.prepareStatement("SELECT count(*) FROM (SELECT 1 FROM chunk c WHERE c.tsv @@ ?::tsquery" + access + " LIMIT 5000) s");
                    }
                    ps.setString(1, tsqueryLiteral(lexeme));
                    bindAccess(ps, 2, caller);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        n = rs.getInt(1);
                    }
                    e.hits.put(lexeme, n);
                }
                out.put(lexeme, n);
            }
        } finally {
            if (ps != null) ps.close();
        }
        return new Counts(e.total, out);
    }

    /** A lexeme as a one-term tsquery literal: quoted, with quotes doubled and backslashes escaped. */
    static String tsqueryLiteral(String lexeme) {
        return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    private static void bindAccess(PreparedStatement ps, int from, Caller caller) throws SQLException {
        ps.setString(from, caller.tenant());
        if (!caller.isAdmin()) ps.setObject(from + 1, caller.principals());
    }

    private static String key(Caller caller) {
        if (caller.isAdmin()) return caller.tenant() + "\u0000*admin";
        String[] p = caller.principals().clone();
        Arrays.sort(p);
        return caller.tenant() + "\u0000" + String.join("\u0000", p);
    }
}
