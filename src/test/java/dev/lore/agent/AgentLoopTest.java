package dev.lore.agent;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.support.Api;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Full agent turns over real HTTP against the scripted OpenAI-compatible server: search → tool → answer, parallel
 * calls, malformed calls, limits, the model server dying mid-turn, concurrent messages and memory windows.
 */
@QuarkusTest
class AgentLoopTest {

    static String sourceId;
    ScriptedOpenAiServer model;

    @BeforeEach
    void setUp() throws Exception {
        model = ScriptedModelResource.server();
        if (!model.isRunning()) model.start();
        model.reset();
        knowledgeBase();
    }

    /** Indexes the two-page knowledge base (parking, travel) once per test run; returns its source id. */
    static synchronized String knowledgeBase() throws Exception {
        if (sourceId == null) {
            Path dir = Files.createTempDirectory("lore-agent");
            Files.writeString(dir.resolve("parking.md"), "# Parking\n\nVisitors to the Zanzibar office park in bay 7 after signing in at reception.\n");
            Files.writeString(dir.resolve("travel.md"), "# Travel\n\nTrain tickets over 200 euros need approval from the travel desk.\n");
            sourceId = Api.createFilesystemSource("agent-kb", dir);
            Api.assertStatus(Api.syncAndWait(sourceId), "succeeded");
        }
        return sourceId;
    }

    @AfterEach
    void restore() {
        if (!model.isRunning()) model.start();
        model.reset();
    }

    @Test
    void searchThenToolResultThenAnswer() {
        String conv = conversation(agent("kb-agent", 6, 12));
        model.enqueue(toolCalls(call("call_a", "search_knowledge", "{\"query\":\"where do visitors park at the Zanzibar office\"}")),
                Step.completion("Visitors park in bay 7 after signing in."));
        JsonPath reply = send(conv, "Where can my visitor park?");
        assertEquals("Visitors park in bay 7 after signing in.", reply.getString("reply"));
        assertEquals("answered", reply.getString("stopReason"));
        assertEquals(2, reply.getInt("modelCalls"));
        assertEquals(1, reply.getList("toolCalls").size());
        assertTrue(reply.getBoolean("toolCalls[0].ok"));
        assertTrue(reply.getString("toolCalls[0].result").contains("bay 7"), reply.getString("toolCalls[0].result"));

        ObjectNode second = model.requests().get(1);
        JsonNode messages = second.get("messages");
        assertEquals("system", messages.get(0).get("role").asText());
        assertEquals("user", messages.get(1).get("role").asText());
        assertEquals("call_a", messages.get(2).get("tool_calls").get(0).get("id").asText());
        assertEquals("tool", messages.get(3).get("role").asText());
        assertEquals("call_a", messages.get(3).get("tool_call_id").asText());
        assertTrue(messages.get(3).get("content").asText().contains("bay 7"));
        assertEquals("search_knowledge", model.requests().get(0).get("tools").get(0).get("function").get("name").asText());

        List<Map<String, Object>> audit = given().get("/api/v1/conversations/" + conv + "/audit").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertEquals(List.of("model_call", "tool_call", "model_call"), audit.stream().map(e -> e.get("kind")).toList());
        assertNotNull(audit.get(0).get("tokensIn"));
        assertTrue(((Number) audit.get(1).get("resultSize")).intValue() > 0);
    }

    @Test
    void parallelToolCallsAllRunAndReturnInOneStep() {
        String conv = conversation(agent("kb-agent-parallel", 6, 12));
        model.enqueue(toolCalls(call("c1", "search_knowledge", "{\"query\":\"visitor parking\"}"),
                        call("c2", "search_knowledge", "{\"query\":\"train ticket approval\"}")),
                Step.completion("Bay 7; the travel desk approves tickets over 200 euros."));
        JsonPath reply = send(conv, "Parking and train rules?");
        assertEquals(2, reply.getList("toolCalls").size());
        JsonNode messages = model.requests().get(1).get("messages");
        Set<String> answered = new HashSet<>();
        for (JsonNode m : messages) if (m.get("role").asText().equals("tool")) answered.add(m.get("tool_call_id").asText());
        assertEquals(Set.of("c1", "c2"), answered);
    }

