package dev.lore.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.chat.Answer;
import dev.lore.agent.Agent;
import dev.lore.agent.AgentService;
import dev.lore.chat.AnswerService;
import dev.lore.chat.ChatSettings;
import dev.lore.connector.DocumentResource;
import dev.lore.platform.ApiException;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchResult;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import dev.lore.security.Tenants;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.resteasy.reactive.RestForm;

/**
 * The employees' chat page: {@code /chat}. Conversations of the signed-in person, answers streamed token by token
 * ({@code POST /chat/ask} as server-sent events {@code thread}, {@code token}…, {@code done} with the rendered turn),
 * numbered citations linking to the cited passage, the answer's mode, and a rating per answer. Without JavaScript the
 * same form gets the whole answer and the page reloads.
 */
@Path("/chat")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR, Caller.USER})
public class ChatPage {

    @Inject Pages pages;
    @Inject Callers callers;
    @Inject ChatStore store;
    @Inject AnswerService answers;
    @Inject AgentService agents;
    @Inject DocumentResource documents;
    @Inject ObjectMapper json;

    @Inject @Location("chat/page.html") Template page;
    @Inject @Location("chat/turn.html") Template turn;
    @Inject @Location("chat/threads.html") Template threads;
    @Inject @Location("chat/feedback.html") Template feedback;
    @Inject @Location("chat/source.html") Template source;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance home() {
        return view(null);
    }

    @GET
    @Path("c/{id}")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance conversation(@PathParam("id") UUID id) {
        return view(store.thread(callers.current(), id).orElseThrow(() -> ApiException.notFound("conversation " + id)));
    }

    private TemplateInstance view(ChatStore.ChatThread current) {
        Caller caller = callers.current();
        return pages.page(page.data("threads", store.threads(caller, 50)).data("current", current)
                .data("turns", current == null ? List.of() : store.turns(current.id()).stream().map(t -> rendered(t, pages.me())).toList()));
    }

    @GET
    @Path("threads")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance threadList(@QueryParam("current") UUID current) {
        return threads.data("threads", store.threads(callers.current(), 50)).data("current", current);
    }

    @POST
    @Path("ask")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> ask(@RestForm String thread, @RestForm String message, @Context Sse sse) {
        long start = System.nanoTime();
        Caller caller = callers.current();
        String question = question(message);
        ChatStore.ChatThread t = threadFor(caller, thread, question);
        Pages.Me me = pages.me();
        ChatSettings settings = settings(caller);
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            try {
                Tenants.run(caller.tenant(), () -> {
                    emitter.emit(event(sse, "thread", Map.of("id", t.id(), "url", "/chat/c/" + t.id(), "title", t.title())));
                    List<SearchResult> retrieved = answers.retrieve(question, SearchFilters.NONE, settings, caller);
                    AtomicLong firstToken = new AtomicLong(-1);
                    answers.stream(question, retrieved, settings, token -> {
                        firstToken.compareAndSet(-1, System.nanoTime());
                        emitter.emit(event(sse, "token", Map.of("text", token)));
                    }, answer -> {
                        Integer ttft = firstToken.get() < 0 ? null : (int) ((firstToken.get() - start) / 1_000_000);
                        UUID turnId = store.addTurn(t, caller.tenant(), question, answer, retrieved, ttft, (int) ((System.nanoTime() - start) / 1_000_000));
                        ChatStore.Turn saved = store.turn(caller, turnId).orElseThrow();
                        emitter.emit(event(sse, "done", Map.of("turnId", turnId, "mode", answer.mode(), "html", rendered(saved, me).render())));
                    });
                });
                emitter.complete();
            } catch (RuntimeException e) {
                emitter.emit(event(sse, "error", Map.of("detail", "The answer failed: " + String.valueOf(e.getMessage()))));
                emitter.complete();
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The chat page answers as the tenant's default agent, like {@code /api/v1/chat}. */
    private ChatSettings settings(Caller caller) {
        return ChatSettings.of(agents.find(caller.tenant(), Agent.DEFAULT_NAME));
    }

    /** The same question without JavaScript: answers in one piece, then shows the conversation. */
    @POST
    @Path("ask")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Response askPlain(@RestForm String thread, @RestForm String message) {
        long start = System.nanoTime();
        Caller caller = callers.current();
        String question = question(message);
        ChatStore.ChatThread t = threadFor(caller, thread, question);
        ChatSettings settings = settings(caller);
        List<SearchResult> retrieved = answers.retrieve(question, SearchFilters.NONE, settings, caller);
        Answer[] result = new Answer[1];
        answers.stream(question, retrieved, settings, token -> {}, a -> result[0] = a);
        store.addTurn(t, caller.tenant(), question, result[0], retrieved, null, (int) ((System.nanoTime() - start) / 1_000_000));
        return Response.seeOther(URI.create("/chat/c/" + t.id())).build();
    }

    @POST
    @Path("turns/{id}/feedback")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Response rate(@PathParam("id") UUID id, @RestForm String rating, @RestForm String comment,
                         @jakarta.ws.rs.HeaderParam("HX-Request") String htmx) {
        Caller caller = callers.current();
        ChatStore.Turn t = store.turn(caller, id).orElseThrow(() -> ApiException.notFound("answer " + id));
        int r = switch (rating == null ? "" : rating) {
            case "up" -> 1;
            case "down" -> -1;
            default -> throw ApiException.badRequest("rating must be up or down");
        };
        store.rate(caller, t, r, comment);
        if (htmx == null) return Response.seeOther(URI.create("/chat/c/" + t.threadId() + "#turn-" + id)).build();
        ChatStore.Turn updated = store.turn(caller, id).orElseThrow();
        return Response.ok(feedback.data("t", updated).data("me", pages.me()).render(), MediaType.TEXT_HTML_TYPE).build();
    }

    /** A cited document as the asker may read it, the cited passage marked. */
    @GET
    @Path("documents/{id}")
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance document(@PathParam("id") UUID id, @QueryParam("chunk") UUID chunk) {
        return pages.page(source.data("doc", documents.get(id)).data("chunks", documents.chunks(id)).data("cited", chunk));
    }

    private String question(String message) {
        String q = message == null ? "" : message.replace("\0", "").strip();
        if (q.isEmpty() || q.length() > 4000) throw ApiException.badRequest("a question of 1 to 4,000 characters is needed");
        return q;
    }

    private ChatStore.ChatThread threadFor(Caller caller, String thread, String question) {
        if (thread == null || thread.isBlank()) return store.create(caller, question);
        UUID id;
        try {
            id = UUID.fromString(thread.strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("unknown conversation");
        }
        return store.thread(caller, id).orElseThrow(() -> ApiException.notFound("conversation " + id));
    }

    private TemplateInstance rendered(ChatStore.Turn t, Pages.Me me) {
        return turn.data("t", t).data("html", Markdown.render(t.answer(), "c-" + t.id() + "-")).data("me", me);
    }

    private OutboundSseEvent event(Sse sse, String name, Object data) {
        try {
            return sse.newEventBuilder().name(name)
                    .data(String.class, json.writeValueAsString(data)).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
