package dev.lore.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on {@code 127.0.0.1} that speaks the OpenAI chat-completions wire format and answers from a
 * script, so tests can drive the application's model client end to end (sockets, JSON, server-sent events).
 *
 * <p>Endpoints:
 * <ul>
 *   <li>{@code GET /v1/models}: one model, {@value #MODEL_ID}.</li>
 *   <li>{@code POST /v1/chat/completions}: records the parsed request body ({@link #requests()}), then answers with the
 *       next {@link Step} of the script queue ({@link #enqueue}), or with the default step ({@link #setDefault}) when
 *       the queue is empty.</li>
 *   <li>anything else: 404 with an OpenAI error body.</li>
 * </ul>
 *
 * <p>A {@link Step} is {@code (delayMillis, status, body, events, eventDelayMillis)}: the server waits
 * {@code delayMillis}, then sends {@code status} with either the JSON {@code body} or, as {@code text/event-stream},
 * one {@code data: <payload>} event per entry of {@code events} (each payload sent verbatim, so a script includes
 * {@code [DONE]} itself when it wants one). When a step has both, the request's {@code "stream": true} picks the
 * events. Factories cover the usual cases ({@link Step#answer}, {@link Step#completion}, {@link Step#stream},
 * {@link Step#error}); {@link Step#message} and {@link Step#chunks} with {@link #chunk} take raw JSON, e.g. to script
 * {@code tool_calls}.
 *
 * <p>{@link #stop()} closes the port (clients get "connection refused"); {@link #start()} opens it again on the same
 * port. Thread-safe; requests are served concurrently, so a delayed step does not hold up other requests.
 */
public final class ScriptedOpenAiServer implements AutoCloseable {

    /** The id of the one model {@code GET /v1/models} lists. */
    public static final String MODEL_ID = "scripted-model";

    /** The content of the answer served when nothing is scripted, unless {@link #setDefault} changed it. */
    public static final String DEFAULT_ANSWER = "This is the scripted model's default answer [1].";

    static {
        // send each streamed event at once, as real model servers do: the JDK server leaves Nagle's algorithm on unless
        // told (read once per JVM, when its first server starts)
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final AtomicLong IDS = new AtomicLong();

    private final Object lifecycle = new Object();
    private final ConcurrentLinkedDeque<Step> script = new ConcurrentLinkedDeque<>();
    private final List<ObjectNode> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger modelListings = new AtomicInteger();
    private volatile Step defaultStep = Step.answer(DEFAULT_ANSWER);
    private volatile java.util.function.Function<ObjectNode, Step> responder;
    private volatile int port;
    private HttpServer server;
    private ExecutorService executor;
    private volatile CountDownLatch stopped = new CountDownLatch(1);

    /**
     * A server that will listen on {@code port} once {@link #start() started}.
     *
     * @param port the TCP port on 127.0.0.1, or 0 for an ephemeral one (chosen at the first start and kept by later
     *     restarts)
     */
    public ScriptedOpenAiServer(int port) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port);
        this.port = port;
    }

    /** A server on an ephemeral port, chosen at the first {@link #start()}. */
    public ScriptedOpenAiServer() {
        this(0);
    }

    /**
     * Opens the port and serves requests; does nothing when already running. After {@link #stop()} it binds the same
     * port again, retrying for a few seconds while the operating system still holds it.
     *
     * @return this server
     * @throws UncheckedIOException when the port cannot be bound
     */
    public ScriptedOpenAiServer start() {
        synchronized (lifecycle) {
            if (server != null) return this;
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            HttpServer s = null;
            IOException last = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (s == null) {
                try {
                    s = HttpServer.create(address, 1024);
                } catch (BindException e) {
                    last = e;
                    if (port == 0 || System.nanoTime() > deadline) break;
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                } catch (IOException e) {
                    last = e;
                    break;
                }
            }
            if (s == null) throw new UncheckedIOException("cannot bind " + address, Objects.requireNonNull(last));
            // a virtual thread per exchange: a benchmark holds a thousand slow streams open at once
            executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("scripted-openai-", 1).factory());
            s.setExecutor(executor);
            s.createContext("/", this::handle);
            stopped = new CountDownLatch(1);
            s.start();
            port = s.getAddress().getPort();
            server = s;
            return this;
        }
    }

    /**
     * Closes the port and every open connection at once; requests waiting out a step's delay are dropped without an
     * answer. Later connections are refused until {@link #start()}. Does nothing when not running. The script,
     * default and recorded requests are kept.
     */
    public void stop() {
        synchronized (lifecycle) {
            if (server == null) return;
            stopped.countDown();
            server.stop(0);
            executor.shutdownNow();
            server = null;
            executor = null;
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Whether the port is open. */
    public boolean isRunning() {
        synchronized (lifecycle) {
            return server != null;
        }
    }

    /** The TCP port; 0 until an ephemeral server has been started once. */
    public int port() {
        return port;
    }

    /** The OpenAI base URL clients use, {@code http://127.0.0.1:<port>/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    /**
     * Appends steps to the script; each chat-completions request consumes one, in order.
     *
     * @param steps the answers to give
     * @return this server
     */
    public ScriptedOpenAiServer enqueue(Step... steps) {
        script.addAll(Arrays.asList(steps));
        return this;
    }

    /**
     * Sets the step served, every time, once the script queue is empty.
     *
     * @param step the fallback answer
     * @return this server
     */
    public ScriptedOpenAiServer setDefault(Step step) {
        defaultStep = Objects.requireNonNull(step);
        return this;
    }

    /**
     * Sets a function that answers each request the script queue does not (it reads the parsed request body; null
     * falls through to the default step), e.g. a scripted model that reads the prompt. {@link #reset()} removes it.
     *
     * @param fn the responder, or null for none
     * @return this server
     */
    public ScriptedOpenAiServer setResponder(java.util.function.Function<ObjectNode, Step> fn) {
        responder = fn;
        return this;
    }

    /** How many scripted steps have not been served yet. */
    public int pending() {
        return script.size();
    }

    /**
     * Back to the initial state: empty script, default answer {@link #DEFAULT_ANSWER}, no recorded requests. Does not
     * start or stop the server.
     */
    public void reset() {
        script.clear();
        requests.clear();
        modelListings.set(0);
        defaultStep = Step.answer(DEFAULT_ANSWER);
        responder = null;
    }

    /** Forgets the recorded requests. */
    public void clearRequests() {
        requests.clear();
    }

    /**
     * The bodies of the chat-completions requests received so far, oldest first, as parsed JSON (a body that was not
     * JSON is recorded as {@code {"unparsable": "<text>"}}). A request is recorded when it arrives, before its step's
     * delay.
     */
    public List<ObjectNode> requests() {
        return List.copyOf(requests);
    }

    /** The most recent chat-completions request body, or null when none came. */
    public ObjectNode lastRequest() {
        List<ObjectNode> all = requests();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /**
     * Waits until at least {@code count} chat-completions requests have been recorded (since the last
     * {@link #reset()} or {@link #clearRequests()}).
     *
     * @param count requests wanted
     * @param timeout the longest wait
     * @return true when they came in time
     */
    public boolean awaitRequests(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (requests) {
            while (requests.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(requests, left);
            }
            return true;
        }
    }

    /** How many times {@code GET /v1/models} was called. */
    public int modelListings() {
        return modelListings.get();
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if ("GET".equals(method) && path.equals("/v1/models")) {
                modelListings.incrementAndGet();
                ObjectNode model = NODES.objectNode().put("id", MODEL_ID).put("object", "model").put("owned_by", "lore-tests");
                ObjectNode list = NODES.objectNode().put("object", "list");
                list.putArray("data").add(model);
                sendJson(ex, 200, list.toString());
            } else if ("POST".equals(method) && path.equals("/v1/chat/completions")) {
                completions(ex);
            } else {
                sendJson(ex, 404, errorBody("no route for " + method + " " + path, "invalid_request_error"));
            }
        } catch (IOException e) {
            // the client went away (timed out, or the server was stopped): nothing to answer
        }
    }

    private void completions(HttpExchange ex) throws IOException {
        byte[] raw;
        try (InputStream in = ex.getRequestBody()) {
            raw = in.readAllBytes();
        }
        ObjectNode request;
        try {
            JsonNode parsed = JSON.readTree(raw);
            request = parsed instanceof ObjectNode o ? o : NODES.objectNode().put("unparsable", new String(raw, StandardCharsets.UTF_8));
        } catch (IOException e) {
            request = NODES.objectNode().put("unparsable", new String(raw, StandardCharsets.UTF_8));
        }
        synchronized (requests) {
            requests.add(request);
            requests.notifyAll();
        }
        Step step = script.pollFirst();
        if (step == null && responder != null) step = responder.apply(request);
        if (step == null) step = defaultStep;
        CountDownLatch stop = stopped;
        if (step.delayMillis() > 0 && waitOrStopped(stop, step.delayMillis())) return;
        boolean streaming = request.path("stream").asBoolean(false);
        String model = request.path("model").asText(MODEL_ID);
        if (step.events() != null && (streaming || step.body() == null)) {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(step.status(), 0);
            OutputStream out = ex.getResponseBody();
            boolean first = true;
            for (String payload : step.events()) {
                if (!first && step.eventDelayMillis() > 0 && waitOrStopped(stop, step.eventDelayMillis())) return;
                first = false;
                out.write(("data: " + withModel(payload, model) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            out.close();
        } else {
            String body = step.body() == null ? "" : withModel(step.body(), model);
            sendJson(ex, step.status(), body);
        }
    }

    /** Puts the requested model's name, as a JSON string, in place of the {@code "{{model}}"} placeholder. */
    private static String withModel(String json, String model) {
        return json.replace("\"{{model}}\"", NODES.textNode(model).toString());
    }

    /** Waits {@code millis}; true when the server was stopped meanwhile. */
    private static boolean waitOrStopped(CountDownLatch stop, long millis) {
        try {
            return stop.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static void sendJson(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static String errorBody(String message, String type) {
        ObjectNode error = NODES.objectNode();
        error.putObject("error").put("message", message).put("type", type).putNull("param").putNull("code");
        return error.toString();
    }

    private static String nextId() {
        return "chatcmpl-scripted-" + IDS.incrementAndGet();
    }

    private static ObjectNode usage() {
        return NODES.objectNode().put("prompt_tokens", 42).put("completion_tokens", 7).put("total_tokens", 49);
    }

    /**
     * One {@code chat.completion.chunk} payload (for {@link Step#chunks}). The {@code model} field is
     * {@code {{model}}}, replaced when served by the model the request named.
     *
     * @param id the completion id shared by the chunks of one stream
     * @param deltaJson the choice's {@code delta} object as raw JSON, e.g. {@code {"content":"Hi"}} or
     *     {@code {"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"search","arguments":""}}]}}
     * @param finishReason the choice's {@code finish_reason}, or null while the stream goes on
     * @return the JSON text of the chunk
     */
    public static String chunk(String id, String deltaJson, String finishReason) {
        ObjectNode c = NODES.objectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", System.currentTimeMillis() / 1000).put("model", "{{model}}");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        choice.set("delta", parse(deltaJson));
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        if (finishReason != null) c.set("usage", usage());
        return c.toString();
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + json, e);
        }
    }

    /**
     * A tool call for {@link Step#streamedToolCalls}.
     *
     * @param id the call id
     * @param name the function name
     * @param arguments the arguments text, sent in pieces
     */
    public record Call(String id, String name, String arguments) {}

    /**
     * One answer of the script.
     *
     * @param delayMillis how long to wait before sending anything (0: at once)
     * @param status the HTTP status
     * @param body the JSON body sent when the events are not, or null
     * @param events the {@code data:} payloads of a {@code text/event-stream} answer, each sent verbatim, or null;
     *     used when the request asked for {@code "stream": true}, or when there is no body
     * @param eventDelayMillis how long to wait between two events (0: none)
     */
    public record Step(long delayMillis, int status, String body, List<String> events, long eventDelayMillis) {

        /** Validates and copies. */
        public Step {
            if (delayMillis < 0 || eventDelayMillis < 0) throw new IllegalArgumentException("negative delay");
            if (body == null && events == null) throw new IllegalArgumentException("a step needs a body or events");
            events = events == null ? null : List.copyOf(events);
        }

        /**
         * The given text, as a plain {@code chat.completion} or, for a streaming request, as a stream of its words.
         *
         * @param content the assistant message's text
         */
        public static Step answer(String content) {
            String id = nextId();
            List<String> tokens = new ArrayList<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\S+\\s*|\\s+").matcher(content);
            while (m.find()) tokens.add(m.group());
            return new Step(0, 200, completionBody(id, assistant(content), "stop"), streamEvents(id, tokens), 0);
        }

        /**
         * A plain {@code chat.completion} with this text, finish reason {@code stop}, always JSON (even when the request
         * asked for a stream).
         *
         * @param content the assistant message's text
         */
        public static Step completion(String content) {
            return new Step(0, 200, completionBody(nextId(), assistant(content), "stop"), null, 0);
        }

        /**
         * A plain {@code chat.completion} whose message is given as raw JSON, e.g.
         * {@code {"role":"assistant","content":null,"tool_calls":[…]}}.
         *
         * @param messageJson the {@code choices[0].message} object
         * @param finishReason e.g. {@code stop} or {@code tool_calls}
         */
        public static Step message(String messageJson, String finishReason) {
            return new Step(0, 200, completionBody(nextId(), (ObjectNode) parse(messageJson), finishReason), null, 0);
        }

        /**
         * A {@code text/event-stream} answer: a first chunk with the assistant role, one chunk per token carrying
         * {@code delta.content}, a last chunk with finish reason {@code stop} and usage, then {@code [DONE]}.
         *
         * @param tokens the text, in the pieces to send
         */
        public static Step stream(String... tokens) {
            return new Step(0, 200, null, streamEvents(nextId(), List.of(tokens)), 0);
        }

        /**
         * A {@code text/event-stream} answer that calls tools the way streaming servers send them: a first chunk with
         * the assistant role; per call a delta with {@code index}, {@code id}, {@code type} and {@code function.name}
         * (arguments {@code ""}), then its arguments in pieces of at most {@code pieceChars} characters, one chunk each;
         * then a chunk with finish reason {@code tool_calls} and usage, and {@code [DONE]}.
         *
         * @param withIndex false to leave {@code index} out of every delta, as some local servers do
         * @param pieceChars the longest piece of arguments per chunk (at least 1)
         * @param calls the calls, in order
         */
        public static Step streamedToolCalls(boolean withIndex, int pieceChars, Call... calls) {
            if (pieceChars < 1) throw new IllegalArgumentException("pieceChars " + pieceChars);
            String id = nextId();
            List<String> events = new ArrayList<>();
            events.add(chunk(id, "{\"role\":\"assistant\"}", null));
            for (int i = 0; i < calls.length; i++) {
                ObjectNode first = toolCallDelta(withIndex, i);
                first.put("id", calls[i].id()).put("type", "function");
                first.putObject("function").put("name", calls[i].name()).put("arguments", "");
                events.add(toolCallChunk(id, first));
                String args = calls[i].arguments();
                for (int at = 0; at < args.length(); at += pieceChars) {
                    ObjectNode piece = toolCallDelta(withIndex, i);
                    piece.putObject("function").put("arguments", args.substring(at, Math.min(args.length(), at + pieceChars)));
                    events.add(toolCallChunk(id, piece));
                }
            }
            events.add(chunk(id, "{}", "tool_calls"));
            events.add("[DONE]");
            return new Step(0, 200, null, events, 0);
        }

        private static ObjectNode toolCallDelta(boolean withIndex, int index) {
            ObjectNode delta = NODES.objectNode();
            if (withIndex) delta.put("index", index);
            return delta;
        }

        private static String toolCallChunk(String id, ObjectNode toolCallDelta) {
            ObjectNode delta = NODES.objectNode();
            delta.putArray("tool_calls").add(toolCallDelta);
            return chunk(id, delta.toString(), null);
        }

        /**
         * A {@code text/event-stream} answer made of these payloads, sent verbatim (see {@link #chunk}); include
         * {@code "[DONE]"} to end it the OpenAI way.
         *
         * @param payloads the {@code data:} payloads
         */
        public static Step chunks(List<String> payloads) {
            return new Step(0, 200, null, payloads, 0);
        }

        /**
         * An HTTP error with an OpenAI error body.
         *
         * @param status e.g. 500 or 503
         */
        public static Step error(int status) {
            return new Step(0, status, errorBody("scripted failure (HTTP " + status + ")", "server_error"), null, 0);
        }

        /**
         * Any status with any JSON body.
         *
         * @param status the HTTP status
         * @param body the body, sent verbatim
         */
        public static Step raw(int status, String body) {
            return new Step(0, status, body, null, 0);
        }

        /** This step, sent only after {@code millis} milliseconds. */
        public Step delayed(long millis) {
            return new Step(millis, status, body, events, eventDelayMillis);
        }

        /** This step, sent only after {@code delay}. */
        public Step delayed(Duration delay) {
            return delayed(delay.toMillis());
        }

        /** This step with {@code millis} milliseconds between two stream events. */
        public Step eventsEvery(long millis) {
            return new Step(delayMillis, status, body, events, millis);
        }

        /** This step with another HTTP status. */
        public Step withStatus(int newStatus) {
            return new Step(delayMillis, newStatus, body, events, eventDelayMillis);
        }

        private static ObjectNode assistant(String content) {
            return NODES.objectNode().put("role", "assistant").put("content", content);
        }

        private static String completionBody(String id, ObjectNode message, String finishReason) {
            ObjectNode c = NODES.objectNode().put("id", id).put("object", "chat.completion")
                    .put("created", System.currentTimeMillis() / 1000).put("model", "{{model}}");
            ArrayNode choices = c.putArray("choices");
            ObjectNode choice = choices.addObject().put("index", 0);
            choice.set("message", message);
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason);
            c.set("usage", usage());
            return c.toString();
        }

        private static List<String> streamEvents(String id, List<String> tokens) {
            List<String> events = new ArrayList<>();
            events.add(chunk(id, "{\"role\":\"assistant\"}", null));
            for (String t : tokens) events.add(chunk(id, NODES.objectNode().put("content", t).toString(), null));
            events.add(chunk(id, "{}", "stop"));
            events.add("[DONE]");
            return events;
        }
    }
}
