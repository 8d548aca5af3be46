package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.lore.agent.tool.RepairedToolCalls;
import dev.lore.agent.tool.StreamedTextGuard;
import dev.lore.agent.tool.StreamedToolCallAccumulator;
import dev.lore.agent.tool.ToolCallRepair;
import dev.lore.chat.ModelConfig;
import dev.lore.chat.ModelServer;
import dev.lore.eval.replay.ActiveCassette;
import dev.lore.eval.replay.Cassette;
import dev.lore.eval.replay.ModelCassettes;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One streamed chat completion ({@code "stream": true}) from the OpenAI-compatible model server, read with the JDK
 * HttpClient: the server-sent events go into a {@link StreamedToolCallAccumulator}, so tool-call deltas without
 * {@code index} or split across chunks still make whole calls (langchain4j's streaming parser fails on a delta without
 * {@code index}), and calls written as text are read by {@link ToolCallRepair} when the stream ends. Answer text is
 * passed on as it arrives, through a {@link StreamedTextGuard}.
 *
 * <p>Failures are thrown as unchecked exceptions that {@code AnswerService.shortReason} words for users: an HTTP
 * status other than 200 ({@link HttpException}), a refused connection, no data for {@code lore.model.timeout} or a
 * stream that ends before {@code [DONE]} or a finish reason ({@link UncheckedIOException} around the cause). One
 * watchdog thread checks every open stream four times a second, so a stream costs no thread of its own beyond the
 * caller's.
 *
 * <p>When {@link ModelCassettes} says a cassette applies, a completion is recorded (its {@code data:} payloads, or
 * its error status and body) or replayed from the cassette without a connection, the events read exactly as a live
 * stream's; a request with no recording throws {@link dev.lore.eval.replay.NoRecordingException}.
 */
@ApplicationScoped
public class ModelStream {

    private static final long WATCH_EVERY_MILLIS = 250;
    private static final String PATH = "/chat/completions";

    private final ModelServer models;
    private final ObjectMapper json;
    private final ModelCassettes cassettes;
    private final HttpClient client;
    private final Set<Watch> open = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService watchdog;
    private final ToolCallRepair repair = new ToolCallRepair();

    /**
     * The outcome of one streamed completion.
     *
     * @param output the text and the tool calls (repaired; text-form calls read from the content)
     * @param model the model name the server reported, or the one requested
     * @param tokensIn prompt tokens from the usage chunk, or null when the server sent none
     * @param tokensOut completion tokens from the usage chunk, or null
     */
    public record Completion(RepairedToolCalls output, String model, Integer tokensIn, Integer tokensOut) {}