    @Test
    void unknownToolsAndInvalidArgumentsGoBackToTheModelAsErrors() {
        String conv = conversation(agent("kb-agent-errors", 6, 12));
        model.enqueue(toolCalls(call("u1", "delete_everything", "{}")),
                toolCalls(call("u2", "search_knowledge", "{\"limit\":3}")),
                toolCalls(call("u3", "search_knowledge", "\"{\\\"query\\\":\\\"train tickets\\\"}\"")),
                Step.completion("Done."));
        JsonPath reply = send(conv, "Try things");
        assertEquals("answered", reply.getString("stopReason"));
        assertFalse(reply.getBoolean("toolCalls[0].ok"));
        assertTrue(reply.getString("toolCalls[0].result").contains("unknown tool \"delete_everything\""));
        assertTrue(reply.getString("toolCalls[0].result").contains("search_knowledge"));
        assertFalse(reply.getBoolean("toolCalls[1].ok"));
        assertTrue(reply.getString("toolCalls[1].result").contains("missing required property \"query\""));
        assertTrue(reply.getBoolean("toolCalls[2].ok"), "double-encoded arguments are decoded");
        JsonNode lastMessages = model.requests().get(3).get("messages");
        assertTrue(lastMessages.toString().contains("missing required property"));
    }

    @Test
    void toolCallsWrittenAsTextOrWithBrokenJsonStillRun() {
        String conv = conversation(agent("kb-agent-sloppy", 6, 12));
        model.enqueue(
                Step.completion("<tool_call>{\"name\": \"search_knowledge\", \"arguments\": {\"query\": \"visitor parking\"}}</tool_call>"),
                toolCalls(call("q1", "search_knowledge", "{\"query\": \"the \"Zanzibar\" office parking\"} I hope this helps")),
                toolCalls(call("q2", "search_knowledge", "{\"query\": \"parking\", \"limit\": \"2\"}")),
                Step.completion("Bay 7."));
        JsonPath reply = send(conv, "Parking?");
        assertEquals("answered", reply.getString("stopReason"));
        assertEquals(3, reply.getList("toolCalls").size());
        for (int i = 0; i < 3; i++) assertTrue(reply.getBoolean("toolCalls[" + i + "].ok"), reply.prettify());
        assertTrue(reply.getString("toolCalls[0].result").contains("bay 7"));
        // the call read from text is stored as a real tool call, so the next request pairs it with its result
        JsonNode second = model.requests().get(1).get("messages");
        assertEquals("search_knowledge", second.get(2).get("tool_calls").get(0).get("function").get("name").asText());
        assertEquals("tool", second.get(3).get("role").asText());
        assertConsistent(transcript(conv));
    }

    @Test
    void argumentsThatBreakTheSchemaGetAPreciseErrorAndAnotherTry() {
        String conv = conversation(agent("kb-agent-schema", 6, 12));
        model.enqueue(toolCalls(call("s1", "search_knowledge", "{\"query\": \"parking\", \"limit\": 50, \"colour\": \"red\"}")),
                toolCalls(call("s2", "search_knowledge", "{\"query\": \"parking\", \"limit\": 5}")),
                Step.completion("Bay 7."));
        JsonPath reply = send(conv, "Parking?");
        assertFalse(reply.getBoolean("toolCalls[0].ok"));
        String error = reply.getString("toolCalls[0].result");
        assertTrue(error.contains("limit") && error.contains("colour"), error);
        assertTrue(reply.getBoolean("toolCalls[1].ok"));
        assertTrue(model.requests().get(1).toString().contains("Call it again with corrected arguments"));
    }

