package dev.lore.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.chat.Answer;
import dev.lore.chat.Citation;
import dev.lore.retrieval.SearchResult;
import dev.lore.security.Caller;
import io.agroal.api.AgroalDataSource;
import io.quarkus.qute.TemplateData;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The chat page's conversations, turns and ratings (tables {@code chat_thread}, {@code chat_turn}, {@code feedback}).
 * A thread is readable by the person who started it only; every method takes the {@link Caller} and filters on its
 * tenant and user name. The console reads a tenant's threads through {@link #tenantThreads}; ratings of both kinds are
 * read by {@link dev.lore.eval.FeedbackStore}.
 */
@ApplicationScoped
public class ChatStore {

    private static final TypeReference<List<Citation>> CITATIONS = new TypeReference<>() {};
    private static final TypeReference<List<Map<String, Object>>> TRACE = new TypeReference<>() {};

    @Inject AgroalDataSource dataSource;
    @Inject ObjectMapper json;

    /** A conversation as listed. */
    @TemplateData
    public record ChatThread(UUID id, String owner, String title, Instant createdAt, Instant updatedAt, int turns) {}

    /** One question and its answer, with the asker's rating if any. */
    @TemplateData
    public record Turn(UUID id, UUID threadId, int seq, String question, String answer, String mode, String model, String notice,
                       List<Citation> citations, List<Map<String, Object>> retrieval, Integer firstTokenMs, Integer durationMs,
                       Instant createdAt, Integer rating, String comment) {}

    /** Starts a conversation of {@code caller}. */
    public ChatThread create(Caller caller, String title) {
        UUID id = UUID.randomUUID();
        update("INSERT INTO chat_thread (id, tenant_id, owner, title) VALUES (?, ?, ?, ?)", id, caller.tenant(), caller.username(), shorten(title, 80));
        return thread(caller, id).orElseThrow();
    }

    /** The caller's conversations, most recent first. */
    public List<ChatThread> threads(Caller caller, int limit) {
        return threads("t.tenant_id = ? AND t.owner = ?", limit, caller.tenant(), caller.username());
    }

    /** A conversation of the caller. */
    public Optional<ChatThread> thread(Caller caller, UUID id) {
        return threads("t.id = ? AND t.tenant_id = ? AND t.owner = ?", 1, id, caller.tenant(), caller.username()).stream().findFirst();
    }

    /** The tenant's conversations, most recent first (admins' console). */
    public List<ChatThread> tenantThreads(String tenant, int limit) {
        return threads("t.tenant_id = ?", limit, tenant);
    }

    /** Renames a conversation after its first question. */
    public void retitle(UUID threadId, String title) {
        update("UPDATE chat_thread SET title = ? WHERE id = ?", shorten(title, 80), threadId);
    }

    /** A conversation's turns, oldest first. */
    public List<Turn> turns(UUID threadId) {
        return turns("t.thread_id = ? ORDER BY t.seq", threadId);
    }

    /** One turn of a conversation of the caller. */
    public Optional<Turn> turn(Caller caller, UUID turnId) {
        return turns("t.id = ? AND t.tenant_id = ? AND th.owner = ?", turnId, caller.tenant(), caller.username()).stream().findFirst();
    }

    /** Stores an answered question as the conversation's next turn; returns its id. */
    public UUID addTurn(ChatThread thread, String tenant, String question, Answer answer, List<SearchResult> retrieved,
                        Integer firstTokenMs, int durationMs) {
        UUID id = UUID.randomUUID();
        List<Map<String, Object>> trace = new ArrayList<>();
        for (SearchResult r : retrieved) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("chunkId", r.chunkId());
            m.put("documentId", r.documentId());
            m.put("title", r.title());
            m.put("headingPath", r.headingPath());
            m.put("score", r.score());
            m.put("vectorScore", r.vectorScore());
            m.put("textScore", r.textScore());
            trace.add(m);
        }
        update("""
                INSERT INTO chat_turn (id, thread_id, tenant_id, seq, question, answer, mode, model, notice, citations, retrieval,
                                       first_token_ms, duration_ms)
                VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM chat_turn WHERE thread_id = ?), ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)""",
                id, thread.id(), tenant, thread.id(), question, answer.answer(), answer.mode(), answer.model(), answer.notice(),
                write(answer.citations()), write(trace), firstTokenMs, durationMs);
        update("UPDATE chat_thread SET updated_at = now() WHERE id = ?", thread.id());
        return id;
    }

    /** Records (or replaces) the caller's rating of one of their answers, with the turn's retrieval trace. */
    public void rate(Caller caller, Turn turn, int rating, String comment) {
        String c = comment == null || comment.isBlank() ? null : shorten(comment.strip(), 2000);
        update("""
                INSERT INTO feedback (turn_id, tenant_id, username, rating, comment, question, mode, retrieval)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb)
                ON CONFLICT (turn_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, updated_at = now()""",
                turn.id(), caller.tenant(), caller.username(), (short) rating, c, turn.question(), turn.mode(), write(turn.retrieval()));
    }

    private List<ChatThread> threads(String where, int limit, Object... args) {
        Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = limit;
        return query("SELECT t.id, t.owner, t.title, t.created_at, t.updated_at, (SELECT count(*) FROM chat_turn x WHERE x.thread_id = t.id) "
                        + "FROM chat_thread t WHERE " + where + " ORDER BY t.updated_at DESC LIMIT ?",
                rs -> new ChatThread(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
                        rs.getTimestamp(5).toInstant(), rs.getInt(6)), all);
    }

    private List<Turn> turns(String where, Object... args) {
        return query("""
                SELECT t.id, t.thread_id, t.seq, t.question, t.answer, t.mode, t.model, t.notice, t.citations::text, t.retrieval::text,
                       t.first_token_ms, t.duration_ms, t.created_at, f.rating, f.comment
                FROM chat_turn t JOIN chat_thread th ON th.id = t.thread_id LEFT JOIN feedback f ON f.turn_id = t.id WHERE """ + " " + where,
                rs -> new Turn(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getInt(3), rs.getString(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getString(8), read(rs.getString(9), CITATIONS), read(rs.getString(10), TRACE),
                        (Integer) rs.getObject(11), (Integer) rs.getObject(12), rs.getTimestamp(13).toInstant(),
                        rs.getObject(14) == null ? null : rs.getInt(14), rs.getString(15)), args);
    }

    private interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, Row<T> row, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(row.map(rs));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read conversations: " + e.getMessage(), e);
        }
    }

    private void update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the conversation: " + e.getMessage(), e);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String shorten(String s, int max) {
        String t = s == null ? "" : s.strip().replaceAll("\\s+", " ");
        return t.length() <= max ? t : t.substring(0, max - 1) + "…";
    }
}
