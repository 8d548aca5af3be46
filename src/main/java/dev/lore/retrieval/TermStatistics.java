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
import java.util.concurrent.atomic.AtomicLong;

/**
 * Full-text term statistics of what one caller may read, for the IDF weights of {@link HybridRetriever}'s full-text
 * branch: N (the chunks the caller may read, counted up to {@value #MAX_TOTAL}) and, per lexeme, the number of those
 * chunks that contain it (counted up to N / 2 + 1, at least {@value #MIN_TERM_CAP}: enough to tell a term in over half
 * of the chunks, which the retriever drops).
 *
 * <p>Counting costs tens of milliseconds per common term, so counts are cached per tenant and set of principals
 * (admins share one entry per tenant); all uncached terms of a query are counted in one statement. An entry is
 * trusted only while the generation in {@code chunk_generation_value} is the one read before it was counted
 * (migrations/V35: every transaction that changes chunks, access lists included, moves it, visibly exactly when its
 * changes become visible), and for at most {@code ttlMillis}. {@link #warm} renews whole vocabularies in one pass
 * after a sync. Counts never include another tenant's chunks or, for non-admins, chunks the caller may not read.
 *
 * <p>Memory: at most {@value #MAX_CALLERS} cached callers, {@value #MAX_TERMS} lexemes per caller and
 * {@value #MAX_CACHED_TERMS} lexemes in all (beyond that the cache starts over). Thread-safe. Errors:
 * {@link SQLException} from the database, passed on.
 */
final class TermStatistics {

    private static final int MAX_CALLERS = 1_000;
    /** Lexemes cached for one caller; a vocabulary larger than this is never warmed in one pass. */
    static final int MAX_TERMS = 100_000;
    /** Lexemes cached over all callers. */
    static final int MAX_CACHED_TERMS = 1_000_000;
    /** N is counted up to this many chunks. */
    static final int MAX_TOTAL = 200_000;
    /** A term's document frequency is counted up to max(this, N / 2 + 1). */
    static final int MIN_TERM_CAP = 5_000;
    /** Vocabularies are counted in one pass by {@link #warm} only up to this many chunks. */
    static final int MAX_WARM_CHUNKS = 100_000;
    /** Besides its admins, this many of a tenant's most recent callers get their statistics renewed by {@link #warm}. */
    static final int MAX_WARM_CALLERS = 5;

    private final long ttlMillis;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong cachedTerms = new AtomicLong();
    /** Callers by cache key, with when they last searched: whose statistics {@link #warm} renews. */
    private final Map<String, Recent> recent = new ConcurrentHashMap<>();
    /** Per tenant, the generation its statistics were last renewed at (nothing to renew while it stands). */
    private final Map<String, Long> warmedAt = new ConcurrentHashMap<>();

    /** @param ttlMillis longest time a count is trusted, in milliseconds (even when nothing seems to have changed) */
    TermStatistics(long ttlMillis) {
        this.ttlMillis = ttlMillis;
    }

    /**
     * N and document frequencies of the given lexemes for one caller, as of generation {@code generation};
     * {@code cold} when the caller's statistics are not complete (its vocabulary was never counted in one pass at this
     * generation), so that its next searches would count their new terms one by one: see {@link #warmCaller}.
     */
    record Counts(double total, Map<String, Integer> hits, boolean cold) {}

    private record Recent(Caller caller, long lastUsed) {}

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