    @Test
    void limitsEndTheTurnWithAClearMessageAndAConsistentTranscript() {
        String conv = conversation(agent("kb-agent-limited", 2, 12));
        model.setDefault(toolCalls(call("loop", "search_knowledge", "{\"query\":\"parking\"}")));
        JsonPath reply = send(conv, "Loop forever please");
        assertEquals("max_model_calls", reply.getString("stopReason"));
        assertTrue(reply.getString("reply").contains("limit of 2 model calls"));
        assertConsistent(transcript(conv));
    }

    @Test
    void modelServerDownMidTurnGivesAClearMessageAndKeepsMemoryConsistent() throws Exception {
        String conv = conversation(agent("kb-agent-down", 6, 12));
        model.enqueue(toolCalls(call("d1", "search_knowledge", "{\"query\":\"parking\"}")).delayed(0));
        model.setDefault(Step.error(503));
        JsonPath reply = send(conv, "Where do visitors park?");
        assertEquals("model_unavailable", reply.getString("stopReason"));
        assertTrue(reply.getString("reply").contains("try again"));
        List<Map<String, Object>> t = transcript(conv);
        assertConsistent(t);
        assertEquals("user", t.getFirst().get("role"));
        assertEquals("assistant", t.getLast().get("role"));
        model.stop();
        JsonPath down = send(conv, "Still there?");
        assertEquals("model_unavailable", down.getString("stopReason"));
        assertConsistent(transcript(conv));
    }

