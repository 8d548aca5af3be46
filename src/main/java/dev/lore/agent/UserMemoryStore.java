package dev.lore.agent;

import dev.lore.embedding.EmbeddingService;
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
 * Long-term memories of end users (table {@code user_memory}), each stored with its embedding so recall is
 * semantic (cosine over the embedding model's vectors). Erasing a user removes every memory, conversation, message
 * and audit event of that user: nothing is left behind.
 */
@ApplicationScoped
public class UserMemoryStore {

    @Inject AgroalDataSource dataSource;
    @Inject EmbeddingService embeddings;

    /**
     * One memory.
     *
     * @param id memory id
     * @param text what was remembered
     * @param score cosine similarity to the recall query, or null outside recall
     * @param createdAt when
     */
    public record Memory(UUID id, String text, Double score, Instant createdAt) {}

    /** Stores a memory; returns its id. */
    public UUID remember(String tenantId, String endUserId, String text, UUID conversationId) {
        UUID id = UUID.randomUUID();
        String vector = EmbeddingService.toPgVector(embeddings.embedPassages(List.of(text)).getFirst());
        update("INSERT INTO user_memory (id, tenant_id, end_user_id, text, embedding, source_conversation) VALUES (?, ?, ?, ?, ?::vector, ?)",
                id, tenantId, endUserId, text, vector, conversationId);
        return id;
    }

    /** The {@code limit} memories closest in meaning to {@code query}, best first. */
    public List<Memory> recall(String tenantId, String endUserId, String query, int limit) {
        int d = embeddings.dimension();
        String vector = EmbeddingService.toPgVector(embeddings.embedQuery(query));
        return query("SELECT id, text, 1 - (embedding::vector(" + d + ") <=> ?::vector(" + d + ")), created_at FROM user_memory "
                + "WHERE tenant_id = ? AND end_user_id = ? ORDER BY embedding::vector(" + d + ") <=> ?::vector(" + d + ") LIMIT ?",
                true, vector, tenantId, endUserId, vector, limit);
    }

    /** Every memory of a user, newest first. */
    public List<Memory> list(String tenantId, String endUserId) {
        return query("SELECT id, text, NULL, created_at FROM user_memory WHERE tenant_id = ? AND end_user_id = ? ORDER BY created_at DESC",
                false, tenantId, endUserId);
    }

    /** Deletes one memory of a user; returns whether it existed. */
    public boolean forget(String tenantId, String endUserId, UUID id) {
        return update("DELETE FROM user_memory WHERE id = ? AND tenant_id = ? AND end_user_id = ?", id, tenantId, endUserId) > 0;
    }

    /**
     * Right to be forgotten: deletes every memory and every conversation (with its messages, audit events and ratings)
     * of an end user, and the eval cases an admin made from the user's turns (they quote the user's words), in one
     * transaction.
     *
     * @return how many memories, conversations and eval cases were deleted
     */
    public int[] eraseUser(String tenantId, String endUserId) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement m = c.prepareStatement("DELETE FROM user_memory WHERE tenant_id = ? AND end_user_id = ?");
                 PreparedStatement cases = c.prepareStatement("DELETE FROM eval_case e WHERE e.tenant_id = ? AND e.source_turn IN ("
                         + "SELECT cm.turn_id FROM conversation_message cm JOIN conversation cv ON cv.id = cm.conversation_id"
                         + " WHERE cv.tenant_id = ? AND cv.end_user_id = ?)");
                 PreparedStatement conv = c.prepareStatement("DELETE FROM conversation WHERE tenant_id = ? AND end_user_id = ?")) {
                m.setString(1, tenantId);
                m.setString(2, endUserId);
                cases.setString(1, tenantId);
                cases.setString(2, tenantId);
                cases.setString(3, endUserId);
                conv.setString(1, tenantId);
                conv.setString(2, endUserId);
                int memories = m.executeUpdate(), evalCases = cases.executeUpdate();
                int[] out = {memories, conv.executeUpdate(), evalCases};
                c.commit();
                return out;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot erase end user: " + e.getMessage(), e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("memory store failed: " + e.getMessage(), e);
        }
    }

    private List<Memory> query(String sql, boolean scored, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            List<Memory> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Memory(rs.getObject(1, UUID.class), rs.getString(2), scored ? rs.getDouble(3) : null,
                            rs.getTimestamp(4).toInstant()));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("memory store failed: " + e.getMessage(), e);
        }
    }
}
