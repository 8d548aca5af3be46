package dev.lore.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * A conversation turn as server-sent events: the {@link TurnListener} of the streaming API.
 *
 * <p>Events, each with JSON data: {@code token} {@code {"step","text"}} as the model writes; {@code tool_call}
 * {@code {"step","id","name","arguments"}} before a tool runs (arguments after repair); {@code tool_result}
 * {@code {"step","id","name","ok","resultSize","error"?}} when it has run; then exactly one of {@code message} (the
 * same JSON as the non-streaming reply) or {@code error} ({@code {"status","title","detail","conversationId",
 * "turnId"?,"stopReason"?}}: the model server failed, {@code stopReason} {@code model_unavailable}, or Lore did), and
 * the stream ends. The turn runs on a virtual thread of its own and runs to its end even when the client goes away,
 * so the transcript is the same as with the JSON API.
 */
final class TurnEventStream implements TurnListener {

    private static final Logger LOG = Logger.getLogger(TurnEventStream.class);
    private static final ExecutorService TURNS = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("lore-turn-", 0).factory());

    private final MultiEmitter<? super OutboundSseEvent> emitter;
    private final Sse sse;
    private final ObjectMapper json;

    private TurnEventStream(MultiEmitter<? super OutboundSseEvent> emitter, Sse sse, ObjectMapper json) {
        this.emitter = emitter;
        this.sse = sse;
        this.json = json;
    }

    /**
     * The events of one turn.
     *
     * @param conversationId the conversation, for the error event
     * @param turn runs the turn with the listener it is given and returns the reply
     */
    static Multi<OutboundSseEvent> of(Sse sse, ObjectMapper json, java.util.UUID conversationId,
                                      Function<TurnListener, ConversationResource.Reply> turn) {
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            TurnEventStream events = new TurnEventStream(emitter, sse, json);
            try {
                ConversationResource.Reply reply = turn.apply(events);
                if ("model_unavailable".equals(reply.stopReason())) {
                    events.emit("error", events.problem(503, "Model unavailable", reply.reply(), conversationId)
                            .put("turnId", reply.turnId().toString()).put("stopReason", reply.stopReason()));
                } else {
                    events.emit("message", reply);
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "turn of conversation %s failed", conversationId);
                events.emit("error", events.problem(500, "Internal Server Error",
                        "an unexpected error occurred; see the server log", conversationId));
            }
            emitter.complete();
        }).runSubscriptionOn(TURNS);
    }

    @Override
    public boolean streaming() {
        return true;
    }

    @Override
    public void token(int step, String text) {
        emit("token", json.createObjectNode().put("step", step).put("text", text));
    }

    @Override
    public void toolCall(int step, String id, String name, JsonNode arguments) {
        ObjectNode data = json.createObjectNode().put("step", step).put("id", id).put("name", name);
        data.set("arguments", arguments);
        emit("tool_call", data);
    }

    @Override
    public void toolResult(int step, String id, String name, boolean ok, int resultSize, String error) {
        ObjectNode data = json.createObjectNode().put("step", step).put("id", id).put("name", name).put("ok", ok)
                .put("resultSize", resultSize);
        if (error != null) data.put("error", error.length() > 500 ? error.substring(0, 500) + "…" : error);
        emit("tool_result", data);
    }

    private ObjectNode problem(int status, String title, String detail, java.util.UUID conversationId) {
        return json.createObjectNode().put("status", status).put("title", title).put("detail", detail)
                .put("conversationId", conversationId.toString());
    }

    /** Sends one event, unless the client has gone away (the turn goes on regardless). */
    private void emit(String name, Object data) {
        if (emitter.isCancelled()) return;
        try {
            emitter.emit(sse.newEventBuilder().name(name)
                    .data(String.class, json.writeValueAsString(data)).build());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
