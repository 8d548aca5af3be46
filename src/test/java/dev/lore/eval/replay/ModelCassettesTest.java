package dev.lore.eval.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.lore.agent.AgentTool;
import dev.lore.agent.ModelStream;
import dev.lore.chat.ModelConfig;
import dev.lore.chat.ModelServer;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Call;
import dev.lore.support.ScriptedOpenAiServer.Step;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which cassette applies to a call (runs, threads, the process-wide setting), and the two places Lore calls the model
 * server outside langchain4j's clients: the agent's streamed turns ({@link ModelStream}) and the model discovery
 * ({@link ModelServer#modelName()}).
 */
class ModelCassettesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private ScriptedOpenAiServer server;

    @BeforeEach
    void setUp() {
        server = new ScriptedOpenAiServer().start();
    }

    @AfterEach
    void tearDown() {
        server.stop();
    }

    @Test
    void aRunAppliesToThreadsItStartsAndEndsWithIt() throws Exception {
        ModelCassettes cassettes = ModelCassettes.off();
        Cassette cassette = Cassette.create(dir.resolve("run.json"));
        CountDownLatch runEnded = new CountDownLatch(1);
        List<Optional<ActiveCassette>> seenAfter = Collections.synchronizedList(new ArrayList<>());
        ExecutorService lingering = Executors.newVirtualThreadPerTaskExecutor();
        Future<?> outlives;
        try (ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
            outlives = cassettes.with(cassette, CassetteMode.REPLAY, () -> {
                assertSame(cassette, cassettes.current().orElseThrow().cassette());
                Future<Optional<ActiveCassette>> inVirtual = calls.submit(cassettes::current);
                assertSame(cassette, inVirtual.get().orElseThrow().cassette(), "a virtual thread started in the run");
                assertEquals(CassetteMode.REPLAY, inVirtual.get().orElseThrow().mode());
                assertTrue(cassettes.with(null, CassetteMode.OFF, cassettes::current).isEmpty(), "an inner OFF run");
                assertSame(cassette, cassettes.current().orElseThrow().cassette(), "the outer run again");
                return lingering.submit(() -> {
                    runEnded.await();
                    seenAfter.add(cassettes.current());
                    return null;
                });
            });
        }
        assertTrue(cassettes.current().isEmpty(), "nothing applies after the run");
        runEnded.countDown();
        outlives.get(30, TimeUnit.SECONDS);
        lingering.shutdown();
        assertEquals(List.of(Optional.empty()), seenAfter, "a thread of the run that lives on no longer sees its cassette");
    }

    @Test
    void processWideModeFromConfiguration() {
        assertTrue(new ModelCassettes("off", Optional.empty()).current().isEmpty());
        ModelCassettes replay = new ModelCassettes("Replay", Optional.of(dir.resolve("p.json").toString()));
        assertEquals(CassetteMode.REPLAY, replay.current().orElseThrow().mode());
        Cassette own = Cassette.create(dir.resolve("own.json"));
        try {
            assertSame(own, replay.with(own, CassetteMode.RECORD, replay::current).orElseThrow().cassette(),
                    "a run overrides the process-wide cassette");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        IllegalArgumentException noFile = assertThrows(IllegalArgumentException.class,
                () -> new ModelCassettes("record", Optional.empty()));
        assertTrue(noFile.getMessage().contains("lore.eval.cassette.file"), noFile.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ModelCassettes("playback", Optional.empty()));
    }

    @Test
    void agentStreamsAreRecordedAndReplayedWithTheServerDown() throws Exception {
        ModelCassettes cassettes = ModelCassettes.off();
        ModelServer models = new ModelServer(config(server.baseUrl()), JSON, cassettes);
        ModelStream stream = new ModelStream(models, JSON, cassettes);
        List<AgentTool> tools = List.of(tool("lookup_order"));
        List<ChatMessage> turn = List.of(SystemMessage.from("You are the shop's assistant."), UserMessage.from("Where is order 42?"));
        List<ChatMessage> answer = List.of(SystemMessage.from("You are the shop's assistant."), UserMessage.from("Thanks!"));
        server.enqueue(Step.streamedToolCalls(false, 4, new Call("call_1", "lookup_order", "{\"id\":42}")),
                Step.stream("You're ", "welcome."));

        Cassette recording = Cassette.create(dir.resolve("agent.json"));
        ModelStream.Completion liveCall = cassettes.with(recording, CassetteMode.RECORD,
                () -> stream.complete(models.modelName().orElseThrow(), null, turn, tools, t -> { }, deadline()));
        List<String> liveText = new ArrayList<>();
        ModelStream.Completion liveAnswer = cassettes.with(recording, CassetteMode.RECORD,
                () -> stream.complete(models.modelName().orElseThrow(), 0.0, answer, tools, liveText::add, deadline()));
        assertEquals(1, server.modelListings(), "the model was discovered live");
        assertEquals(Optional.of(ScriptedOpenAiServer.MODEL_ID), Cassette.load(recording.file()).model(),
                "the model name in use was stored");

        server.stop();
        server.clearRequests();
        ModelServer offline = new ModelServer(config(server.baseUrl()), JSON, cassettes);
        ModelStream replaying = new ModelStream(offline, JSON, cassettes);
        Cassette replay = Cassette.load(recording.file());
        List<String> replayedText = new ArrayList<>();
        ModelStream.Completion replayedCall = cassettes.with(replay, CassetteMode.REPLAY,
                () -> replaying.complete(offline.modelName().orElseThrow(), null, turn, tools, t -> { }, deadline()));
        ModelStream.Completion replayedAnswer = cassettes.with(replay, CassetteMode.REPLAY,
                () -> replaying.complete(offline.modelName().orElseThrow(), 0.0, answer, tools, replayedText::add, deadline()));

        assertEquals(0, server.requests().size());
        assertEquals(1, server.modelListings(), "replay asked no server for its models");
        assertEquals(liveCall, replayedCall);
        assertEquals("lookup_order", replayedCall.output().calls().get(0).name());
        assertEquals(liveAnswer, replayedAnswer);
        assertEquals(liveText, replayedText);
        assertEquals("You're welcome.", String.join("", replayedText));

        NoRecordingException miss = assertThrows(NoRecordingException.class, () -> cassettes.with(replay,
                CassetteMode.REPLAY, () -> replaying.complete(offline.modelName().orElseThrow(), null,
                        List.of(UserMessage.from("Where is order 43?")), tools, t -> { }, deadline())));
        assertTrue(miss.getMessage().contains("\"Where is order 43?\""), miss.getMessage());
    }

    @Test
    void replayNamesTheRecordedModelOrTheConfiguredOne() throws Exception {
        ModelCassettes cassettes = ModelCassettes.off();
        ModelServer models = new ModelServer(config(server.baseUrl()), JSON, cassettes);
        Cassette recorded = Cassette.create(dir.resolve("m.json"));
        recorded.model("qwen2.5-7b-instruct");
        assertEquals(Optional.of("qwen2.5-7b-instruct"), cassettes.with(recorded, CassetteMode.REPLAY, models::modelName));
        assertEquals(0, server.modelListings());
        ModelServer named = new ModelServer(config(server.baseUrl(), "configured-model"), JSON, cassettes);
        assertEquals(Optional.of("configured-model"),
                cassettes.with(Cassette.create(dir.resolve("none.json")), CassetteMode.REPLAY, named::modelName));
        assertEquals(0, server.modelListings());
        assertEquals(Optional.of(ScriptedOpenAiServer.MODEL_ID), models.modelName(), "outside the run: discovered live");
        assertEquals(1, server.modelListings());
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    }

    private static AgentTool tool(String name) {
        JsonNode schema = JSON.createObjectNode().put("type", "object");
        return new AgentTool() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return "Looks an order up.";
            }

            @Override
            public JsonNode parameters() {
                return schema;
            }

            @Override
            public boolean readOnly() {
                return true;
            }

            @Override
            public String execute(ToolContext context, JsonNode arguments) {
                throw new UnsupportedOperationException("not run here");
            }
        };
    }

    private static ModelConfig config(String baseUrl) {
        return config(baseUrl, null);
    }

    private static ModelConfig config(String baseUrl, String name) {
        return new ModelConfig() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public String baseUrl() {
                return baseUrl;
            }

            @Override
            public Optional<String> name() {
                return Optional.ofNullable(name);
            }

            @Override
            public String apiKey() {
                return "none";
            }

            @Override
            public Duration timeout() {
                return Duration.ofSeconds(10);
            }

            @Override
            public Duration connectTimeout() {
                return Duration.ofSeconds(2);
            }

            @Override
            public int maxTokens() {
                return 200;
            }

            @Override
            public double temperature() {
                return 0.2;
            }
        };
    }
}
