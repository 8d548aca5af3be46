package dev.lore.eval.replay;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.chat.Answer;
import dev.lore.chat.AnswerService;
import dev.lore.chat.ChatSettings;
import dev.lore.retrieval.SearchFilters;
import dev.lore.security.Tenants;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import dev.lore.support.TestCallers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The application's answers ({@link AnswerService}, JSON and streamed, as {@code POST /api/v1/chat} gives them)
 * recorded in an evaluation run and replayed with the model server down; a run's cassette does not apply to users'
 * requests. (The process-wide {@code lore.eval.cassette.mode} is covered by {@code ModelCassettesTest}: a test profile
 * would restart the application, which this test suite cannot do, the in-process tokenizer's native library being
 * loadable once per JVM.)
 */
@QuarkusTest
class AnswerReplayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUESTION = "How long are nightly backups retained?";
    private static final String RECORDED = "Nightly backups are retained for 35 days [1].";
    /** The turn limit is shorter than lore.model.timeout (3 s), so the JSON call runs on a virtual thread of its own. */
    private static final ChatSettings SETTINGS = new ChatSettings("Answer from the sources.", null, null, null,
            Duration.ofSeconds(2), 2_000);

    private static UUID source;

    @Inject ModelCassettes cassettes;
    @Inject AnswerService answers;

    private ScriptedOpenAiServer model;

    @BeforeEach
    void setUp() throws Exception {
        model = ScriptedModelResource.server();
        model.start();
        model.reset();
        if (source == null) source = UUID.fromString(indexCorpus());
    }

    @AfterEach
    void tearDown() {
        model.start();
        model.reset();
    }

    @Test
    void answersReplayWithTheModelServerDownAndAChangedQuestionFails(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("answers.json");
        model.enqueue(Step.completion(RECORDED), Step.stream("Nightly backups ", "are retained ", "for 35 days [1]."));
        Cassette recording = Cassette.create(file);
        Answer live = cassettes.with(recording, CassetteMode.RECORD, () -> answer(QUESTION));
        Streamed liveStream = cassettes.with(recording, CassetteMode.RECORD, () -> stream(QUESTION));
        assertEquals(Answer.GENERATIVE, live.mode());
        assertEquals(RECORDED, live.answer());
        assertEquals(Answer.GENERATIVE, liveStream.answer().mode(), liveStream.answer().answer());
        assertEquals(2, model.requests().size());
        assertEquals(ScriptedOpenAiServer.MODEL_ID, Cassette.load(file).model().orElseThrow());

        model.stop();
        model.clearRequests();
        Cassette replay = Cassette.load(file);
        Answer replayed = cassettes.with(replay, CassetteMode.REPLAY, () -> answer(QUESTION));
        Streamed replayedStream = cassettes.with(replay, CassetteMode.REPLAY, () -> stream(QUESTION));
        assertEquals(live, replayed, "the same answer, citations included");
        assertFalse(replayed.citations().isEmpty());
        assertEquals(liveStream, replayedStream, "the same tokens and answer");
        assertEquals(List.of("Nightly backups ", "are retained ", "for 35 days [1]."), replayedStream.tokens());

        model.start(); // a replay that called out would now be answered, and seen
        NoRecordingException miss = assertThrows(NoRecordingException.class,
                () -> cassettes.with(replay, CassetteMode.REPLAY, () -> answer("How long are monthly snapshots kept?")));
        assertTrue(miss.getMessage().startsWith("no recording for this request in cassette " + replay.file()), miss.getMessage());
        assertTrue(miss.getMessage().contains("Question: How long are monthly snapshots kept?"), miss.getMessage());
        assertThrows(NoRecordingException.class,
                () -> cassettes.with(replay, CassetteMode.REPLAY, () -> stream("How long are monthly snapshots kept?")));
        assertEquals(0, model.requests().size(), "no request reached the model server");
    }

    @Test
    void aRunsCassetteDoesNotApplyToUsersRequests() throws Exception {
        Cassette empty = Cassette.create(Files.createTempDirectory("lore-replay-").resolve("empty.json"));
        JsonNode userAnswer = cassettes.with(empty, CassetteMode.REPLAY, () -> {
            // a request served while the run replays: on a server thread, outside the run
            String body = given().contentType(ContentType.JSON).accept(ContentType.JSON)
                    .body(Map.of("message", QUESTION, "filters", Map.of("sourceIds", List.of(source.toString()))))
                    .when().post("/api/v1/chat").then().statusCode(200).extract().asString();
            return JSON.readTree(body);
        });
        assertEquals("generative", userAnswer.path("mode").asText(), userAnswer.toString());
        assertEquals(ScriptedOpenAiServer.DEFAULT_ANSWER, userAnswer.path("answer").asText());
        assertEquals(1, model.requests().size(), "the user's question went to the model server");
    }

    private Answer answer(String question) throws Exception {
        return Tenants.call("default", () -> answers.answer(question, filters(), SETTINGS, TestCallers.ADMIN));
    }

    /** Tokens as they came, then the complete answer. */
    private record Streamed(List<String> tokens, Answer answer) {}

    private Streamed stream(String question) throws Exception {
        List<String> tokens = new ArrayList<>();
        AtomicReference<Answer> done = new AtomicReference<>();
        Callable<Void> work = () -> {
            answers.stream(question, filters(), SETTINGS, TestCallers.ADMIN, tokens::add, done::set);
            return null;
        };
        Tenants.call("default", work);
        return new Streamed(List.copyOf(tokens), done.get());
    }

    private static SearchFilters filters() {
        return new SearchFilters(List.of(source), null, null, null);
    }

    private static String indexCorpus() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("lore-replay-test-");
        Files.writeString(dir.resolve("backups.md"), """
                # Backup policy

                ## Retention

                Nightly backups are retained for 35 days. Monthly snapshots are kept for one year and are then deleted \
                automatically.
                """);
        Files.writeString(dir.resolve("vacation.md"), """
                # Vacation policy

                Employees accrue two and a half vacation days per month of service.
                """);
        String id = given().contentType(ContentType.JSON)
                .body(Map.of("type", "filesystem", "name", "replay-test-" + UUID.randomUUID(), "config", Map.of("path", dir.toString())))
                .when().post("/api/v1/sources")
                .then().statusCode(201).extract().path("id");
        String runId = given().when().post("/api/v1/sources/" + id + "/sync")
                .then().statusCode(202).extract().path("id");
        long deadline = System.nanoTime() + 120_000_000_000L;
        JsonNode run;
        do {
            if (System.nanoTime() > deadline) fail("sync of the replay corpus did not finish within 120 s");
            Thread.sleep(200);
            run = JSON.readTree(given().when().get("/api/v1/sources/" + id + "/runs/" + runId)
                    .then().statusCode(200).extract().asString());
        } while ("running".equals(run.path("status").asText()));
        assertEquals("succeeded", run.path("status").asText(), "sync run: " + run);
        return id;
    }
}
