package dev.lore.agent;

import static dev.lore.agent.AgentLoopTest.assertConsistent;
import static dev.lore.agent.AgentLoopTest.conversation;
import static dev.lore.agent.AgentLoopTest.transcript;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Call;
import dev.lore.support.ScriptedOpenAiServer.Step;
import dev.lore.support.SseEvents;
import dev.lore.support.SseEvents.Event;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conversation turns streamed as server-sent events ({@code Accept: text/event-stream}) over real HTTP, with the model
 * streaming from the scripted OpenAI-compatible server: tokens, tool calls and results as they happen, streamed
 * tool-call deltas from imperfect servers, the model dying mid-stream, and the guarantees of the JSON API.
 */
@QuarkusTest
class ConversationStreamTest {

    ScriptedOpenAiServer model;

    @BeforeEach
    void setUp() throws Exception {
        model = ScriptedModelResource.server();
        if (!model.isRunning()) model.start();
        model.reset();
        AgentLoopTest.knowledgeBase();
    }

    @AfterEach
    void restore() {
        if (!model.isRunning()) model.start();
        model.reset();
    }

    @Test
    void streamedTurnSearchesThenStreamsTheAnswer() {
        String conv = conversation(AgentLoopTest.agent("stream-agent", 6, 12));
        List<String> tokens = List.of("Visitors ", "park in ", "bay 7 ", "after signing in.");
        model.enqueue(Step.streamedToolCalls(true, 7, new Call("call_s1", "search_knowledge",
                        "{\"query\": \"where do visitors park at the Zanzibar office\"}")),
                Step.stream(tokens.toArray(String[]::new)));

        List<Event> events = stream(conv, "Where can my visitor park?");

        assertEquals(List.of("tool_call", "tool_result", "token", "token", "token", "token", "message"), names(events));
        JsonNode call = events.get(0).json();
        assertEquals(1, call.path("step").asInt());
        assertEquals("call_s1", call.path("id").asText());
        assertEquals("search_knowledge", call.path("name").asText());
        assertEquals("where do visitors park at the Zanzibar office", call.path("arguments").path("query").asText(),
                "arguments are sent as the JSON object read from the pieces: " + call);
        JsonNode result = events.get(1).json();
        assertEquals("call_s1", result.path("id").asText());
        assertTrue(result.path("ok").asBoolean());
        assertTrue(result.path("resultSize").asInt() > 0);
        assertEquals(tokens, tokenTexts(events), "each streamed token is one token event, in order");
        for (Event e : events) if (e.name().equals("token")) assertEquals(2, e.json().path("step").asInt());

        JsonNode message = events.getLast().json();
        assertEquals(conv, message.path("conversationId").asText());
        assertEquals(String.join("", tokens), message.path("reply").asText());
        assertEquals("answered", message.path("stopReason").asText());
        assertEquals(2, message.path("modelCalls").asInt());
        assertEquals("active", message.path("status").asText());
        assertEquals(1, message.path("toolCalls").size());
        assertTrue(message.path("toolCalls").get(0).path("ok").asBoolean());
        assertTrue(message.path("toolCalls").get(0).path("result").asText().contains("bay 7"));
        assertNotNull(UUID.fromString(message.path("turnId").asText()));

        // both model calls streamed; the second one carried the call and its result
        assertEquals(2, model.requests().size());
        for (JsonNode r : model.requests()) assertTrue(r.path("stream").asBoolean(), "stream=true: " + r);
        assertEquals("search_knowledge", model.requests().get(0).path("tools").get(0).path("function").path("name").asText());
        JsonNode messages = model.requests().get(1).path("messages");
        assertEquals("call_s1", messages.get(2).path("tool_calls").get(0).path("id").asText());
        assertEquals("tool", messages.get(3).path("role").asText());
        assertEquals("call_s1", messages.get(3).path("tool_call_id").asText());
        assertTrue(messages.get(3).path("content").asText().contains("bay 7"));

        List<Map<String, Object>> t = transcript(conv);
        assertConsistent(t);
        assertEquals(List.of("user", "assistant", "tool", "assistant"), t.stream().map(m -> m.get("role")).toList());
        assertEquals(message.path("reply").asText(), t.getLast().get("content"));
        List<Map<String, Object>> audit = given().get("/api/v1/conversations/" + conv + "/audit").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertEquals(List.of("model_call", "tool_call", "model_call"), audit.stream().map(e -> e.get("kind")).toList());
        assertEquals(42, ((Number) audit.getFirst().get("tokensIn")).intValue(), "usage read from the stream");
    }

