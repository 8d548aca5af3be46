package dev.lore.web;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Read-only queries the console shows (always confined to one tenant), as rows of column name → value. */
@ApplicationScoped
public class ConsoleQueries {

    @Inject AgroalDataSource dataSource;

    /** The tenant's latest agent audit events (model and tool calls). */
    public List<Map<String, Object>> audit(String tenant, int limit) {
        return rows("""
                SELECT a.created_at AS at, ag.name AS agent, a.kind, a.name, a.duration_ms, a.tokens_in, a.tokens_out, a.error,
                       a.conversation_id
                FROM audit_event a JOIN conversation c ON c.id = a.conversation_id JOIN agent ag ON ag.id = c.agent_id
                WHERE c.tenant_id = ? ORDER BY a.id DESC LIMIT ?""", tenant, limit);
    }

    /** The tenant's latest agent conversations (the bot API). */
    public List<Map<String, Object>> agentConversations(String tenant, int limit) {
        return rows("""
                SELECT c.id, ag.name AS agent, c.end_user_id, c.owner, c.status, c.updated_at,
                       (SELECT count(*) FROM conversation_message m WHERE m.conversation_id = c.id) AS messages
                FROM conversation c JOIN agent ag ON ag.id = c.agent_id WHERE c.tenant_id = ? ORDER BY c.updated_at DESC LIMIT ?""",
                tenant, limit);
    }

    /** Failed sync runs, failed documents and failed agent calls of the tenant, newest first. */
    public List<Map<String, Object>> recentErrors(String tenant, int limit) {
        return rows("""
                SELECT * FROM (
                  SELECT r.finished_at AS at, 'sync run' AS kind, s.name AS what, r.error AS error
                  FROM sync_run r JOIN source s ON s.id = r.source_id WHERE s.tenant_id = ? AND r.status = 'failed'
                  UNION ALL
                  SELECT r.started_at, 'document', s.name || ': ' || i.document_key, i.reason
                  FROM sync_item i JOIN sync_run r ON r.id = i.run_id JOIN source s ON s.id = r.source_id
                  WHERE s.tenant_id = ? AND i.status = 'failed'
                  UNION ALL
                  SELECT a.created_at, a.kind, a.name, a.error
                  FROM audit_event a JOIN conversation c ON c.id = a.conversation_id WHERE c.tenant_id = ? AND a.error IS NOT NULL
                  UNION ALL
                  SELECT t.created_at, 'chat answer', 'model server', t.notice
                  FROM chat_turn t WHERE t.tenant_id = ? AND t.mode = 'extractive' AND t.notice LIKE 'The model server%'
                ) e ORDER BY at DESC NULLS LAST LIMIT ?""", tenant, tenant, tenant, tenant, limit);
    }

    /** Sources, documents and chunks of the tenant, and the index's size on disk (all tenants). */
    public Map<String, Object> indexStats(String tenant) {
        Map<String, Object> out = new LinkedHashMap<>(rows("""
                SELECT (SELECT count(*) FROM source WHERE tenant_id = ?) AS sources,
                       (SELECT count(*) FROM document WHERE tenant_id = ?) AS documents,
                       (SELECT count(*) FROM chunk WHERE tenant_id = ?) AS chunks,
                       pg_total_relation_size('chunk') AS chunk_bytes,
                       pg_total_relation_size('document') AS document_bytes""", tenant, tenant, tenant).get(0));
        return out;
    }

    /** The latest run of each of the tenant's sources: source id → status. */
    public Map<Object, Object> lastRunStatus(String tenant) {
        Map<Object, Object> out = new LinkedHashMap<>();
        for (Map<String, Object> r : rows("""
                SELECT DISTINCT ON (r.source_id) r.source_id, r.status FROM sync_run r JOIN source s ON s.id = r.source_id
                WHERE s.tenant_id = ? ORDER BY r.source_id, r.started_at DESC""", tenant)) {
            out.put(r.get("source_id"), r.get("status"));
        }
        return out;
    }

    private List<Map<String, Object>> rows(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            List<Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        Object v = rs.getObject(i);
                        if (v instanceof java.sql.Timestamp ts) v = ts.toInstant();
                        row.put(md.getColumnLabel(i), v);
                    }
                    out.add(row);
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("console query failed: " + e.getMessage(), e);
        }
    }
}
