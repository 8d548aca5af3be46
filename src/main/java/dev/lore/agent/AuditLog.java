package dev.lore.agent;

import com.fasterxml.jackson.databind.DeserializationFeature;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The audit trail of every model call and tool call (table {@code audit_event}). The agent loop writes a step's events
 * in the transaction that stores the step ({@link #insert}), so memory and audit trail never disagree.
 */
@ApplicationScoped
public class AuditLog {

    @Inject AgroalDataSource dataSource;
    @Inject com.fasterxml.jackson.databind.ObjectMapper json;

    /**
     * One recorded call.
     *
     * @param kind {@code model_call} or {@code tool_call}
     * @param name model or tool name
     * @param arguments tool arguments as JSON text, or null
     * @param resultSize characters of the result
     * @param durationMs wall time in milliseconds
     * @param tokensIn prompt tokens the server reported, or null
     * @param tokensOut completion tokens the server reported, or null
     * @param error the error, when it failed
     */
    public record Event(UUID turnId, String kind, String name, String arguments, Integer resultSize, long durationMs,
                        Integer tokensIn, Integer tokensOut, String error, Instant at) {}

    /**
     * Inserts events on the caller's connection, in its transaction: the agent loop writes a step's events with the
     * step's messages, so they commit together.
     */
    public void insert(Connection c, UUID conversationId, List<Event> events) throws SQLException {
        if (events.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO audit_event (conversation_id, turn_id, kind, name, arguments, result_size, duration_ms,
                                         tokens_in, tokens_out, error)
                VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)""")) {
            for (Event e : events) {
                ps.setObject(1, conversationId);
                ps.setObject(2, e.turnId());
                ps.setString(3, e.kind());
                ps.setString(4, e.name());
                ps.setString(5, e.arguments() == null ? null : jsonOrString(e.arguments()));
                ps.setObject(6, e.resultSize());
                ps.setInt(7, (int) Math.min(Integer.MAX_VALUE, e.durationMs()));
                ps.setObject(8, e.tokensIn());
                ps.setObject(9, e.tokensOut());
                ps.setString(10, e.error());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** A conversation's events, oldest first. */
    public List<Event> events(UUID conversationId) {
        List<Event> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT turn_id, kind, name, arguments::text, result_size, duration_ms, tokens_in, tokens_out, error, created_at
                     FROM audit_event WHERE conversation_id = ? ORDER BY id""")) {
            ps.setObject(1, conversationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Event(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                            (Integer) rs.getObject(5), rs.getInt(6), (Integer) rs.getObject(7), (Integer) rs.getObject(8),
                            rs.getString(9), rs.getTimestamp(10).toInstant()));
                }
            }
        } catch (SQLException ex) {
            throw new IllegalStateException("cannot read the audit trail: " + ex.getMessage(), ex);
        }
        return out;
    }

    /**
     * Stores arbitrary text in a jsonb column: valid JSON as is, anything else (trailing text, blank) as a JSON string;
     * NUL characters, which jsonb refuses, are dropped. Never fails, so a step is never lost over its audit record.
     */
    private String jsonOrString(String s) throws SQLException {
        String text = s.replace("\0", "").replace("\\u0000", "");
        try {
            if (!text.isBlank()) {
                json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(text);
                return text;
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
            // stored as a string below
        }
        try {
            return json.writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("cannot write the arguments as JSON", e);
        }
    }
}
