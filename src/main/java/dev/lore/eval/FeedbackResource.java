package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.agent.Conversation;
import dev.lore.agent.ConversationMemory;
import dev.lore.platform.ApiException;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import io.agroal.api.AgroalDataSource;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Ratings of answers and their conversion into evaluation cases: {@code /api/v1/feedback}.
 *
 * <p>Anyone rates their own answers: a bot-API agent turn (the conversation's owner) or a chat-page turn (its
 * asker; the page itself posts through its own form). A rating is stored with the turn's trace: the retrieved chunks
 * of a chat answer, the tool calls and results of an agent turn. Admins list ratings and turn one into an eval case
 * with one call: a thumbs-up keeps what the turn did as the expectation (the answer as reference and its cited
 * documents, or the agent's tool calls); a thumbs-down needs the expectation in the call (facts, documents to cite or
 * expected tool calls), since the turn itself was wrong.
 */
@Path("/api/v1/feedback")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Feedback")
public class FeedbackResource {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject AgroalDataSource dataSource;
    @Inject Callers callers;
    @Inject ConversationMemory memory;
    @Inject FeedbackStore feedback;
    @Inject FeedbackCases cases;
    @Inject dev.lore.web.ChatStore chatStore;

    /**
     * A rating.
     *
     * @param turnId the turn rated: an agent turn ({@code turnId} of a conversation reply) or a chat-page turn
     * @param rating 1 (thumbs up) or -1 (thumbs down)
     * @param comment optional, at most 2,000 characters
     */
    public record Rate(@NotNull UUID turnId, @NotNull @Pattern(regexp = "1|-1", message = "must be \"1\" (helpful) or \"-1\" (not helpful)") String rating, @Size(max = 2000) String comment) {}

    /**
     * A rating as listed.
     *
     * @param kind {@code agent} (bot API) or {@code chat} (chat page)
     * @param trace tool calls (agent), or {@code {retrieval, citations, mode}} (chat) when it was rated
     */
    public record FeedbackView(UUID turnId, String kind, UUID conversationId, String username, int rating, String comment, String question,
                               String answer, JsonNode trace, Instant at) {}

    /**
     * What the eval case should expect, overriding what is taken from the turn.
     *
     * @param suite stored suite to add the case to (default {@code feedback})
     * @param caseId case id (default {@code fb-<first 8 of the turn id>})
     * @param facts facts the answer must contain
     * @param cite document keys or URIs that must be cited
     * @param reference reference answer
     * @param expectedCalls expected tool calls {@code [{name, arguments}]} (agent turns)
     */
    public record CaseRequest(@Pattern(regexp = "[a-z0-9][a-z0-9._-]{0,80}") String suite, @Size(max = 100) String caseId, List<String> facts,
                              List<String> cite, @Size(max = 20_000) String reference, JsonNode expectedCalls) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Caller.ADMIN, Caller.CURATOR, Caller.USER})
    @Operation(summary = "Rate an answer", description = "Thumbs up (1) or down (-1) with an optional comment, on a turn of your own; rating again replaces it.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "recorded")
    public Response rate(@Valid @NotNull Rate body) {
        Caller caller = callers.current();
        int rating = Integer.parseInt(body.rating());
        String comment = body.comment() == null || body.comment().isBlank() ? null : body.comment().strip();
        AgentTurn turn = agentTurn(body.turnId(), caller.tenant());
        if (turn != null) {
            if (!caller.username().equals(turn.conversation().owner)) throw new ApiException(404, "Not Found", "no such turn " + body.turnId() + " among your conversations");
            update("""
                    INSERT INTO agent_feedback (turn_id, conversation_id, tenant_id, username, rating, comment, question, reply, trace)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
                    ON CONFLICT (turn_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, updated_at = now()""",
                    body.turnId(), turn.conversation().id, caller.tenant(), caller.username(), (short) rating, comment, turn.question(), turn.reply(),
                    turn.trace().toString());
            return Response.noContent().build();
        }
        // a chat-page turn: the page's own rating code (ChatStore) records it, for the turn's asker only
        dev.lore.web.ChatStore.Turn chat = chatStore.turn(caller, body.turnId())
                .orElseThrow(() -> new ApiException(404, "Not Found", "no such turn " + body.turnId() + " among your conversations"));
        chatStore.rate(caller, chat, rating, comment);
        return Response.noContent().build();
    }

    @GET
    // admins only, like conversations: a rating carries the question, the answer and the turn's retrieval and tool
    // results, which hold text of documents only the asker may read (a curator read them here)
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Ratings", description = "The tenant's rated answers (chat page and bot API), newest first; admins only (they hold conversation text). limit: 1 or more (default 100; at most 1000 are returned).")
    public List<FeedbackView> list(@QueryParam("limit") @DefaultValue("100") @jakarta.validation.constraints.Min(1) int limit) {
        return feedback.list(callers.current().tenant(), limit);
    }

    @POST
    @Path("{turnId}/eval-case")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Turn a rated answer into an eval case",
            description = "201 with the case (a suite line), stored in the suite named (default feedback); run it with POST /api/v1/evaluations {\"suite\":\"feedback\"}.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "201", description = "the case, added to the suite: {\"suite\", \"case\"}")
    public Response toEvalCase(@PathParam("turnId") UUID turnId, @Valid CaseRequest body) {
        FeedbackCases.Made made = cases.make(callers.current(), turnId, body);
        return Response.status(201).entity(Map.of("suite", made.suite(), "case", made.body())).build();
    }

    /** An agent turn: its conversation, the user's message, the final reply and the tool trace. */
    private record AgentTurn(Conversation conversation, String question, String reply, ArrayNode trace) {}

    private AgentTurn agentTurn(UUID turnId, String tenant) {
        UUID[] conv = new UUID[1];
        query("SELECT m.conversation_id FROM conversation_message m JOIN conversation c ON c.id = m.conversation_id "
                + "WHERE m.turn_id = ? AND c.tenant_id = ? LIMIT 1", rs -> conv[0] = rs.getObject(1, UUID.class), turnId, tenant);
        if (conv[0] == null) return null;
        Conversation c = Conversation.findById(conv[0]);
        String question = null, reply = "";
        ArrayNode trace = JSON.createArrayNode();
        Map<String, ObjectNode> byCall = new java.util.HashMap<>();
        for (ConversationMemory.Message m : memory.all(conv[0])) {
            if (!turnId.equals(m.turnId())) continue;
            switch (m.role()) {
                case "user" -> question = m.content();
                case "assistant" -> {
                    if (m.content() != null && !m.content().isBlank()) reply = m.content();
                    if (m.toolCalls() != null) for (JsonNode call : m.toolCalls()) {
                        ObjectNode t = trace.addObject().put("name", call.path("name").asText());
                        t.set("arguments", parse(call.path("arguments")));
                        byCall.put(call.path("id").asText(), t);
                    }
                }
                case "tool" -> {
                    ObjectNode t = byCall.get(m.toolCallId());
                    String r = m.content() == null ? "" : m.content();
                    if (t != null) t.put("result", r.length() > 2000 ? r.substring(0, 2000) + "…" : r);
                }
                default -> { }
            }
        }
        return new AgentTurn(c, question == null ? "" : question, reply, trace);
    }

    private static JsonNode parse(JsonNode arguments) {
        if (!arguments.isTextual()) return arguments;
        try {
            return JSON.readTree(arguments.asText());
        } catch (java.io.IOException e) {
            return arguments;
        }
    }

    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    private void query(String sql, RowReader reader, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) reader.read(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("feedback: " + e.getMessage(), e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("feedback: " + e.getMessage(), e);
        }
    }
}
