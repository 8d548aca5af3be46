package dev.lore.chat;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.support.Api;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import dev.lore.support.SseEvents;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/v1/chat} is driven by the default agent, {@code knowledge-assistant}: editing its sources, instructions,
 * model settings and limits through {@code /api/v1/agents} changes what the chat answers from and how it asks the
 * model, for JSON and streamed answers alike.
 */
@QuarkusTest
class ChatAgentTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AGENT = "/api/v1/agents/knowledge-assistant";
    private static final String QUESTION = "How long are backups kept?";
    private static final String OFFICE = "Backup policy";
    private static final String LAPTOPS = "Laptop backups";

    private static String officeSource;
    private static String laptopSource;

    private ScriptedOpenAiServer model;
    private Map<String, Object> original;

    @BeforeEach
    void setUp() throws Exception {
        model = ScriptedModelResource.server();
        if (!model.isRunning()) model.start();
        model.reset();
        if (officeSource == null) {
            officeSource = index("chat-agent-office", "office-backups.md",
                    "# Backup policy\n\nNightly backups of the office servers are kept for 35 days, then deleted.\n");
            laptopSource = index("chat-agent-laptops", "laptop-backups.md",
                    "# Laptop backups\n\nLaptop backups run every Friday and are kept for 90 days.\n");
        }
        original = given().get(AGENT).then().statusCode(200).extract().jsonPath().getMap("$");
    }

    @AfterEach
    void restoreTheDefaultAgent() {
        updateAgent(Map.of());
        if (!model.isRunning()) model.start();
        model.reset();
    }

    @Test
    void restrictingTheAgentsSourcesChangesWhatCanBeCited() {
        Set<String> both = citedTitles(chat(List.of(officeSource, laptopSource)));
        assertEquals(Set.of(OFFICE, LAPTOPS), both, "with every source allowed, both documents are cited");

        updateAgent(Map.of("sourceIds", List.of(officeSource)));
        assertEquals(Set.of(OFFICE), citedTitles(chat(null)));
        assertFalse(model.lastRequest().toString().contains("90 days"), "the other source is not even sent to the model");

        updateAgent(Map.of("sourceIds", List.of(laptopSource)));
        assertEquals(Set.of(LAPTOPS), citedTitles(chat(null)));
        assertEquals(Set.of(LAPTOPS), citedTitles(chat(List.of(officeSource, laptopSource))),
                "a request cannot widen the agent's sources");

        model.clearRequests();
        JsonNode none = chat(List.of(officeSource));
        assertEquals("extractive", none.path("mode").asText(), "nothing allowed is left to search: " + none);
        assertEquals(0, none.path("citations").size());
        assertEquals(0, model.requests().size(), "the model is not asked without sources");
        model.reset(); // drops the answer scripted for it

        updateAgent(Map.of("sourceIds", List.of(laptopSource)));
        model.enqueue(Step.stream("Ninety ", "days [1]."));
        List<SseEvents.Event> events = SseEvents.post("/api/v1/chat", Map.of("message", QUESTION));
        JsonNode done = events.getLast().json();
        assertEquals("done", events.getLast().name());
        assertEquals(Set.of(LAPTOPS), citedTitles(done), "streamed answers obey the agent too");
    }

    @Test
    void theAgentsInstructionsAndModelSettingsAreSent() {
        updateAgent(Map.of("systemPrompt", "You are Zed, the pirate librarian of ACME.", "model", "tiny-model", "temperature", 0.7));
        JsonNode answer = chat(List.of(officeSource));
        JsonNode sent = model.lastRequest();
        String system = sent.path("messages").get(0).path("content").asText();
        assertTrue(system.startsWith("You are Zed, the pirate librarian of ACME."), system);
        assertTrue(system.contains("[1], [2]"), "Lore adds its citation rules: " + system);
        assertEquals("tiny-model", sent.path("model").asText());
        assertEquals(0.7, sent.path("temperature").asDouble(), 1e-9);
        assertEquals("tiny-model", answer.path("model").asText());
        assertEquals("generative", answer.path("mode").asText());

        model.enqueue(Step.stream("Arr, ", "35 days [1]."));
        SseEvents.post("/api/v1/chat", Map.of("message", QUESTION, "filters", Map.of("sourceIds", List.of(officeSource))));
        assertTrue(model.lastRequest().path("stream").asBoolean());
        assertTrue(model.lastRequest().path("messages").get(0).path("content").asText().startsWith("You are Zed"));
        assertEquals("tiny-model", model.lastRequest().path("model").asText());
    }

    @Test
    void theAgentsTurnLimitBoundsTheWaitForTheModel() {
        updateAgent(Map.of("turnTimeoutMs", 1000));
        // slower than the agent's 1 s limit, faster than lore.model.timeout (3 s): only the agent's limit can stop it
        model.enqueue(Step.completion("Too late [1].").delayed(2_500));
        JsonNode answer = chat(List.of(officeSource));
        assertEquals("extractive", answer.path("mode").asText(), answer.toString());
        assertTrue(answer.path("notice").asText().contains("1 s"), answer.path("notice").asText());
    }

    // --- helpers ---

    /** PUTs the default agent as it was at the start of the test, with {@code changes} applied. */
    private void updateAgent(Map<String, Object> changes) {
        Map<String, Object> body = new HashMap<>();
        for (String k : List.of("name", "description", "systemPrompt", "model", "temperature", "tools", "sourceIds", "maxModelCalls",
                "maxToolCalls", "toolTimeoutMs", "turnTimeoutMs", "memoryTokens")) {
            body.put(k, original.get(k));
        }
        body.putAll(changes);
        given().contentType(ContentType.JSON).body(body).put(AGENT).then().statusCode(200);
    }

    private JsonNode chat(List<String> sourceIds) {
        Map<String, Object> body = sourceIds == null ? Map.of("message", QUESTION)
                : Map.of("message", QUESTION, "filters", Map.of("sourceIds", sourceIds));
        model.enqueue(Step.completion("Backups are kept for 35 days [1] or 90 days [2]."));
        String text = given().contentType(ContentType.JSON).accept(ContentType.JSON).body(body).post("/api/v1/chat")
                .then().statusCode(200).extract().asString();
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    private static Set<String> citedTitles(JsonNode answer) {
        Set<String> titles = new HashSet<>();
        answer.path("citations").forEach(c -> titles.add(c.path("title").asText()));
        return titles;
    }

    private static String index(String name, String file, String text) throws Exception {
        Path dir = Files.createTempDirectory(name);
        Files.writeString(dir.resolve(file), text);
        String id = Api.createFilesystemSource(name, dir);
        Api.assertStatus(Api.syncAndWait(id), "succeeded");
        return id;
    }
}
