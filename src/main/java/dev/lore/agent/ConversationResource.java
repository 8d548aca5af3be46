package dev.lore.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.platform.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import jakarta.annotation.security.RolesAllowed;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The customer-service bot API: {@code /api/v1/conversations}. A conversation belongs to one agent and one end
 * user; each message runs one agent turn (as one JSON reply, or streamed as server-sent events with
 * {@code Accept: text/event-stream}, see {@link TurnEventStream}); the transcript and the audit trail are readable.
 */
@Path("/api/v1/conversations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Conversations")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR, Caller.USER})
public class ConversationResource {

    @Inject AgentService agents;
    @Inject Callers callers;
    @Inject AgentLoop loop;
    @Inject ConversationMemory memory;
    @Inject AuditLog audit;
    @Inject PendingActions pending;
    @Inject Handover handover;
    @Inject ObjectMapper json;

    /**
     * Body of {@code POST /api/v1/conversations}.
     *
     * @param agent agent id or name; default: the knowledge assistant
     * @param endUserId the end user's id in the client application
     * @param metadata free-form context (channel, locale, order number…)
     */
    public record CreateConversation(String agent, @Size(max = 200) String endUserId, Map<String, Object> metadata) {}

    /** A conversation as the API shows it. */
    public record ConversationView(UUID id, UUID agentId, String endUserId, Map<String, Object> metadata, String status,
                                   String handoverReason, Instant createdAt, Instant updatedAt) {}

    /** A user message: {@code message}, up to 8,000 characters. */
    public record PostMessage(@NotBlank @Size(max = 8000) String message) {}

    /** The agent's reply to one message. */
    public record Reply(UUID conversationId, UUID turnId, String reply, String stopReason, int modelCalls,
                        List<AgentLoop.ToolCallReport> toolCalls, String status) {}

    /** A transcript entry. */
    public record TranscriptMessage(int seq, UUID turnId, String role, String content, Object toolCalls, String toolCallId,
                                    String toolName, Instant createdAt) {}

