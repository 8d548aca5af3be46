package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A conversation's persisted memory (table {@code conversation_message}) and the window of it sent to the model.
 * The agent loop reads a conversation once per turn and chooses each step's window from what it read plus what it
 * stored since ({@link #window(List, UUID, int)}).
 *
 * <p>Window rule: whole turns only (a turn = the user's message, every assistant tool call and tool result, and the
 * final reply), newest first, while their tokens fit the agent's budget; the current turn is always kept. So the
 * window always starts with a user message and never separates a tool call from its result. Older turns are
 * dropped (not summarised); {@link Window#droppedTurns()} says how many, for the system prompt. Tokens are
 * estimated as characters / 4, rounded up.
 */
@ApplicationScoped
public class ConversationMemory {

    @Inject AgroalDataSource dataSource;
    @Inject ObjectMapper json;

    /**
     * One stored message.
     *
     * @param seq 1-based position in the conversation
     * @param turnId the turn it belongs to
     * @param role {@code user}, {@code assistant} or {@code tool}
     * @param content text (null for an assistant message that only calls tools)
     * @param toolCalls assistant tool calls {@code [{"id","name","arguments"}]}, or null
     * @param toolCallId for a tool result: the call it answers
     * @param toolName for a tool result: the tool
     * @param tokens estimated tokens
     * @param createdAt when it was stored
     */
    public record Message(int seq, UUID turnId, String role, String content, JsonNode toolCalls, String toolCallId,
                          String toolName, int tokens, Instant createdAt) {}

    /**
     * The messages sent to the model.
     *
     * @param messages whole turns, oldest first
     * @param droppedTurns how many older turns did not fit the budget
     */
    public record Window(List<Message> messages, int droppedTurns) {}

    /** Estimated tokens of a text: characters / 4, rounded up. */
    public static int estimateTokens(String text) {
        return text == null ? 0 : (text.length() + 3) / 4;
    }

    /** Every message of a conversation, in order. */
    public List<Message> all(UUID conversationId) {
        List<Message> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("""
                     SELECT seq, turn_id, role, content, tool_calls::text, tool_call_id, tool_name, tokens, created_at
                     FROM conversation_message WHERE conversation_id = ? ORDER BY seq""")) {
            ps.setObject(1, conversationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String calls = rs.getString(5);
                    out.add(new Message(rs.getInt(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                            calls == null ? null : json.readTree(calls), rs.getString(6), rs.getString(7), rs.getInt(8),
                            rs.getTimestamp(9).toInstant()));
                }
            }
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot read conversation " + conversationId + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The window for the next model call, chosen from a conversation's messages.
     *
     * @param messages every message of the conversation, in order (as {@link #all} returns them, plus those the turn in
     *     progress has stored since)
     * @param currentTurn the turn in progress (always kept whole)
     * @param budgetTokens the agent's memory budget
     */
    public static Window window(List<Message> messages, UUID currentTurn, int budgetTokens) {
        Map<UUID, List<Message>> turns = new LinkedHashMap<>();
        for (Message m : messages) turns.computeIfAbsent(m.turnId(), k -> new ArrayList<>()).add(m);
        List<List<Message>> ordered = new ArrayList<>(turns.values());
        List<List<Message>> kept = new ArrayList<>();
        int used = 0;
        for (int i = ordered.size() - 1; i >= 0; i--) {
            List<Message> turn = ordered.get(i);
            int t = turn.stream().mapToInt(Message::tokens).sum();
            boolean current = turn.getFirst().turnId().equals(currentTurn);
            if (!current && used + t > budgetTokens) break;
            // a turn must start with the user's message; a damaged one (never expected) is left out
            if (!"user".equals(turn.getFirst().role())) break;
            kept.addFirst(turn);
            used += t;
        }
        List<Message> flat = new ArrayList<>();
        kept.forEach(flat::addAll);
        return new Window(flat, ordered.size() - kept.size());
    }

    /** Work done in the transaction of an append (audit events, the pending action), so that a step costs one commit. */
    @FunctionalInterface
    public interface InTransaction {
        /** Runs on the append's connection, before the commit. */
        void run(Connection c) throws SQLException;
    }

    /**
     * Appends messages at the end of the conversation (positions assigned here, in one transaction).
     *
     * @param messages role, content, tool fields; {@code seq} and {@code createdAt} are ignored
     */
    public void append(UUID conversationId, List<Message> messages) {
        append(conversationId, messages, true, c -> {});
    }

    /**
     * Appends messages at the end of the conversation and runs {@code more}, in one transaction.
     *
     * @param messages role, content, tool fields; {@code seq} and {@code createdAt} are ignored
     * @param durable false to commit without waiting for the write-ahead log to reach the disk
     *     ({@code synchronous_commit = off}): a crash of PostgreSQL may then lose this transaction whole (never part of
     *     it), until a later durable commit, which makes it durable too
     * @param more further writes of the same transaction
     */
    public void append(UUID conversationId, List<Message> messages, boolean durable, InTransaction more) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (!durable) {
                    try (Statement st = c.createStatement()) {
                        st.execute("SET LOCAL synchronous_commit = off");
                    }
                }
                int seq;
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT coalesce(max(seq), 0) FROM conversation_message WHERE conversation_id = ?")) {
                    ps.setObject(1, conversationId);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        seq = rs.getInt(1);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO conversation_message (conversation_id, seq, turn_id, role, content, tool_calls, tool_call_id,
                                                          tool_name, tokens, created_at)
                        VALUES (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)""")) {
                    for (Message m : messages) {
                        ps.setObject(1, conversationId);
                        ps.setInt(2, ++seq);
                        ps.setObject(3, m.turnId());
                        ps.setString(4, m.role());
                        ps.setString(5, m.content() == null ? null : m.content().replace("\0", "")); // text columns refuse NUL
                        ps.setString(6, m.toolCalls() == null ? null : json.writeValueAsString(m.toolCalls()));
                        ps.setString(7, m.toolCallId());
                        ps.setString(8, m.toolName());
                        ps.setInt(9, m.tokens());
                        ps.setTimestamp(10, Timestamp.from(Instant.now()));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE conversation SET updated_at = now() WHERE id = ?")) {
                    ps.setObject(1, conversationId);
                    ps.executeUpdate();
                }
                more.run(c);
                c.commit();
            } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot store messages of conversation " + conversationId + ": " + e.getMessage(), e);
        }
    }
}
