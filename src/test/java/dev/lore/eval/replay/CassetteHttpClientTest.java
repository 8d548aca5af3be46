package dev.lore.eval.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Call;
import dev.lore.support.ScriptedOpenAiServer.Step;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * langchain4j's OpenAI clients built like {@code ModelServer} builds them, with {@link CassetteHttpClientBuilder},
 * against {@link ScriptedOpenAiServer}: record plain and streamed answers, then replay them with the server stopped.
 */
class CassetteHttpClientTest {

    private static final String SEARCH_ARGS = "{\"query\":\"backup retention\"}";

    @TempDir
    Path dir;

    private ScriptedOpenAiServer server;
    private ModelCassettes cassettes;
    private ChatModel chat;
    private StreamingChatModel streaming;

    @BeforeEach
    void setUp() {
        server = new ScriptedOpenAiServer().start();
        cassettes = ModelCassettes.off();
        chat = OpenAiChatModel.builder().httpClientBuilder(httpClient()).baseUrl(server.baseUrl()).apiKey("none")
                .modelName(ScriptedOpenAiServer.MODEL_ID).timeout(Duration.ofSeconds(10)).maxRetries(0)
                .temperature(0.2).maxTokens(200).build();
        streaming = OpenAiStreamingChatModel.builder().httpClientBuilder(httpClient()).baseUrl(server.baseUrl())
                .apiKey("none").modelName(ScriptedOpenAiServer.MODEL_ID).timeout(Duration.ofSeconds(10))
                .temperature(0.2).maxTokens(200).build();
    }

    @AfterEach
    void tearDown() {
        server.stop();
    }

    @Test
    void recordsThenReplaysPlainAndStreamedAnswersWithTheServerStopped() throws Exception {
        Path file = dir.resolve("cassettes/eval.json");
        server.enqueue(
                Step.message("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_7\",\"type\":"
                        + "\"function\",\"function\":{\"name\":\"search_knowledge\",\"arguments\":"
                        + quote(SEARCH_ARGS) + "}}]}", "tool_calls"),
                Step.stream("Nightly backups ", "are kept ", "for 35 days [1]."),
                Step.streamedToolCalls(true, 5, new Call("call_9", "search_knowledge", SEARCH_ARGS)));

        Cassette recording = Cassette.create(file);
        ChatResponse livePlain = cassettes.with(recording, CassetteMode.RECORD, () -> chat.chat(withTools("Find backups")));
        Streamed liveText = cassettes.with(recording, CassetteMode.RECORD, () -> stream(plain("How long are backups kept?")));
        Streamed liveCalls = cassettes.with(recording, CassetteMode.RECORD, () -> stream(withTools("Search for backups")));
        assertEquals(3, server.requests().size(), "recording calls the server");
        assertTrue(Files.exists(file), "the run saved the cassette when it ended");
        assertEquals(3, Cassette.load(file).size());
        assertEquals("call_7", livePlain.aiMessage().toolExecutionRequests().get(0).id(), "the scripted answer came through");
        assertEquals("Nightly backups are kept for 35 days [1].", liveText.response().aiMessage().text());

        server.stop();
        server.clearRequests();
        Cassette replaying = Cassette.load(file);
        ChatResponse replayedPlain = cassettes.with(replaying, CassetteMode.REPLAY, () -> chat.chat(withTools("Find backups")));
        Streamed replayedText = cassettes.with(replaying, CassetteMode.REPLAY, () -> stream(plain("How long are backups kept?")));
        Streamed replayedCalls = cassettes.with(replaying, CassetteMode.REPLAY, () -> stream(withTools("Search for backups")));

        assertEquals(0, server.requests().size(), "replay sent nothing");
        assertEquals(0, server.modelListings());
        assertEquals(livePlain.aiMessage(), replayedPlain.aiMessage());
        assertEquals(List.of(ToolExecutionRequest.builder().id("call_7").name("search_knowledge").arguments(SEARCH_ARGS).build()),
                replayedPlain.aiMessage().toolExecutionRequests());
        assertEquals(livePlain.tokenUsage(), replayedPlain.tokenUsage());
        assertEquals(liveText.tokens(), replayedText.tokens(), "the same partial responses, in the same pieces");
        assertEquals(List.of("Nightly backups ", "are kept ", "for 35 days [1]."), replayedText.tokens());
        assertEquals(liveText.response().aiMessage(), replayedText.response().aiMessage());
        assertEquals(liveCalls.response().aiMessage().toolExecutionRequests(),
                replayedCalls.response().aiMessage().toolExecutionRequests());
        assertEquals(SEARCH_ARGS, replayedCalls.response().aiMessage().toolExecutionRequests().get(0).arguments());
    }