    @Inject
    public ModelStream(ModelServer models, ObjectMapper json, ModelCassettes cassettes) {
        this.models = models;
        this.json = json;
        this.cassettes = cassettes;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(models.config().connectTimeout()).build();
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lore-model-stream-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleWithFixedDelay(this::watch, WATCH_EVERY_MILLIS, WATCH_EVERY_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * Each open HTTP connection of the JDK client keeps one read buffer ({@code jdk.httpclient.bufsize}, 16 KiB by
     * default); server-sent events come in pieces of a few hundred bytes, so Lore asks for 4 KiB unless the JVM was
     * started with a size. Runs before any client is built.
     */
    static void smallerReadBuffers(@Observes @Priority(1) StartupEvent event) {
        if (System.getProperty("jdk.httpclient.bufsize") == null) System.setProperty("jdk.httpclient.bufsize", "4096");
    }

    @PreDestroy
    void close() {
        watchdog.shutdownNow();
    }

    /**
     * Streams one completion. Blocks until the stream ends.
     *
     * @param model the model name to send
     * @param temperature sampling temperature, or null for {@code lore.model.temperature}
     * @param messages the conversation (system, user, assistant with tool calls, tool results)
     * @param tools the tools offered (their JSON Schemas are sent as they are); empty for none
     * @param onText receives answer text as it can be shown (see {@link StreamedTextGuard}); text held back is passed
     *     on at the end when the stream called no tools
     * @param deadlineNanos {@link System#nanoTime()} after which the stream is cut (the turn's time limit)
     * @throws HttpException when the server answers with another status than 200
     * @throws UncheckedIOException when the server cannot be reached, stays silent for {@code lore.model.timeout}, the
     *     deadline passes or the stream breaks off
     * @throws dev.lore.eval.replay.NoRecordingException when a cassette replays and has no recording of this request
     */
    public Completion complete(String model, Double temperature, List<ChatMessage> messages, List<AgentTool> tools,
                               Consumer<String> onText, long deadlineNanos) {
        ModelConfig config = models.config();
        ObjectNode body = body(model, temperature, messages, tools);
        Optional<ActiveCassette> cassette = cassettes.current();
        if (cassette.isPresent() && cassette.get().replaying()) {
            return replay(cassette.get(), body, model, onText, tools, deadlineNanos);
        }
        List<String> recorded = cassette.isPresent() ? new ArrayList<>() : null;
        HttpRequest request = HttpRequest.newBuilder(URI.create(stripSlash(config.baseUrl()) + PATH))
                .timeout(config.timeout())
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + config.apiKey())
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes(body))).build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while waiting for the model server", e));
        }
        Watch watch = new Watch(response.body(), config.timeout().toNanos(), deadlineNanos);
        open.add(watch);
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) {
                String text = new String(in.readNBytes(2_000), StandardCharsets.UTF_8);
                if (recorded != null) {
                    cassette.get().record("POST", PATH, body, response.statusCode(), Cassette.responseBody(text), null);
                }
                throw new HttpException(response.statusCode(), text);
            }
            Completion completion;
            try {
                completion = read(in, watch, model, onText, toolNames(tools), recorded);
            } catch (HttpException e) {
                // an error event in the stream: replaying the same events raises it again
                if (recorded != null) cassette.get().record("POST", PATH, body, 200, null, recorded);
                throw e;
            }
            if (recorded != null) cassette.get().record("POST", PATH, body, 200, null, recorded);
            return completion;
        } catch (IOException e) {
            throw new UncheckedIOException(watch.failure(e));
        } finally {
            open.remove(watch);
        }
    }

    /** A completion from the cassette: its recorded events read like a live stream's, no connection opened. */
    private Completion replay(ActiveCassette cassette, ObjectNode body, String model, Consumer<String> onText,
                              List<AgentTool> tools, long deadlineNanos) {
        Cassette.Interaction recorded = cassette.replay("POST", PATH, body);
        if (recorded.status() != 200) throw new HttpException(recorded.status(), recorded.body());
        InputStream in = new ByteArrayInputStream(recorded.eventStream());
        try {
            return read(in, new Watch(in, Long.MAX_VALUE, deadlineNanos), model, onText, toolNames(tools), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the stream; {@code recorded}, when not null, receives every non-empty {@code data:} payload as read.
     */
    private Completion read(InputStream in, Watch watch, String requestedModel, Consumer<String> onText,
                            Set<String> toolNames, List<String> recorded) throws IOException {
        StreamedToolCallAccumulator calls = new StreamedToolCallAccumulator();
        StreamedTextGuard guard = new StreamedTextGuard();
        LineReader lines = new LineReader(in);
        String model = requestedModel;
        Integer tokensIn = null;
        Integer tokensOut = null;
        boolean done = false;
        while (!done) {
            String line;
            try {
                line = lines.next();
            } catch (IOException e) {
                if (watch.finished) break; // the answer was complete; a server that then hangs or drops is forgiven
                throw e;
            }
            if (line == null) break;
            watch.activity();
            if (!line.startsWith("data:")) continue; // blank separators, comments (keep-alives), event names, ids
            String data = line.substring(line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5).strip();
            if (recorded != null && !data.isEmpty()) recorded.add(data);
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            if (data.isEmpty()) continue;
            JsonNode chunk = json.readTree(data);
            JsonNode error = chunk.path("error");
            if (error.isObject() || error.isTextual()) {
                int status = error.path("code").isInt() ? error.path("code").asInt() : 500;
                throw new HttpException(status, error.isTextual() ? error.asText() : error.path("message").asText(error.toString()));
            }
            if (chunk.path("model").isTextual()) model = chunk.path("model").asText();
            JsonNode usage = chunk.path("usage");
            if (usage.path("prompt_tokens").canConvertToInt()) tokensIn = usage.path("prompt_tokens").asInt();
            if (usage.path("completion_tokens").canConvertToInt()) tokensOut = usage.path("completion_tokens").asInt();
            calls.acceptChunk(chunk);
            JsonNode content = chunk.path("choices").path(0).path("delta").path("content");
            if (content.isTextual()) emit(onText, guard.accept(content.asText()));
            JsonNode finish = chunk.path("choices").path(0).path("finish_reason");
            if (finish.isTextual() && !finish.asText().isEmpty()) watch.finished = true;
        }
        if (!done && !watch.finished) {
            throw new EOFException("the model server ended the stream before the answer was complete");
        }
        RepairedToolCalls output = calls.finish(repair, toolNames);
        if (!output.hasToolCalls()) emit(onText, guard.finish());
        return new Completion(output, model, tokensIn, tokensOut);
    }

    /** Written with the application's mapper (pooled buffers); {@code JsonNode.toString()} would keep a set per thread. */
    private byte[] bytes(JsonNode body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void emit(Consumer<String> onText, String text) {
        if (!text.isEmpty()) onText.accept(text);
    }

    private ObjectNode body(String model, Double temperature, List<ChatMessage> messages, List<AgentTool> tools) {
        ModelConfig config = models.config();
        ObjectNode body = json.createObjectNode().put("model", model).put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        body.put("temperature", temperature == null ? config.temperature() : temperature);
        body.put("max_tokens", config.maxTokens());
        ArrayNode out = body.putArray("messages");
        for (ChatMessage m : messages) out.add(message(m));
        if (!tools.isEmpty()) {
            ArrayNode list = body.putArray("tools");
            for (AgentTool t : tools) {
                ObjectNode fn = list.addObject().put("type", "function").putObject("function");
                fn.put("name", t.name()).put("description", t.description()).set("parameters", t.parameters());
            }
        }
        return body;
    }

    private ObjectNode message(ChatMessage m) {
        ObjectNode node = json.createObjectNode();
        switch (m) {
            case SystemMessage s -> node.put("role", "system").put("content", s.text());
            case UserMessage u -> node.put("role", "user").put("content", u.singleText());
            case AiMessage a -> {
                node.put("role", "assistant").put("content", a.text());
                if (a.hasToolExecutionRequests()) {
                    ArrayNode calls = node.putArray("tool_calls");
                    for (ToolExecutionRequest r : a.toolExecutionRequests()) {
                        calls.addObject().put("id", r.id()).put("type", "function").putObject("function")
                                .put("name", r.name()).put("arguments", r.arguments());
                    }
                }
            }
            case ToolExecutionResultMessage t -> node.put("role", "tool").put("tool_call_id", t.id()).put("content", t.text());
            default -> throw new IllegalArgumentException("cannot send a " + m.type() + " message");
        }
        return node;
    }

    private static Set<String> toolNames(List<AgentTool> tools) {
        Set<String> names = new java.util.HashSet<>();
        for (AgentTool t : tools) names.add(t.name());
        return names;
    }

    /** Closes streams that stayed silent too long or ran past their deadline; their readers then fail. */
    private void watch() {
        long now = System.nanoTime();
        for (Watch w : open) {
            String reason = now - w.lastActivity > w.idleNanos
                    ? "no data from the model server for " + TimeUnit.NANOSECONDS.toSeconds(w.idleNanos) + " s"
                    : now - w.deadline > 0 ? "the turn's time limit was reached" : null;
            if (reason == null) continue;
            w.reason = reason;
            try {
                w.in.close();
            } catch (IOException ignored) {
                // the reader fails either way
            }
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** One open stream as the watchdog sees it. */
    private static final class Watch {
        final InputStream in;
        final long idleNanos;
        final long deadline;
        volatile long lastActivity = System.nanoTime();
        volatile String reason;
        volatile boolean finished;

        Watch(InputStream in, long idleNanos, long deadline) {
            this.in = in;
            this.idleNanos = idleNanos;
            this.deadline = deadline;
        }

        void activity() {
            lastActivity = System.nanoTime();
        }

        /** The exception to report: a timeout when the watchdog cut the stream, else {@code e}. */
        IOException failure(IOException e) {
            if (reason == null) return e;
            HttpTimeoutException t = new HttpTimeoutException(reason);
            t.initCause(e);
            return t;
        }
    }

    /** Reads UTF-8 lines ({@code \n} or {@code \r\n}) with a small buffer that grows only for long lines. */
    private static final class LineReader {
        private final InputStream in;
        private byte[] buf = new byte[512];
        private int start;
        private int end;
        private boolean eof;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** The next line without its terminator, or null at the end of the stream. */
        String next() throws IOException {
            while (true) {
                for (int i = start; i < end; i++) {
                    if (buf[i] == '\n') {
                        int stop = i > start && buf[i - 1] == '\r' ? i - 1 : i;
                        String line = new String(buf, start, stop - start, StandardCharsets.UTF_8);
                        start = i + 1;
                        return line;
                    }
                }
                if (eof) {
                    if (start == end) return null;
                    String last = new String(buf, start, end - start, StandardCharsets.UTF_8);
                    start = end;
                    return last;
                }
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
                int n = in.read(buf, end, buf.length - end);
                if (n < 0) eof = true;
                else end += n;
            }
        }
    }
}
