package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.eval.LlmJudge.Verdict;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LlmJudge} against {@link ScriptedOpenAiServer} over real HTTP: what the OpenAI client sends (the JSON schema
 * as a strict {@code response_format}, temperature 0, the case in the prompt) and how each kind of model output or
 * failure turns into a verdict.
 */
@QuarkusTest
class LlmJudgeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUESTION = "How long are nightly backups retained?";
    private static final String REFERENCE = "Nightly backups are retained for 35 days.";
    private static final List<String> FACTS = List.of("35 days|thirty-five days");
    private static final String ANSWER = "They are kept for 35 days.";

    @Inject
    LlmJudge judge;

    private ScriptedOpenAiServer model;

    @BeforeEach
    void setUp() {
        model = ScriptedModelResource.server();
        model.start();
        model.reset();
    }

    @AfterEach
    void tearDown() {
        model.start();
        model.reset();
    }

    @Test
    void validOutputIsJudgedWithItsScore() {
        model.enqueue(Step.completion("{\"verdict\":\"correct\",\"score\":0.9,\"reason\":\"States the 35 days.\"}"));
        Verdict v = judge.judge(QUESTION, REFERENCE, FACTS, ANSWER);
        assertEquals(new Verdict(Verdict.Status.JUDGED, 0.9, "correct", "States the 35 days."), v);
        assertTrue(v.judged());
    }

    @Test
    void requestCarriesTheSchemaAsAStrictResponseFormat() throws Exception {
        model.enqueue(Step.completion("{\"verdict\":\"incorrect\",\"score\":0,\"reason\":\"Wrong period.\"}"));
        Verdict v = judge.judge(QUESTION, REFERENCE, FACTS, "Backups are kept for a week.");
        assertEquals(Verdict.Status.JUDGED, v.status());
        assertEquals(0.0, v.score());

        ObjectNode request = model.lastRequest();
        assertNotNull(request, "the judge must call the model");
        JsonNode format = request.path("response_format");
        assertEquals("json_schema", format.path("type").asText(), request.toString());
        JsonNode jsonSchema = format.path("json_schema");
        assertEquals(LlmJudge.SCHEMA_NAME, jsonSchema.path("name").asText());
        assertTrue(jsonSchema.path("strict").asBoolean(false), "strict must be true: " + jsonSchema);
        assertEquals(JSON.readTree(LlmJudge.SCHEMA), jsonSchema.path("schema"));
        assertEquals(0.0, request.path("temperature").asDouble(-1));
        assertTrue(request.path("temperature").isNumber(), request.toString());

        JsonNode messages = request.path("messages");
        assertEquals("system", messages.path(0).path("role").asText());
        assertEquals(LlmJudge.SYSTEM_PROMPT, messages.path(0).path("content").asText());
        String user = messages.path(1).path("content").asText();
        assertTrue(user.contains(QUESTION) && user.contains(REFERENCE) && user.contains("- 35 days|thirty-five days")
                && user.contains("<answer>\nBackups are kept for a week.\n</answer>"), user);
    }

    @Test
    void invalidJsonCannotBeJudged() {
        model.enqueue(Step.completion("The answer looks correct to me, score 0.9."));
        assertCouldNotJudge(judge.judge(QUESTION, REFERENCE, FACTS, ANSWER), "not JSON");
    }

    @Test
    void verdictOutsideTheEnumCannotBeJudged() {
        model.enqueue(Step.completion("{\"verdict\":\"mostly_correct\",\"score\":0.8,\"reason\":\"Close.\"}"));
        assertCouldNotJudge(judge.judge(QUESTION, REFERENCE, FACTS, ANSWER), "verdict: does not have a value in the enumeration");
    }

    @Test
    void scoreOutOfRangeCannotBeJudged() {
        model.enqueue(Step.completion("{\"verdict\":\"correct\",\"score\":9,\"reason\":\"Out of ten.\"}"));
        assertCouldNotJudge(judge.judge(QUESTION, REFERENCE, FACTS, ANSWER), "score: must have a maximum value of 1");
    }

    @Test
    void missingFieldCannotBeJudged() {
        model.enqueue(Step.completion("{\"verdict\":\"correct\",\"reason\":\"Fine.\"}"));
        assertCouldNotJudge(judge.judge(QUESTION, REFERENCE, FACTS, ANSWER), "required property 'score' not found");
    }

    @Test
    void serverErrorCannotBeJudged() {
        model.enqueue(Step.error(500));
        assertCouldNotJudge(judge.judge(QUESTION, REFERENCE, FACTS, ANSWER), "model call failed");
        assertEquals(1, model.requests().size(), "one call, no retries");
    }

    @Test
    void modelDownCannotBeJudged() {
        model.stop();
        Verdict v = judge.judge(QUESTION, REFERENCE, FACTS, ANSWER);
        // depending on whether the model name is still cached: "no model available" or a refused connection
        assertCouldNotJudge(v, "");
        assertTrue(v.reason().equals("no model available") || v.reason().startsWith("model call failed"), v.reason());
    }

    private static void assertCouldNotJudge(Verdict v, String reasonMentions) {
        assertEquals(Verdict.Status.COULD_NOT_JUDGE, v.status(), v.toString());
        assertTrue(Double.isNaN(v.score()), "no made-up score: " + v);
        assertNull(v.verdict());
        assertTrue(v.reason() != null && !v.reason().isBlank() && v.reason().contains(reasonMentions), v.reason());
    }
}