    /** Body of a hand-over: why a human should take over. */
    public record HandoverRequest(@NotBlank @Size(max = 2000) String reason) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a conversation", description = "201 with the conversation id.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "201", description = "created; Location names the conversation", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = ConversationView.class)))
    public Response create(@Valid CreateConversation body) {
        Caller caller = callers.current();
        Agent agent = agents.find(caller.tenant(), body == null || body.agent() == null ? Agent.DEFAULT_NAME : body.agent());
        Conversation c = new Conversation();
        c.owner = caller.username();
        c.id = UUID.randomUUID();
        c.tenantId = agent.tenantId;
        c.agentId = agent.id;
        c.endUserId = EndUsers.forConversation(caller, body == null ? null : body.endUserId());
        c.metadata = body == null || body.metadata() == null ? Map.of() : body.metadata();
        c.status = Conversation.ACTIVE;
        c.createdAt = c.updatedAt = Instant.now();
        QuarkusTransaction.requiringNew().run(c::persist);
        return Response.created(URI.create("/api/v1/conversations/" + c.id)).entity(view(c, callers.current())).build();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get a conversation")
    public ConversationView get(@PathParam("id") UUID id) {
        return view(load(id), callers.current());
    }

    @jakarta.ws.rs.DELETE
    @Path("{id}")
    @Operation(summary = "Delete a conversation",
            description = "Removes the conversation with its messages, audit events, pending actions and ratings (the owner or an admin); "
                    + "the end user's long-term memories stay: DELETE /api/v1/end-users/{endUserId} erases everything of an end user.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "deleted")
    public Response delete(@PathParam("id") UUID id) {
        Conversation c = load(id);
        QuarkusTransaction.requiringNew().run(() -> Conversation.deleteById(c.id));
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/messages")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send a message", description = "Runs one agent turn and returns the reply with its tool calls.")
    public Reply post(@PathParam("id") UUID id, @Valid @NotNull PostMessage body) {
        Conversation c = open(id);
        Agent agent = agents.find(c.tenantId, c.agentId.toString());
        return reply(id, loop.turn(c, agent, body.message()));
    }

    @POST
    @Path("{id}/messages")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @Operation(summary = "Send a message, streamed", description = "Server-sent events: token, tool_call and tool_result as "
            + "the turn runs, then message (the same JSON as the plain reply) or error. Errors found before the turn starts "
            + "(unknown conversation, handed over, invalid body) are problem+json responses.")
    public Multi<OutboundSseEvent> postStreamed(@PathParam("id") UUID id, @Valid @NotNull PostMessage body, @Context Sse sse) {
        Conversation c = open(id);
        Agent agent = agents.find(c.tenantId, c.agentId.toString());
        return TurnEventStream.of(sse, json, id, listener -> reply(id, loop.turn(c, agent, body.message(), listener)));
    }

    @GET
    @Path("{id}/pending-action")
    @Operation(summary = "The tool calls waiting for confirmation", description = "404 when nothing is pending.")
    public Object pendingAction(@PathParam("id") UUID id) {
        load(id);
        Object p = pending.peek(id);
        if (p == null) throw ApiException.notFound("a pending action of conversation " + id);
        return p;
    }

    @POST
    @Path("{id}/pending-action/{decision}")
    @Operation(summary = "Confirm or reject the pending action", description = "decision: confirm | reject; the turn then continues.")
    public Reply resolve(@PathParam("id") UUID id, @PathParam("decision") String decision) {
        if (!decision.equals("confirm") && !decision.equals("reject")) throw ApiException.badRequest("decision must be confirm or reject");
        Conversation c = loadOwn(id);
        Agent agent = agents.find(c.tenantId, c.agentId.toString());
        try {
            AgentLoop.TurnResult r = loop.resolvePending(c, agent, decision.equals("confirm"));
            return new Reply(id, r.turnId(), r.reply(), r.stopReason(), r.modelCalls(), r.toolCalls(), c.status);
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        }
    }

    @GET
    @Path("{id}/messages")
    @Operation(summary = "The transcript, oldest first")
    public List<TranscriptMessage> transcript(@PathParam("id") UUID id) {
        load(id);
        return memory.all(id).stream().map(m -> new TranscriptMessage(m.seq(), m.turnId(), m.role(), m.content(), m.toolCalls(),
                m.toolCallId(), m.toolName(), m.createdAt())).toList();
    }

    @GET
    @Path("{id}/audit")
    @Operation(summary = "Audit trail: every model call and tool call with arguments, result size, duration and tokens")
    public List<AuditLog.Event> audit(@PathParam("id") UUID id) {
        load(id);
        return audit.events(id);
    }

    @POST
    @Path("{id}/handover")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Hand the conversation over to a human")
    public ConversationView handover(@PathParam("id") UUID id, @Valid @NotNull HandoverRequest body) {
        Conversation c = load(id);
        if (Conversation.HANDED_OVER.equals(c.status)) { // a second one would overwrite the reason and call the webhook again
            throw ApiException.conflict("conversation " + id + " was already handed over (" + c.handoverReason + ")");
        }
        return view(handover.handOver(id, body.reason()), callers.current());
    }

    /** The caller's own conversation, if it takes messages: 404 when unknown, 403 when not theirs, 409 when handed over. */
    private Conversation open(UUID id) {
        Conversation c = loadOwn(id);
        if (Conversation.HANDED_OVER.equals(c.status)) {
            throw ApiException.conflict("conversation " + id + " was handed over to a human (" + c.handoverReason + ")");
        }
        return c;
    }

    private Reply reply(UUID id, AgentLoop.TurnResult r) {
        Conversation now = QuarkusTransaction.requiringNew().call(() -> Conversation.<Conversation>findById(id));
        return new Reply(id, r.turnId(), r.reply(), r.stopReason(), r.modelCalls(), r.toolCalls(), now == null ? null : now.status);
    }

    /**
     * The conversation, if the caller may see it: same tenant, and its owner or an admin. Anything else is a 404
     * (another tenant's ids give nothing away). The caller is attached for the turn's tools.
     */
    private Conversation load(UUID id) {
        Caller caller = callers.current();
        Conversation c = QuarkusTransaction.requiringNew().call(() -> Conversation.<Conversation>findById(id));
        if (c == null || !c.tenantId.equals(caller.tenant()) || !(caller.isAdmin() || caller.username().equals(c.owner))) {
            throw ApiException.notFound("conversation " + id);
        }
        c.caller = caller;
        return c;
    }

    /**
     * The conversation, if the caller started it. Only its owner continues it: a turn runs with the sender's access and
     * its tool results stay in the transcript, so an admin's turn would show the owner what only the admin may read.
     */
    private Conversation loadOwn(UUID id) {
        Conversation c = load(id);
        if (!c.caller.username().equals(c.owner)) throw new ApiException(403, "Forbidden", "only the one who started a conversation can continue it");
        return c;
    }

    private static ConversationView view(Conversation c, Caller caller) {
        return new ConversationView(c.id, c.agentId, EndUsers.shown(caller, c.endUserId), c.metadata, c.status, c.handoverReason, c.createdAt, c.updatedAt);
    }
}
