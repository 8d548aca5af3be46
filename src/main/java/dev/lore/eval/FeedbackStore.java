package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.eval.FeedbackResource.FeedbackView;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The tenant's rated answers of both kinds, read from PostgreSQL: bot-API agent turns ({@code agent_feedback}, with
 * their tool calls) and chat-page turns ({@code feedback}, with the retrieved chunks, the citations and the answer's
 * mode). The API ({@link FeedbackResource}) and the console read them here.
 */
@ApplicationScoped
public class FeedbackStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String SELECT = """
            SELECT * FROM (
              SELECT f.turn_id, 'agent' AS kind, f.conversation_id, f.username, f.rating, f.comment, f.question, f.reply AS answer,
                     f.trace::text AS trace, f.updated_at
              FROM agent_feedback f WHERE f.tenant_id = ?
              UNION ALL
              SELECT f.turn_id, 'chat', t.thread_id, f.username, f.rating, f.comment, f.question, t.answer,
                     jsonb_build_object('retrieval', f.retrieval, 'citations', t.citations, 'mode', f.mode)::text, f.updated_at
              FROM feedback f JOIN chat_turn t ON t.id = f.turn_id WHERE f.tenant_id = ?
            ) r""";

    @Inject AgroalDataSource dataSource;

    /** The tenant's ratings, newest first, at most {@code limit} (clamped to 1..1000). */
    public List<FeedbackView> list(String tenant, int limit) {
        return query(SELECT + " ORDER BY updated_at DESC LIMIT ?", tenant, tenant, Math.max(1, Math.min(limit, 1000)));
    }

    /** The rating of one turn of the tenant, if it was rated. */
    public Optional<FeedbackView> find(String tenant, UUID turnId) {
        return query(SELECT + " WHERE turn_id = ?", tenant, tenant, turnId).stream().findFirst();
    }

    private List<FeedbackView> query(String sql, Object... args) {
        List<FeedbackView> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new FeedbackView(rs.getObject(1, UUID.class), rs.getString(2), rs.getObject(3, UUID.class), rs.getString(4),
                            rs.getInt(5), rs.getString(6), rs.getString(7), rs.getString(8), tree(rs.getString(9)), rs.getTimestamp(10).toInstant()));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("feedback: " + e.getMessage(), e);
        }
        return out;
    }

    private static JsonNode tree(String s) {
        try {
            return s == null ? JSON.createArrayNode() : JSON.readTree(s);
        } catch (IOException e) {
            return JSON.createArrayNode();
        }
    }
}
