package dev.lore.eval.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Recorded model calls, kept in one JSON file so an evaluation can run again without a model server. The file:
 *
 * <pre>{@code
 * {
 *   "model": "<model name used when recorded>",
 *   "interactions": [ {
 *     "key": "<SHA-256 hex of method, path and canonical request>",
 *     "method": "POST",
 *     "path": "/chat/completions",
 *     "request": { <the request body, object keys sorted recursively> },
 *     "status": 200,
 *     "response": { <the JSON body> } | "<a body that was not JSON>" | null,
 *     "events": [ "<data payload of one server-sent event>", … ] | null
 *   }, … ]
 * }
 * }</pre>
 *
 * <p>Interactions are written sorted by key, two-space indented with {@code \n} line ends, so saving the same content
 * twice gives the same bytes and a re-recording diffs line by line. A streamed answer has {@code events} (the
 * {@code data:} payloads in order, {@code [DONE]} included) and a null {@code response}; a plain one the reverse. An
 * HTTP error is recorded like any answer, with its status and body.
 *
 * <p>The key is computed from {@code method + " " + path + "\n" + canonical request}, where the canonical request is
 * the body parsed as JSON and written compactly with object keys sorted at every depth: the order in which a client
 * writes fields does not matter, every value does (model, messages, tools, temperature, stream flag…). Keys are
 * recomputed when a file is loaded, so a hand-edited request still matches.
 *
 * <p>Thread-safe. Recording the same key again keeps the latest interaction.
 */
public final class Cassette {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectWriter PRETTY;

    static {
        DefaultIndenter lines = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        printer.indentObjectsWith(lines);
        printer.indentArraysWith(lines);
        PRETTY = JSON.writer(printer);
    }

    private final Path file;
    private final Object saving = new Object();
    private final TreeMap<String, Interaction> interactions = new TreeMap<>();
    private String model;

    /**
     * One recorded call.
     *
     * @param key SHA-256 hex of method, path and canonical request ({@link #key})
     * @param method HTTP method, e.g. {@code POST}
     * @param path the path below the model server's base URL, e.g. {@code /chat/completions}
     * @param request the canonical request body ({@link #canonical(JsonNode)}); an empty object for a call without body
     * @param status the HTTP status the server answered
     * @param response the body: JSON as parsed, a text node for a body that was not JSON, or null for a stream
     * @param events the {@code data:} payloads of a streamed answer in order, or null for a plain one
     */
    public record Interaction(String key, String method, String path, JsonNode request, int status, JsonNode response,
                              List<String> events) {

        /** Validates and copies. */
        public Interaction {
            if (key == null || method == null || path == null || request == null) {
                throw new IllegalArgumentException("an interaction needs key, method, path and request");
            }
            events = events == null ? null : List.copyOf(events);
        }

        /**
         * A new interaction, its request made canonical and its key computed.
         *
         * @param request the request body as sent (any field order)
         */
        public static Interaction of(String method, String path, JsonNode request, int status, JsonNode response,
                                     List<String> events) {
            JsonNode canonical = canonical(request);
            return new Interaction(Cassette.key(method, path, canonical), method, path, canonical, status, response, events);
        }

        /** Whether the answer was a stream of server-sent events. */
        public boolean streamed() {
            return events != null;
        }

        /** The response body as the server sent it (JSON written compactly), or {@code ""} when there is none. */
        public String body() {
            if (response == null || response.isNull()) return "";
            return response.isTextual() ? response.asText() : write(response);
        }

        /**
         * The events as a {@code text/event-stream} body: each payload as {@code data:} lines (one per line of the
         * payload), then a blank line.
         */
        public byte[] eventStream() {
            StringBuilder out = new StringBuilder();
            for (String e : events == null ? List.<String>of() : events) {
                for (String line : e.split("\n", -1)) out.append("data: ").append(line).append('\n');
                out.append('\n');
            }
            return out.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    private Cassette(Path file) {
        this.file = file;
    }

    /**
     * An empty cassette that {@link #save()} writes to {@code file}, replacing what is there (to record afresh, so
     * recordings of requests that are no longer made do not linger).
     */
    public static Cassette create(Path file) {
        return new Cassette(file.toAbsolutePath().normalize());
    }

    /**
     * Reads a cassette file.
     *
     * @param file the file; when it does not exist, an empty cassette that {@link #save()} will create
     * @return the cassette
     * @throws UncheckedIOException when the file cannot be read
     * @throws IllegalArgumentException when it is not a cassette
     */
    public static Cassette load(Path file) {
        Cassette c = new Cassette(file.toAbsolutePath().normalize());
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(c.file));
        } catch (NoSuchFileException e) {
            return c;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cassette " + c.file + " is not JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cassette " + c.file, e);
        }
        if (root == null || !root.isObject() || !root.path("interactions").isArray()) {
            throw new IllegalArgumentException("cassette " + c.file + " needs an object with an \"interactions\" array");
        }
        if (root.path("model").isTextual()) c.model = root.path("model").asText();
        for (JsonNode i : root.path("interactions")) {
            List<String> events = null;
            if (i.path("events").isArray()) {
                events = new ArrayList<>();
                for (JsonNode e : i.path("events")) events.add(e.asText());
            }
            JsonNode response = i.hasNonNull("response") ? i.get("response") : null;
            c.put(Interaction.of(i.path("method").asText("POST"), i.path("path").asText(), i.path("request"),
                    i.path("status").asInt(200), response, events));
        }
        return c;
    }

