package dev.lore.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.eval.EvalResults.CaseResult;
import dev.lore.eval.EvalResults.RunResult;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Evaluation runs and their case results in PostgreSQL (tables {@code eval_run}, {@code eval_case_result}), and cases
 * made from feedback ({@code eval_case}). Every method takes the tenant and filters on it.
 */
@ApplicationScoped
public class EvalStore {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
    private static final TypeReference<Map<String, Double>> METRICS = new TypeReference<>() {};

    @Inject AgroalDataSource dataSource;
    @Inject ObjectMapper json;

    /**
     * A stored run as listed.
     *
     * @param status queued, running, succeeded (the run completed; see gatePassed for the verdict) or failed (it could
     *     not run: error says why)
     * @param gatePassed null when the run was not compared with a baseline
     */
    public record Run(UUID id, String suite, String status, String requestedBy, int casesTotal, int casesDone, Map<String, Object> options,
                      Map<String, Object> config, Map<String, Double> metrics, JsonNode gate, Boolean gatePassed, String error,
                      Instant startedAt, Instant finishedAt) {}

    /** Records a new run in state {@code queued}. */
    public void create(String tenant, UUID id, String suite, String requestedBy, int casesTotal, Map<String, Object> options) {
        update("INSERT INTO eval_run (id, tenant_id, suite, status, requested_by, cases_total, options) VALUES (?, ?, ?, 'queued', ?, ?, ?::jsonb)",
                id, tenant, suite, requestedBy, casesTotal, write(options));
    }

    /** Marks a run as running. */
    public void started(UUID id) {
        update("UPDATE eval_run SET status = 'running', started_at = now() WHERE id = ?", id);
    }

    /** Progress: cases done so far. */
    public void progress(UUID id, int done) {
        update("UPDATE eval_run SET cases_done = ? WHERE id = ?", done, id);
    }

