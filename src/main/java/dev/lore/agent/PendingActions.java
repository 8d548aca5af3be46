package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
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

/** Tool calls waiting for the client's confirmation, kept in {@code conversation.pending_action} (survives restarts). */
@ApplicationScoped
public class PendingActions {

    @Inject AgroalDataSource dataSource;
    @Inject ObjectMapper json;

    /**
     * A held step.
     *
     * @param turnId the turn it belongs to
     * @param assistantText the model's text that came with the calls, or null
     * @param calls the held tool calls
     * @param modelCalls model calls the turn had made
     */
    public record Pending(UUID turnId, String assistantText, List<ToolExecutionRequest> calls, int modelCalls) {}

    /** Stores the pending action of a conversation (replacing any), on the caller's connection and transaction. */
    public void put(Connection c, UUID conversationId, Pending p) throws SQLException {
        ObjectNode node = json.createObjectNode().put("turnId", p.turnId().toString()).put("assistantText", p.assistantText())
                .put("modelCalls", p.modelCalls());
        ArrayNode calls = node.putArray("calls");
        for (ToolExecutionRequest t : p.calls()) calls.addObject().put("id", t.id()).put("name", t.name()).put("arguments", t.arguments());
        try {
            write(c, conversationId, json.writeValueAsString(node));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Drops the pending action, on the caller's connection and transaction; true when there was one. */
    public boolean clear(Connection c, UUID conversationId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE conversation SET pending_action = NULL WHERE id = ? AND pending_action IS NOT NULL")) {
            ps.setObject(1, conversationId);
            return ps.executeUpdate() > 0;
        }
    }

    /** The pending action, without removing it; null when none. */
    public JsonNode peek(UUID conversationId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pending_action::text FROM conversation WHERE id = ?")) {
            ps.setObject(1, conversationId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null ? json.readTree(rs.getString(1)) : null;
            }
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot read the pending action: " + e.getMessage(), e);
        }
    }

    /** Removes and returns the pending action; null when none. */
    public Pending take(UUID conversationId) {
        JsonNode n = peek(conversationId);
        if (n == null) return null;
        write(conversationId, null);
        List<ToolExecutionRequest> calls = new ArrayList<>();
        n.path("calls").forEach(c -> calls.add(ToolExecutionRequest.builder().id(c.path("id").asText()).name(c.path("name").asText())
                .arguments(c.path("arguments").asText()).build()));
        return new Pending(UUID.fromString(n.path("turnId").asText()), n.path("assistantText").isNull() ? null : n.path("assistantText").asText(null),
                calls, n.path("modelCalls").asInt());
    }

    private void write(UUID conversationId, String value) {
        try (Connection c = dataSource.getConnection()) {
            write(c, conversationId, value);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the pending action: " + e.getMessage(), e);
        }
    }

    private static void write(Connection c, UUID conversationId, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE conversation SET pending_action = ?::jsonb WHERE id = ?")) {
            ps.setString(1, value);
            ps.setObject(2, conversationId);
            ps.executeUpdate();
        }
    }
}