    @Test
    void toolCallDeltasWithoutIndexAndSplitAcrossChunksStillMakeWholeCalls() {
        String conv = conversation(AgentLoopTest.agent("stream-agent-noindex", 6, 12));
        model.enqueue(Step.streamedToolCalls(false, 3,
                        new Call("n1", "search_knowledge", "{\"query\": \"visitor parking\"}"),
                        new Call("n2", "search_knowledge", "{\"query\": \"train ticket approval\", \"limit\": 2}")),
                Step.stream("Bay 7; ", "the travel desk approves."));

        List<Event> events = stream(conv, "Parking and train rules?");

        assertEquals(List.of("tool_call", "tool_call", "tool_result", "tool_result", "token", "token", "message"), names(events));
        assertEquals("visitor parking", events.get(0).json().path("arguments").path("query").asText());
        assertEquals(2, events.get(1).json().path("arguments").path("limit").asInt());
        assertTrue(events.get(2).json().path("ok").asBoolean() && events.get(3).json().path("ok").asBoolean(), events.toString());
        Set<String> answered = new HashSet<>();
        for (JsonNode m : model.requests().get(1).path("messages")) {
            if (m.path("role").asText().equals("tool")) answered.add(m.path("tool_call_id").asText());
        }
        assertEquals(Set.of("n1", "n2"), answered);
        assertEquals("answered", events.getLast().json().path("stopReason").asText());
        assertConsistent(transcript(conv));
    }

    @Test
    void toolCallWrittenAsTextInTheStreamRunsAndIsNotShownAsTokens() {
        String conv = conversation(AgentLoopTest.agent("stream-agent-text", 6, 12));
        model.enqueue(Step.stream("<tool_call>", "{\"name\": \"search_knowledge\", ", "\"arguments\": {\"query\": \"visitor parking\"}}",
                        "</tool_call>"),
                Step.stream("Bay ", "7."));

        List<Event> events = stream(conv, "Parking?");

        assertEquals(List.of("tool_call", "tool_result", "token", "token", "message"), names(events));
        assertTrue(events.get(1).json().path("ok").asBoolean());
        assertEquals(List.of("Bay ", "7."), tokenTexts(events));
        assertEquals("Bay 7.", events.getLast().json().path("reply").asText());
        List<Map<String, Object>> t = transcript(conv);
        assertConsistent(t);
        assertNotNull(t.get(1).get("toolCalls"), "the call read from text is stored as a real tool call");
    }

    @Test
    void modelDownMidStreamEndsWithAnErrorEventAndAConsistentTranscript() throws Exception {
        String conv = conversation(AgentLoopTest.agent("stream-agent-down", 6, 12));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 200; i++) many.add("word" + i + " ");
        model.enqueue(Step.stream(many.toArray(String[]::new)).eventsEvery(50));

        List<Event> events = new ArrayList<>();
        try (SseEvents.Stream s = SseEvents.open("/api/v1/conversations/" + conv + "/messages", "{\"message\":\"Tell me everything\"}")) {
            while (tokenTexts(events).size() < 2) {
                Event e = s.next();
                assertNotNull(e, "the stream ended before two tokens: " + events);
                events.add(e);
            }
            model.stop(); // the model server goes away in the middle of its answer
            events.addAll(s.rest());
        }

        Event last = events.getLast();
        assertEquals("error", last.name(), names(events).toString());
        assertFalse(names(events).contains("message"));
        JsonNode error = last.json();
        assertEquals("model_unavailable", error.path("stopReason").asText());
        assertEquals(503, error.path("status").asInt());
        assertTrue(error.path("detail").asText().contains("try again"), error.toString());
        assertEquals(conv, error.path("conversationId").asText());

        List<Map<String, Object>> t = transcript(conv);
        assertConsistent(t);
        assertEquals(List.of("user", "assistant"), t.stream().map(m -> m.get("role")).toList());
        assertEquals(error.path("detail").asText(), t.getLast().get("content"), "the error is stored as the turn's reply");
        assertEquals(error.path("turnId").asText(), t.getLast().get("turnId"));

