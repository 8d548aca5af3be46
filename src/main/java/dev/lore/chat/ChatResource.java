package dev.lore.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.agent.Agent;
import dev.lore.agent.AgentService;
import dev.lore.retrieval.SearchFilters;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import dev.lore.security.Tenants;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /api/v1/chat}: a cited answer from the indexed documents, written with the settings of the default agent
 * {@value Agent#DEFAULT_NAME} ({@link ChatSettings}). JSON by default; with {@code Accept: text/event-stream}, events
 * {@code token} ({@code {"text":…}}) as the answer is written, then one {@code done} event carrying the complete
 * {@link Answer} with citations.
 */
@Path("/api/v1/chat")
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Chat")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR, Caller.USER})
public class ChatResource {

    @Inject AnswerService answers;
    @Inject Callers callers;
    @Inject AgentService agents;
    @Inject ObjectMapper json;

    /**
     * A question.
     *
     * @param message the question, up to 4,000 characters
     * @param filters optional retrieval filters
     */
    public record ChatRequest(@NotBlank @Size(max = 4000, message = "at most {max} characters") String message, @Valid SearchFilters filters) {
        /** A misspelt field ({@code filter}, {@code sourceIds} at the top) is refused: ignored, it would widen the search. */
        @com.fasterxml.jackson.annotation.JsonAnySetter
        void unknownField(String name, Object value) {
            throw dev.lore.platform.JsonErrors.unknownField(name, ChatRequest.class, "field");
        }
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Ask a question", description = "Generative answer with citations, or extractive when no model answers.")
    public Answer chat(@Valid @NotNull ChatRequest request) {
        return answers.answer(request.message().replace("\0", ""), filters(request), settings(), callers.current());
    }

    @POST
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @Operation(summary = "Ask a question, streamed", description = "Server-sent events: token…, then done with the answer and citations.")
    public Multi<OutboundSseEvent> stream(@Valid @NotNull ChatRequest request, @Context Sse sse) {
        ChatSettings settings = settings();
        Caller caller = callers.current();
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            try {
                // the stream runs on another worker thread: it names its tenant for the database (row-level security)
                Tenants.run(caller.tenant(), () -> answers.stream(request.message().replace("\0", ""), filters(request), settings, caller,
                        token -> emitter.emit(event(sse, "token", Map.of("text", token))),
                        answer -> emitter.emit(event(sse, "done", answer))));
                emitter.complete();
            } catch (RuntimeException e) {
                emitter.emit(event(sse, "error", Map.of("detail", String.valueOf(e.getMessage()))));
                emitter.complete();
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private OutboundSseEvent event(Sse sse, String name, Object data) {
        try {
            return sse.newEventBuilder().name(name)
                    .data(String.class, json.writeValueAsString(data)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The default agent's settings, read for every request. */
    private ChatSettings settings() {
        return ChatSettings.of(agents.find(callers.current().tenant(), Agent.DEFAULT_NAME));
    }

    private static SearchFilters filters(ChatRequest r) {
        return r.filters() == null ? SearchFilters.NONE : r.filters();
    }
}
