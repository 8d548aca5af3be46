package dev.lore.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.lore.support.ScriptedOpenAiServer.Step;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scripted server on its own, checked with a real OpenAI client (langchain4j) and the JDK HTTP client: the wire
 * format is what clients parse, including tool calls, and stop/start keeps the port.
 */
class ScriptedOpenAiServerTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private ScriptedOpenAiServer server;

    @BeforeEach
    void start() {
        server = new ScriptedOpenAiServer().start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void listsOneModel() throws Exception {
        HttpResponse<String> r = get("/v1/models");
        assertEquals(200, r.statusCode());
        assertEquals("{\"object\":\"list\",\"data\":[{\"id\":\"scripted-model\",\"object\":\"model\",\"owned_by\":\"lore-tests\"}]}", r.body());
        assertEquals(1, server.modelListings());
    }

    @Test
    void plainCompletionThroughAnOpenAiClient() {
        server.enqueue(Step.completion("Hello [1]."));
        ChatResponse response = chatModel(Duration.ofSeconds(5)).chat(UserMessage.from("hi"));
        assertEquals("Hello [1].", response.aiMessage().text());
        assertEquals(FinishReason.STOP, response.finishReason());
        assertEquals(49, response.tokenUsage().totalTokenCount());
        assertEquals(1, server.requests().size());
        assertEquals("hi", server.lastRequest().path("messages").get(0).path("content").asText());
        assertEquals("scripted-model", server.lastRequest().path("model").asText());
        // queue empty: the default answer, every time
        assertEquals(ScriptedOpenAiServer.DEFAULT_ANSWER, chatModel(Duration.ofSeconds(5)).chat(UserMessage.from("again")).aiMessage().text());
        assertEquals(ScriptedOpenAiServer.DEFAULT_ANSWER, chatModel(Duration.ofSeconds(5)).chat(UserMessage.from("again")).aiMessage().text());
    }

    @Test
    void streamThroughAnOpenAiClient() throws Exception {
        server.enqueue(Step.stream("One ", "two ", "three."));
        Collected c = stream(streamingModel(), "count");
        assertEquals(List.of("One ", "two ", "three."), c.tokens);
        assertEquals("One two three.", c.done.get(5, TimeUnit.SECONDS).aiMessage().text());
        assertTrue(server.lastRequest().path("stream").asBoolean());
    }

    @Test
    void answerStepAdaptsToStreamingOrNot() throws Exception {
        server.setDefault(Step.answer("Adaptive answer [2]."));
        assertEquals("Adaptive answer [2].", chatModel(Duration.ofSeconds(5)).chat(UserMessage.from("q")).aiMessage().text());
        Collected c = stream(streamingModel(), "q");
        assertEquals("Adaptive answer [2].", c.done.get(5, TimeUnit.SECONDS).aiMessage().text());
        assertEquals(List.of("Adaptive ", "answer ", "[2]."), c.tokens);
    }

    @Test
    void rawSseWireFormat() throws Exception {
        server.enqueue(Step.stream("a", "b"));
        HttpResponse<String> r = post("{\"model\":\"m\",\"stream\":true,\"messages\":[]}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        String[] events = r.body().split("\n\n");
        assertEquals(5, events.length, r.body());
        for (String e : events) assertTrue(e.startsWith("data: "), e);
        assertTrue(events[0].contains("\"object\":\"chat.completion.chunk\"") && events[0].contains("\"role\":\"assistant\""));
        assertTrue(events[1].contains("\"delta\":{\"content\":\"a\"}") && events[1].contains("\"model\":\"m\""), events[1]);
        assertTrue(events[3].contains("\"finish_reason\":\"stop\""), events[3]);
        assertEquals("data: [DONE]", events[4]);
    }

    @Test
    void toolCallsInAMessage() {
        server.enqueue(Step.message("""
                {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                 "function":{"name":"search","arguments":"{\\"query\\":\\"backups\\"}"}}]}""", "tool_calls"));
        ChatResponse response = chatModel(Duration.ofSeconds(5)).chat(ChatRequest.builder()
                .messages(UserMessage.from("find backups")).toolSpecifications(searchTool()).build());
        List<ToolExecutionRequest> calls = response.aiMessage().toolExecutionRequests();
        assertEquals(1, calls.size());
        assertEquals("call_1", calls.get(0).id());
        assertEquals("search", calls.get(0).name());
        assertEquals("{\"query\":\"backups\"}", calls.get(0).arguments());
        assertEquals(FinishReason.TOOL_EXECUTION, response.finishReason());
        assertEquals("search", server.lastRequest().path("tools").get(0).path("function").path("name").asText());
    }

    @Test
    void toolCallsInStreamDeltas() throws Exception {
        String id = "chatcmpl-tools";
        server.enqueue(Step.chunks(List.of(
                ScriptedOpenAiServer.chunk(id, "{\"role\":\"assistant\"}", null),
                ScriptedOpenAiServer.chunk(id, "{\"tool_calls\":[{\"index\":0,\"id\":\"call_7\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":\"\"}}]}", null),
                ScriptedOpenAiServer.chunk(id, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"query\\\":\"}}]}", null),
                ScriptedOpenAiServer.chunk(id, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"vacation\\\"}\"}}]}", null),
                ScriptedOpenAiServer.chunk(id, "{}", "tool_calls"),
                "[DONE]")));
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streamingModel().chat(ChatRequest.builder().messages(UserMessage.from("vacation?")).toolSpecifications(searchTool()).build(),
                handler(new CopyOnWriteArrayList<>(), done));
        ChatResponse response = done.get(5, TimeUnit.SECONDS);
        List<ToolExecutionRequest> calls = response.aiMessage().toolExecutionRequests();
        assertEquals(1, calls.size());
        assertEquals("call_7", calls.get(0).id());
        assertEquals("search", calls.get(0).name());
        assertEquals("{\"query\":\"vacation\"}", calls.get(0).arguments());
    }

    @Test
    void streamedToolCallsInPiecesWithAndWithoutIndex() throws Exception {
        ScriptedOpenAiServer.Call call = new ScriptedOpenAiServer.Call("call_9", "search", "{\"query\":\"vacation days\"}");
        server.enqueue(Step.streamedToolCalls(true, 4, call));
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streamingModel().chat(ChatRequest.builder().messages(UserMessage.from("vacation?")).toolSpecifications(searchTool()).build(),
                handler(new CopyOnWriteArrayList<>(), done));
        List<ToolExecutionRequest> calls = done.get(5, TimeUnit.SECONDS).aiMessage().toolExecutionRequests();
        assertEquals(1, calls.size());
        assertEquals("call_9", calls.get(0).id());
        assertEquals("{\"query\":\"vacation days\"}", calls.get(0).arguments());

        Step noIndex = Step.streamedToolCalls(false, 4, call);
        assertTrue(noIndex.events().size() > 6, "arguments split into pieces: " + noIndex.events());
        assertFalse(String.join("", noIndex.events()).contains("\"tool_calls\":[{\"index\""), "no delta carries an index");
        // langchain4j's streaming client cannot read deltas without index (why Lore reads streams itself)
        server.enqueue(noIndex);
        CompletableFuture<ChatResponse> failed = new CompletableFuture<>();
        streamingModel().chat(ChatRequest.builder().messages(UserMessage.from("vacation?")).toolSpecifications(searchTool()).build(),
                handler(new CopyOnWriteArrayList<>(), failed));
        assertThrows(java.util.concurrent.ExecutionException.class, () -> failed.get(5, TimeUnit.SECONDS));
    }

    @Test
    void httpErrorStatus() throws Exception {
        server.enqueue(Step.error(500));
        HttpResponse<String> r = post("{\"model\":\"m\",\"messages\":[]}");
        assertEquals(500, r.statusCode());
        assertTrue(r.body().contains("\"error\""), r.body());
        server.enqueue(Step.error(503));
        assertThrows(RuntimeException.class, () -> chatModel(Duration.ofSeconds(5)).chat(UserMessage.from("x")));
        assertEquals(2, server.requests().size());
    }

    @Test
    void delayOutlastsAClientTimeout() {
        server.enqueue(Step.completion("late").delayed(3_000));
        long start = System.nanoTime();
        assertThrows(RuntimeException.class, () -> chatModel(Duration.ofMillis(500)).chat(UserMessage.from("x")));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 2_500, "the client gave up before the delay ended");
        assertEquals(1, server.requests().size(), "recorded on arrival, before the delay");
    }

    @Test
    void stopRefusesConnectionsAndStartReopensTheSamePort() throws Exception {
        int port = server.port();
        assertTrue(port > 0);
        server.stop();
        assertFalse(server.isRunning());
        IOException refused = assertThrows(IOException.class, () -> get("/v1/models"));
        assertTrue(refused instanceof ConnectException || refused.getCause() instanceof ConnectException, refused.toString());
        server.start();
        assertEquals(port, server.port());
        assertEquals(200, get("/v1/models").statusCode());
    }

    @Test
    void stopDropsADelayedRequest() throws Exception {
        server.enqueue(Step.completion("never").delayed(30_000));
        CompletableFuture<HttpResponse<String>> pending = http.sendAsync(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(server.awaitRequests(1, Duration.ofSeconds(5)), "the request arrived");
        long start = System.nanoTime();
        server.stop();
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000, "stop does not wait for the delay");
        assertThrows(Exception.class, () -> pending.get(5, TimeUnit.SECONDS));
    }

    @Test
    void unknownRouteIs404() throws Exception {
        assertEquals(404, get("/v1/embeddings").statusCode());
    }

    // ---------------------------------------------------------------------------------------------------------------

    private record Collected(List<String> tokens, CompletableFuture<ChatResponse> done) {}

    private static Collected stream(StreamingChatModel model, String question) {
        List<String> tokens = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(question, handler(tokens, done));
        try {
            done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("stream did not complete", e);
        }
        return new Collected(tokens, done);
    }

    private static StreamingChatResponseHandler handler(List<String> tokens, CompletableFuture<ChatResponse> done) {
        return new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String token) {
                tokens.add(token);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        };
    }

    private static ToolSpecification searchTool() {
        return ToolSpecification.builder().name("search").description("search the documents")
                .parameters(JsonObjectSchema.builder().addStringProperty("query").required("query").build()).build();
    }

    private ChatModel chatModel(Duration timeout) {
        return OpenAiChatModel.builder().baseUrl(server.baseUrl()).apiKey("none").modelName(ScriptedOpenAiServer.MODEL_ID)
                .timeout(timeout).maxRetries(0).build();
    }

    private StreamingChatModel streamingModel() {
        return OpenAiStreamingChatModel.builder().baseUrl(server.baseUrl()).apiKey("none").modelName(ScriptedOpenAiServer.MODEL_ID)
                .timeout(Duration.ofSeconds(5)).build();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