        // the conversation goes on once the server is back
        model.start();
        model.enqueue(Step.stream("Back ", "again."));
        List<Event> next = stream(conv, "Are you back?");
        assertEquals("Back again.", next.getLast().json().path("reply").asText());
        assertConsistent(transcript(conv));
    }

    @Test
    void modelServerFailingBeforeItStreamsIsAnErrorEventToo() {
        String conv = conversation(AgentLoopTest.agent("stream-agent-503", 6, 12));
        model.enqueue(Step.error(503));
        List<Event> events = stream(conv, "Hello?");
        assertEquals(List.of("error"), names(events));
        assertTrue(events.getFirst().json().path("detail").asText().contains("HTTP status 503"), events.toString());
        assertConsistent(transcript(conv));
        assertEquals(2, transcript(conv).size());
    }

    @Test
    void limitsAndConfirmationEndWithAMessageEventLikeTheJsonApi() {
        String limited = conversation(AgentLoopTest.agent("stream-agent-limited", 2, 12));
        model.setDefault(Step.streamedToolCalls(true, 50, new Call("loop", "search_knowledge", "{\"query\":\"parking\"}")));
        List<Event> events = stream(limited, "Loop forever please");
        assertEquals("message", events.getLast().name());
        assertEquals("max_model_calls", events.getLast().json().path("stopReason").asText());
        assertConsistent(transcript(limited));
        model.reset();

        given().contentType(ContentType.JSON).body(Map.of("name", "open_ticket", "description", "Open a support ticket",
                        "method", "POST", "url", "http://127.0.0.1:9/tickets",
                        "parameters", Map.of("type", "object", "properties", Map.of("subject", Map.of("type", "string")),
                                "required", List.of("subject")),
                        "requiresConfirmation", true))
                .post("/api/v1/tools/http").then().statusCode(201);
        String agent = given().contentType(ContentType.JSON).body(Map.of("name", "stream-agent-confirm", "systemPrompt", "Open tickets.",
                "tools", List.of("open_ticket"))).post("/api/v1/agents").then().statusCode(201).extract().path("id");
        String conv = conversation(agent);
        model.enqueue(Step.streamedToolCalls(false, 5, new Call("t1", "open_ticket", "{\"subject\": \"Broken kettle\"}")));
        List<Event> held = stream(conv, "Open a ticket about my kettle");
        assertEquals(List.of("message"), names(held), "nothing runs before the confirmation");
        assertEquals("confirmation_required", held.getFirst().json().path("stopReason").asText());
        String pending = given().get("/api/v1/conversations/" + conv + "/pending-action").then().statusCode(200).extract().asString();
        assertTrue(pending.contains("Broken kettle"), pending);
        assertConsistent(transcript(conv));
    }

    @Test
    void errorsFoundBeforeTheTurnAreProblemResponses() {
        given().contentType(ContentType.JSON).accept("text/event-stream").body(Map.of("message", "hi"))
                .post("/api/v1/conversations/" + UUID.randomUUID() + "/messages")
                .then().statusCode(404).contentType(startsWith("application/problem+json"));
        String conv = conversation(AgentLoopTest.agent("stream-agent-problems", 6, 12));
        given().contentType(ContentType.JSON).accept("text/event-stream").body(Map.of("message", ""))
                .post("/api/v1/conversations/" + conv + "/messages")
                .then().statusCode(400).contentType(startsWith("application/problem+json"));
        given().contentType(ContentType.JSON).body(Map.of("reason", "a person takes over"))
                .post("/api/v1/conversations/" + conv + "/handover").then().statusCode(200);
        given().contentType(ContentType.JSON).accept("text/event-stream").body(Map.of("message", "hello?"))
                .post("/api/v1/conversations/" + conv + "/messages")
                .then().statusCode(409).contentType(startsWith("application/problem+json"));
        assertEquals(0, model.requests().size());
    }

    @Test
    void streamedTurnsOfOneConversationAreSerialised() throws Exception {
        String conv = conversation(AgentLoopTest.agent("stream-agent-busy", 6, 12));
        model.setDefault(Step.stream("o", "k"));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<List<Event>>> futures = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String text = "message " + i;
            futures.add(pool.submit(() -> stream(conv, text)));
        }
        for (Future<List<Event>> f : futures) assertEquals("ok", f.get().getLast().json().path("reply").asText());
        pool.shutdown();
        List<Map<String, Object>> t = transcript(conv);
        assertEquals(12, t.size());
        for (int i = 0; i < 12; i += 2) {
            assertEquals("user", t.get(i).get("role"));
            assertEquals("assistant", t.get(i + 1).get("role"));
            assertEquals(t.get(i).get("turnId"), t.get(i + 1).get("turnId"));
        }
    }

    // --- helpers ---

    static List<Event> stream(String conv, String text) {
        return SseEvents.post("/api/v1/conversations/" + conv + "/messages", Map.of("message", text));
    }

    static List<String> names(List<Event> events) {
        return events.stream().map(Event::name).toList();
    }

    static List<String> tokenTexts(List<Event> events) {
        return events.stream().filter(e -> e.name().equals("token")).map(e -> e.json().path("text").asText()).toList();
    }
}