    /** The current generation of the chunk table (V35), read on {@code c}; read it before counting anything. */
    static long generation(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT value FROM chunk_generation_value"); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Counts for {@code lexemes} (PostgreSQL 'english' lexemes, as {@code tsvector_to_array} returns them), from the
     * cache or counted on {@code c} (a connection of the caller's tenant: row-level security applies).
     *
     * @param generation the value of {@link #generation}, read on the same connection before this call
     */
    Counts counts(Connection c, Caller caller, long generation, List<String> lexemes, int timeoutSeconds) throws SQLException {
        String key = key(caller);
        long now = System.currentTimeMillis();
        if (recent.size() >= MAX_CALLERS && !recent.containsKey(key)) recent.clear();
        recent.put(key, new Recent(caller, now));
        Entry e = entries.get(key);
        if (e == null || e.generation != generation || now - e.createdAt > ttlMillis || e.hits.size() > MAX_TERMS) {
            e = new Entry(generation, now);
            replace(key, e);
        }
        if (e.total == null) e.total = (double) total(c, caller, timeoutSeconds);
        List<String> missing = new ArrayList<>();
        if (!e.complete) for (String lexeme : lexemes) if (!e.hits.containsKey(lexeme)) missing.add(lexeme);
        if (!missing.isEmpty()) {
            // one statement for all uncached terms; each count stops at just over half of N (enough for the
            // "over half of all chunks" rule and for an IDF that is near zero anyway)
            try (PreparedStatement ps = HybridRetriever.customPlan(c.prepareStatement("SELECT x.l, (SELECT count(*) FROM (SELECT 1 FROM chunk c WHERE c.tsv @@ x.t::tsquery"
                    + access(caller) + " LIMIT ?) s) FROM unnest(?::text[], ?::text[]) AS x(l, t)"))) {
                ps.setQueryTimeout(timeoutSeconds);
                int i = bindAccess(ps, 1, caller);
                ps.setLong(i, termCap(e.total));
                ps.setObject(i + 1, missing.toArray(String[]::new));
                ps.setObject(i + 2, missing.stream().map(TermStatistics::tsqueryLiteral).toArray(String[]::new));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (e.hits.put(rs.getString(1), rs.getInt(2)) == null) cachedTerms.incrementAndGet();
                    }
                }
            }
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String lexeme : lexemes) out.put(lexeme, e.hits.getOrDefault(lexeme, 0));
        if (cachedTerms.get() > MAX_CACHED_TERMS) clear();
        // a caller too large for a one-pass count at this generation is not cold: nothing would warm it
        return new Counts(e.total, out, !e.complete && tooLarge.getOrDefault(key, -1L) != generation);
    }

    /** Puts an entry in place of the caller's old one, keeping the count of cached lexemes. */
    private void replace(String key, Entry e) {
        if (entries.size() >= MAX_CALLERS && !entries.containsKey(key)) clear();
        Entry old = entries.put(key, e);
        if (old != null) cachedTerms.addAndGet(-old.hits.size());
        cachedTerms.addAndGet(e.hits.size());
    }

    private void clear() {
        entries.clear();
        cachedTerms.set(0);
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
     * Renews the statistics of tenant {@code tenant}'s admins and of its {@value #MAX_WARM_CALLERS} most recent other
     * callers, in one pass each: N, and the document frequency of every lexeme of what the caller may read
     * ({@code ts_stat} over {@code tsv_terms}), so that the first queries after a sync pay no per-term counts. Does
     * nothing while the tenant's generation is the one of the last renewal; skips a caller who may read more than
     * {@value #MAX_WARM_CHUNKS} chunks or over {@value #MAX_TERMS} distinct lexemes (its terms are then counted as
     * queries need them). Runs on {@code c}, a connection of that tenant.
     *
     * @param admin a caller with the admin role in {@code tenant}
     * @return how many callers' statistics were renewed
     */
    int warm(Connection c, String tenant, Caller admin, int timeoutSeconds) throws SQLException {
        long generation = generation(c);
        Long last = warmedAt.put(tenant, generation);
        if (last != null && last == generation) return 0;
        List<Caller> callers = new ArrayList<>();
        callers.add(admin);
        recent.values().stream().filter(r -> r.caller().tenant().equals(tenant) && !r.caller().isAdmin())
                .sorted(java.util.Comparator.comparingLong(Recent::lastUsed).reversed()).limit(MAX_WARM_CALLERS)
                .forEach(r -> callers.add(r.caller()));
        int renewed = 0;
        for (Caller caller : callers) {
            if (warmOne(c, caller, generation, timeoutSeconds)) renewed++;
        }
        if (cachedTerms.get() > MAX_CACHED_TERMS) clear();
        return renewed;
    }

    /**
     * Counts one caller's whole vocabulary in one pass, as {@link #warm} does after a sync, for a caller whose
     * statistics came back {@link Counts#cold}: a user's first search after a sync (or ever) would otherwise make each
     * of the next searches count its new terms one by one (as a user on the manual: hybrid p95 117 ms while cold).
     * At most one such pass runs at a time; a call while one runs, or for a caller already complete, does nothing.
     * Runs on {@code c}, a connection of the caller's tenant.
     *
     * @return true when the caller's statistics were renewed
     */
    boolean warmCaller(Connection c, Caller caller, int timeoutSeconds) throws SQLException {
        if (!warming.compareAndSet(false, true)) return false;
        try {
            long generation = generation(c);
            String key = key(caller);
            Entry current = entries.get(key);
            if (current != null && current.complete && current.generation == generation) return false;
            // a caller too large for one pass is not tried again until the index changes
            if (tooLarge.getOrDefault(key, -1L) == generation) return false;
            boolean renewed = warmOne(c, caller, generation, timeoutSeconds);
            if (!renewed) {
                if (tooLarge.size() >= MAX_CALLERS) tooLarge.clear();
                tooLarge.put(key, generation);
            }
            if (cachedTerms.get() > MAX_CACHED_TERMS) clear();
            return renewed;
        } finally {
            warming.set(false);
        }
    }

    /** Callers whose one-pass count was refused (too many chunks or lexemes), with the generation it was tried at. */
    private final Map<String, Long> tooLarge = new ConcurrentHashMap<>();

    /** True while a {@link #warmCaller} pass runs. */
    private final java.util.concurrent.atomic.AtomicBoolean warming = new java.util.concurrent.atomic.AtomicBoolean();

    /** True while a {@link #warmCaller} pass runs (a search then starts no other). */
    boolean warming() {
        return warming.get();
    }

    /** True when {@code caller}'s statistics are complete at the current generation (read on {@code c}). */
    boolean isComplete(Connection c, Caller caller) throws SQLException {
        Entry e = entries.get(key(caller));
        return e != null && e.complete && e.generation == generation(c);
    }

    /** One caller's N and every lexeme's document frequency at {@code generation}; false when it is too large to keep. */
    private boolean warmOne(Connection c, Caller caller, long generation, int timeoutSeconds) throws SQLException {
        long total = total(c, caller, timeoutSeconds);
        if (total > MAX_WARM_CHUNKS) return false;
        Entry e = new Entry(generation, System.currentTimeMillis());
        e.total = (double) total;
        long cap = termCap(total);
        // ts_stat runs a query given as text: the tenant and principals go in as quoted literals (format %L)
        String inner = caller.isAdmin()
                ? "format('SELECT c.tsv_terms FROM chunk c WHERE c.tenant_id = %L', ?::text)"
                : "format('SELECT c.tsv_terms FROM chunk c WHERE c.tenant_id = %L AND c.acl && %L::text[]', ?::text, ?::text[])";
        try (PreparedStatement ps = c.prepareStatement("SELECT word, ndoc FROM ts_stat(" + inner + ") LIMIT " + (MAX_TERMS + 1))) {
            ps.setQueryTimeout(timeoutSeconds);
            bindAccess(ps, 1, caller);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) e.hits.put(rs.getString(1), (int) Math.min(rs.getLong(2), cap));
            }
        }
        if (e.hits.size() > MAX_TERMS) return false;
        e.complete = true;
        Entry newer = entries.get(key(caller));
        if (newer != null && newer.generation > generation) return false; // counted while the index moved on
        replace(key(caller), e);
        return true;
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