    @Test
    void aChangedPromptInReplayFailsAndCallsNoServer() throws Exception {
        Path file = dir.resolve("eval.json");
        server.enqueue(Step.answer("Kept for 35 days [1]."), Step.answer("Kept for 35 days [1]."));
        Cassette recording = Cassette.create(file);
        cassettes.with(recording, CassetteMode.RECORD, () -> chat.chat(plain("How long are backups kept?")));
        cassettes.with(recording, CassetteMode.RECORD, () -> stream(plain("How long are backups kept?")));
        server.clearRequests(); // left running: a replay that called out would be answered and seen

        Cassette replaying = Cassette.load(file);
        String changed = "How long are nightly backups kept?";
        Throwable plainFailure = assertThrows(Exception.class,
                () -> cassettes.with(replaying, CassetteMode.REPLAY, () -> chat.chat(plain(changed))));
        NoRecordingException miss = find(plainFailure, NoRecordingException.class);
        assertNotNull(miss, "caused by NoRecordingException: " + plainFailure);
        assertTrue(miss.getMessage().startsWith("no recording for this request"), miss.getMessage());
        assertTrue(miss.getMessage().contains(replaying.file().toString()), miss.getMessage());
        assertTrue(miss.getMessage().contains("POST /chat/completions"), miss.getMessage());
        assertTrue(miss.getMessage().contains("\"" + changed + "\""), miss.getMessage());
        assertTrue(miss.getMessage().contains("deploy/eval.sh record"), miss.getMessage());

        Throwable streamFailure = assertThrows(Exception.class,
                () -> cassettes.with(replaying, CassetteMode.REPLAY, () -> stream(plain(changed))));
        assertNotNull(find(streamFailure, NoRecordingException.class), "streamed: " + streamFailure);

        // an application that catches the failure and carries on (an extractive answer) cannot hide the miss
        NoRecordingException swallowed = assertThrows(NoRecordingException.class, () -> cassettes.with(replaying,
                CassetteMode.REPLAY, () -> {
                    try {
                        return chat.chat(plain(changed));
                    } catch (RuntimeException e) {
                        return null;
                    }
                }));
        assertTrue(swallowed.getMessage().contains(changed));
        assertEquals(0, server.requests().size(), "no request reached the server");

        // the recorded prompt still replays
        assertEquals("Kept for 35 days [1].", cassettes.with(replaying, CassetteMode.REPLAY,
                () -> chat.chat(plain("How long are backups kept?"))).aiMessage().text());
        assertEquals(0, server.requests().size());
    }

    @Test
    void httpErrorsAreRecordedAndReplayedAsTheSameError() throws Exception {
        server.enqueue(Step.error(503), Step.error(500));
        Cassette recording = Cassette.create(dir.resolve("errors.json"));
        Exception livePlain = assertThrows(Exception.class,
                () -> cassettes.with(recording, CassetteMode.RECORD, () -> chat.chat(plain("q1"))));
        Throwable liveStream = assertThrows(Exception.class,
                () -> cassettes.with(recording, CassetteMode.RECORD, () -> stream(plain("q2"))));
        server.stop();

        Cassette replaying = Cassette.load(recording.file());
        assertEquals(503, replaying.interactions().stream().filter(i -> i.body().contains("503")).findFirst()
                .orElseThrow().status());
        Exception replayedPlain = assertThrows(Exception.class,
                () -> cassettes.with(replaying, CassetteMode.REPLAY, () -> chat.chat(plain("q1"))));
        Throwable replayedStream = assertThrows(Exception.class,
                () -> cassettes.with(replaying, CassetteMode.REPLAY, () -> stream(plain("q2"))));
        assertEquals(livePlain.getClass(), replayedPlain.getClass());
        assertEquals(livePlain.getMessage(), replayedPlain.getMessage());
        assertEquals(rootCause(liveStream).getClass(), rootCause(replayedStream).getClass());
        assertEquals(rootCause(liveStream).getMessage(), rootCause(replayedStream).getMessage());
        assertTrue(rootCause(replayedStream).getMessage().contains("HTTP 500"), rootCause(replayedStream).toString());
    }

    @Test
    void withoutACassetteCallsGoThroughUnrecorded() throws Exception {
        server.enqueue(Step.answer("live"));
        assertTrue(cassettes.current().isEmpty());
        assertEquals("live", chat.chat(plain("q")).aiMessage().text());
        assertEquals(1, server.requests().size());
    }

    private CassetteHttpClientBuilder httpClient() {
        return new CassetteHttpClientBuilder(JdkHttpClient.builder()
                .httpClientBuilder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1))
                .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(10)), cassettes, server.baseUrl());
    }

    private static ChatRequest plain(String question) {
        return ChatRequest.builder().messages(SystemMessage.from("Answer from the sources."), UserMessage.from(question))
                .build();
    }

    private static ChatRequest withTools(String question) {
        ToolSpecification search = ToolSpecification.builder().name("search_knowledge").description("Searches the docs.")
                .parameters(JsonObjectSchema.builder().addStringProperty("query").required("query").build()).build();
        return ChatRequest.builder().messages(UserMessage.from(question)).toolSpecifications(search).build();
    }

    /** Partial responses, then the complete response. */
    private record Streamed(List<String> tokens, ChatResponse response) {}

    private Streamed stream(ChatRequest request) throws Exception {
        List<String> tokens = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                tokens.add(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        try {
            // a bound so a broken client fails the test instead of hanging it; replay answers at once
            ChatResponse response = done.get(30, TimeUnit.SECONDS);
            return new Streamed(List.copyOf(tokens), response);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) return type.cast(c);
            for (Throwable s : c.getSuppressed()) if (type.isInstance(s)) return type.cast(s);
        }
        return null;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c;
    }

    @Test
    void theStreamedRecordingIsTheRawEvents() throws Exception {
        server.enqueue(Step.stream("a", "b"));
        Cassette recording = Cassette.create(dir.resolve("raw.json"));
        cassettes.with(recording, CassetteMode.RECORD, () -> stream(plain("q")));
        Cassette.Interaction i = recording.interactions().get(0);
        assertTrue(i.streamed());
        assertEquals(5, i.events().size(), "role, a, b, finish, [DONE]: " + i.events());
        assertEquals("[DONE]", i.events().get(4));
        assertInstanceOf(com.fasterxml.jackson.databind.node.ObjectNode.class, i.request());
        assertTrue(i.request().path("stream").asBoolean());
        assertFalse(Files.readString(recording.file()).contains("\r"));
    }
}