    /** Stores a completed run, its cases and (when compared) the gate report, in one transaction. */
    public void finished(UUID id, RunResult run, Gate.Report gate) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE eval_run SET status = 'succeeded', cases_done = cases_total, config = ?::jsonb, metrics = ?::jsonb,
                           gate = ?::jsonb, gate_passed = ?, finished_at = ? WHERE id = ?""")) {
                ps.setString(1, write(run.config()));
                ps.setString(2, write(run.metrics()));
                ps.setString(3, gate == null ? null : write(gate));
                ps.setObject(4, gate == null ? null : gate.passed());
                ps.setTimestamp(5, Timestamp.from(run.finishedAt()));
                ps.setObject(6, id);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO eval_case_result (run_id, seq, case_id, type, passed, metrics, latency_ms, tokens_in, tokens_out, detail)
                    VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb)""")) {
                int seq = 0;
                for (CaseResult r : run.cases()) {
                    ps.setObject(1, id);
                    ps.setInt(2, seq++);
                    ps.setString(3, r.id());
                    ps.setString(4, r.type());
                    ps.setBoolean(5, r.passed());
                    ps.setString(6, write(r.metrics()));
                    ps.setLong(7, r.latencyMs());
                    ps.setObject(8, r.tokensIn());
                    ps.setObject(9, r.tokensOut());
                    ps.setString(10, r.detail() == null ? null : write(r.detail()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store evaluation run " + id + ": " + e.getMessage(), e);
        }
    }

    /** Marks a run as failed with the reason. */
    public void failed(UUID id, String error) {
        update("UPDATE eval_run SET status = 'failed', error = ?, finished_at = now() WHERE id = ?", error, id);
    }

    /** Marks runs left queued or running by a stopped process as failed (called at start-up). */
    public int abandonUnfinished() {
        return update("UPDATE eval_run SET status = 'failed', error = 'Lore stopped before the run finished', finished_at = now() "
                + "WHERE status IN ('queued', 'running')");
    }

    /** The tenant's runs, newest first, optionally of one suite. */
    public List<Run> runs(String tenant, String suite, int limit) {
        return suite == null ? query("tenant_id = ? ORDER BY started_at DESC LIMIT ?", tenant, limit)
                : query("tenant_id = ? AND suite = ? ORDER BY started_at DESC LIMIT ?", tenant, suite, limit);
    }

    /** One run of the tenant. */
    public Optional<Run> run(String tenant, UUID id) {
        return query("tenant_id = ? AND id = ?", tenant, id).stream().findFirst();
    }

    /** The case results of a run of the tenant, in suite order. */
    public List<CaseResult> cases(String tenant, UUID runId) {
        List<CaseResult> out = new ArrayList<>();
        String sql = """
                SELECT r.case_id, r.type, r.passed, r.metrics::text, r.latency_ms, r.tokens_in, r.tokens_out, r.detail::text
                FROM eval_case_result r JOIN eval_run e ON e.id = r.run_id WHERE e.tenant_id = ? AND r.run_id = ? ORDER BY r.seq""";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenant);
            ps.setObject(2, runId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new CaseResult(rs.getString(1), rs.getString(2), rs.getBoolean(3), read(rs.getString(4), METRICS), rs.getLong(5),
                            (Integer) rs.getObject(6), (Integer) rs.getObject(7), rs.getString(8) == null ? null : json.readTree(rs.getString(8))));
                }
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot read evaluation cases: " + e.getMessage(), e);
        }
        return out;
    }

    /** Adds (or replaces) a case of a stored suite. */
    public void saveCase(String tenant, String suite, String caseId, JsonNode body, UUID sourceTurn, String createdBy) {
        update("""
                INSERT INTO eval_case (tenant_id, suite, case_id, body, source_turn, created_by) VALUES (?, ?, ?, ?::jsonb, ?, ?)
                ON CONFLICT (tenant_id, suite, case_id) DO UPDATE SET body = excluded.body, source_turn = excluded.source_turn,
                    created_by = excluded.created_by, created_at = now()""", tenant, suite, caseId, write(body), sourceTurn, createdBy);
    }

    /** The cases of a stored suite as suite lines (JSON objects), oldest first; empty when there is no such suite. */
    public List<JsonNode> storedCases(String tenant, String suite) {
        List<JsonNode> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT body::text FROM eval_case WHERE tenant_id = ? AND suite = ? ORDER BY created_at, case_id")) {
            ps.setString(1, tenant);
            ps.setString(2, suite);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(json.readTree(rs.getString(1)));
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot read stored cases: " + e.getMessage(), e);
        }
        return out;
    }

    /** The names of the tenant's stored suites with their case counts. */
    public Map<String, Integer> storedSuites(String tenant) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT suite, count(*) FROM eval_case WHERE tenant_id = ? GROUP BY suite")) {
            ps.setString(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getInt(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list stored suites: " + e.getMessage(), e);
        }
        return out;
    }

    private List<Run> query(String where, Object... args) {
        List<Run> out = new ArrayList<>();
        String sql = "SELECT id, suite, status, requested_by, cases_total, cases_done, options::text, config::text, metrics::text, gate::text, "
                + "gate_passed, error, started_at, finished_at FROM eval_run WHERE " + where;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp fin = rs.getTimestamp(14);
                    out.add(new Run(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5), rs.getInt(6),
                            read(rs.getString(7), MAP), read(rs.getString(8), MAP), read(rs.getString(9), METRICS),
                            rs.getString(10) == null ? null : json.readTree(rs.getString(10)), (Boolean) rs.getObject(11), rs.getString(12),
                            rs.getTimestamp(13).toInstant(), fin == null ? null : fin.toInstant()));
                }
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new IllegalStateException("cannot read evaluation runs: " + e.getMessage(), e);
        }
        return out;
    }

    private int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("evaluation store: " + e.getMessage(), e);
        }
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(String s, TypeReference<T> type) {
        try {
            return s == null ? null : json.readValue(s, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