    /** The file this cassette is loaded from and saved to (absolute). */
    public Path file() {
        return file;
    }

    /** The model name recorded with the interactions, when one was. */
    public synchronized Optional<String> model() {
        return Optional.ofNullable(model);
    }

    /** Sets the model name to save with the interactions. */
    public synchronized void model(String name) {
        this.model = name;
    }

    /** The recording for {@code key}, if any. */
    public synchronized Optional<Interaction> find(String key) {
        return Optional.ofNullable(interactions.get(key));
    }

    /** Stores an interaction, replacing one with the same key. Does not save. */
    public synchronized void put(Interaction interaction) {
        interactions.put(interaction.key(), interaction);
    }

    /**
     * Stores a call, replacing a recording of the same request. Does not save.
     *
     * @param request the request body as sent (made canonical here)
     * @param response the JSON body, a text node for a body that was not JSON, or null for a stream
     * @param events the streamed {@code data:} payloads, or null
     * @return the stored interaction
     */
    public Interaction put(String method, String path, JsonNode request, int status, JsonNode response, List<String> events) {
        Interaction i = Interaction.of(method, path, request, status, response, events);
        put(i);
        return i;
    }

    /** All interactions, sorted by key. */
    public synchronized List<Interaction> interactions() {
        return List.copyOf(interactions.values());
    }

    /** How many interactions are recorded. */
    public synchronized int size() {
        return interactions.size();
    }

    /**
     * Writes the cassette to {@link #file()}: to a temporary file in the same folder, then moved over the old one (an
     * atomic move where the file system has one), so a reader never sees half a file. Creates missing folders.
     *
     * @throws UncheckedIOException when it cannot be written
     */
    public void save() {
        synchronized (saving) {
            byte[] bytes = toJson().getBytes(StandardCharsets.UTF_8);
            Path dir = file.getParent();
            Path tmp = null;
            try {
                Files.createDirectories(dir);
                tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write cassette " + file, e);
            } finally {
                if (tmp != null) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // only a leftover temporary file
                    }
                }
            }
        }
    }

    /** The file's content as {@link #save()} writes it. */
    public String toJson() {
        ObjectNode root = NODES.objectNode();
        List<Interaction> all;
        synchronized (this) {
            if (model == null) root.putNull("model");
            else root.put("model", model);
            all = List.copyOf(interactions.values());
        }
        ArrayNode list = root.putArray("interactions");
        for (Interaction i : all) {
            ObjectNode n = list.addObject().put("key", i.key()).put("method", i.method()).put("path", i.path());
            n.set("request", i.request());
            n.put("status", i.status());
            n.set("response", i.response() == null ? NODES.nullNode() : i.response());
            if (i.events() == null) {
                n.putNull("events");
            } else {
                ArrayNode events = n.putArray("events");
                i.events().forEach(events::add);
            }
        }
        try {
            return PRETTY.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The exception for a request this cassette has no recording of.
     *
     * @param request the canonical request, or the request as sent
     */
    public NoRecordingException noRecording(String method, String path, JsonNode request) {
        JsonNode canonical = canonical(request);
        return new NoRecordingException(file, method, path, key(method, path, canonical), lastUserMessage(canonical));
    }

    /**
     * A copy of {@code node} with the keys of every object sorted (arrays keep their order); null becomes an empty
     * object.
     */
    public static JsonNode canonical(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) return NODES.objectNode();
        return sorted(node);
    }

    /**
     * The canonical form of a request body.
     *
     * @param body JSON text, or null or blank for a request without body
     * @throws IllegalArgumentException when the body is not JSON
     */
    public static JsonNode canonical(String body) {
        if (body == null || body.isBlank()) return NODES.objectNode();
        try {
            return canonical(JSON.readTree(body));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a model request body must be JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The key of a request: SHA-256 (lower-case hex) of {@code method + " " + path + "\n" + canonical JSON}.
     *
     * @param canonicalRequest a request made canonical with {@link #canonical(JsonNode)}
     */
    public static String key(String method, String path, JsonNode canonicalRequest) {
        String text = method + " " + path + "\n" + write(canonicalRequest);
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * The text of the last {@code "role": "user"} message of an OpenAI chat request (text parts joined), or null.
     */
    public static String lastUserMessage(JsonNode request) {
        JsonNode messages = request == null ? null : request.path("messages");
        if (messages == null || !messages.isArray()) return null;
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (!"user".equals(m.path("role").asText())) continue;
            JsonNode content = m.path("content");
            if (content.isTextual()) return content.asText();
            if (content.isArray()) {
                StringBuilder text = new StringBuilder();
                for (JsonNode part : content) if (part.path("text").isTextual()) text.append(part.path("text").asText());
                return text.toString();
            }
            return content.toString();
        }
        return null;
    }

    /**
     * A response body as {@link Interaction#response()} stores it: parsed JSON, or a text node when it is not JSON;
     * null when empty.
     */
    public static JsonNode responseBody(String body) {
        if (body == null || body.isEmpty()) return null;
        try {
            JsonNode parsed = JSON.readTree(body);
            return parsed == null || parsed.isMissingNode() ? TextNode.valueOf(body) : parsed;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(body);
        }
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                fields.put(f.getKey(), sorted(f.getValue()));
            }
            ObjectNode out = NODES.objectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode();
            for (JsonNode e : node) out.add(sorted(e));
            return out;
        }
        return node;
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