    @Test
    void twentyParallelMessagesOnOneConversationAreSerialised() throws Exception {
        String conv = conversation(agent("kb-agent-busy", 6, 12));
        model.setDefault(Step.completion("ok"));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String text = "message " + i;
            futures.add(pool.submit(() -> given().contentType(ContentType.JSON).body(Map.of("message", text))
                    .post("/api/v1/conversations/" + conv + "/messages").statusCode()));
        }
        for (Future<Integer> f : futures) assertEquals(200, f.get());
        pool.shutdown();
        List<Map<String, Object>> t = transcript(conv);
        assertEquals(40, t.size());
        Set<Object> users = new HashSet<>();
        for (int i = 0; i < 40; i += 2) {
            assertEquals("user", t.get(i).get("role"), "position " + i);
            assertEquals("assistant", t.get(i + 1).get("role"), "position " + (i + 1));
            assertEquals(t.get(i).get("turnId"), t.get(i + 1).get("turnId"));
            users.add(t.get(i).get("content"));
            assertEquals(i + 1, ((Number) t.get(i).get("seq")).intValue());
        }
        assertEquals(20, users.size());
    }

    @Test
    void longConversationsStayWithinTheWindowAndNeverStartWithAToolResult() {
        String agentId = agent("kb-agent-window", 8, 12, 600);
        String conv = conversation(agentId);
        for (int turn = 0; turn < 25; turn++) {
            List<String> calls = new ArrayList<>();
            for (int c = 0; c < 5; c++) calls.add(call("t" + turn + "c" + c, "search_knowledge", "{\"query\":\"parking " + c + "\"}"));
            model.enqueue(toolCalls(calls.toArray(String[]::new)), Step.completion("answer " + turn));
            send(conv, "question number " + turn + " about parking and travel");
        }
        for (ObjectNode request : model.requests()) {
            JsonNode messages = request.get("messages");
            assertEquals("system", messages.get(0).get("role").asText());
            assertEquals("user", messages.get(1).get("role").asText(), "window must start with the user's message");
            Set<String> calledIds = new HashSet<>();
            int chars = 0;
            for (JsonNode m : messages) {
                if (m.has("tool_calls")) m.get("tool_calls").forEach(tc -> calledIds.add(tc.get("id").asText()));
                if (m.get("role").asText().equals("tool")) {
                    assertTrue(calledIds.contains(m.get("tool_call_id").asText()), "orphaned tool result " + m);
                }
                if (m.get("role").asText().equals("user")) chars += m.get("content").asText().length();
            }
            assertTrue(chars > 0);
            // earlier turns (before the current user message) stay within the agent's 600-token budget (chars / 4)
            int lastUser = 0;
            for (int i = 0; i < messages.size(); i++) if (messages.get(i).get("role").asText().equals("user")) lastUser = i;
            int earlierChars = 0;
            for (int i = 1; i < lastUser; i++) {
                JsonNode m = messages.get(i);
                if (m.hasNonNull("content")) earlierChars += m.get("content").asText().length();
                if (m.has("tool_calls")) for (JsonNode tc : m.get("tool_calls")) earlierChars += tc.get("function").get("arguments").asText().length();
            }
            assertTrue(earlierChars / 4 <= 600, "window over budget: " + earlierChars / 4 + " tokens of earlier turns");
        }
        // later requests dropped the oldest turns: the first question is no longer sent
        String last = model.lastRequest().get("messages").toString();
        assertFalse(last.contains("question number 0 "), "oldest turn should have left the window");
        assertTrue(last.contains("earlier turns of this conversation are not shown"));
        // every turn is stored whole: user, assistant with 5 calls, 5 results, final answer
        List<Map<String, Object>> t = transcript(conv);
        assertEquals(25 * 8, t.size()); // a 200-message conversation
        assertConsistent(t);
    }

    // --- helpers ---

    static void assertConsistent(List<Map<String, Object>> transcript) {
        Set<String> pending = new HashSet<>();
        for (Map<String, Object> m : transcript) {
            String role = (String) m.get("role");
            if ("assistant".equals(role) && m.get("toolCalls") != null) {
                assertTrue(pending.isEmpty(), "tool calls without results before " + m);
                for (Object c : (List<?>) m.get("toolCalls")) pending.add((String) ((Map<?, ?>) c).get("id"));
            } else if ("tool".equals(role)) {
                assertTrue(pending.remove((String) m.get("toolCallId")), "tool result without its call: " + m);
            } else {
                assertTrue(pending.isEmpty(), "a message interrupts tool calls: " + m);
            }
        }
        assertTrue(pending.isEmpty(), "unanswered tool calls: " + pending);
    }

    static String agent(String name, int maxModelCalls, int maxToolCalls) {
        return agent(name, maxModelCalls, maxToolCalls, 3000);
    }

    static String agent(String name, int maxModelCalls, int maxToolCalls, int memoryTokens) {
        List<Map<String, Object>> existing = given().get("/api/v1/agents").then().extract().jsonPath().getList("$");
        for (Map<String, Object> a : existing) if (name.equals(a.get("name"))) return (String) a.get("id");
        return given().contentType(ContentType.JSON)
                .body(Map.of("name", name, "systemPrompt", "You answer from the knowledge base.", "tools", List.of("search_knowledge"),
                        "sourceIds", List.of(sourceId), "maxModelCalls", maxModelCalls, "maxToolCalls", maxToolCalls,
                        "memoryTokens", memoryTokens))
                .post("/api/v1/agents").then().statusCode(201).extract().path("id");
    }

    static String conversation(String agentId) {
        return given().contentType(ContentType.JSON).body(Map.of("agent", agentId, "endUserId", "customer-42"))
                .post("/api/v1/conversations").then().statusCode(201).extract().path("id");
    }

    static JsonPath send(String conv, String text) {
        return given().contentType(ContentType.JSON).body(Map.of("message", text))
                .post("/api/v1/conversations/" + conv + "/messages").then().statusCode(200).extract().jsonPath();
    }

    static List<Map<String, Object>> transcript(String conv) {
        return given().get("/api/v1/conversations/" + conv + "/messages").then().statusCode(200).extract().jsonPath().getList("$");
    }

    static String call(String id, String name, String argumentsJson) {
        return "{\"id\":\"" + id + "\",\"type\":\"function\",\"function\":{\"name\":\"" + name + "\",\"arguments\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(argumentsJson) + "}}";
    }

    static Step toolCalls(String... calls) {
        return Step.message("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + String.join(",", calls) + "]}", "tool_calls");
    }
}
