package dev.lore.eval.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cassette file and its keys, without any model server. */
class CassetteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "/chat/completions";

    @TempDir
    Path dir;

    @Test
    void keyIgnoresFieldOrderAtEveryDepth() throws IOException {
        String a = "{\"model\":\"m\",\"temperature\":0.2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"response_format\":{\"type\":\"json_object\",\"strict\":true}}";
        String b = "{\"response_format\":{\"strict\":true,\"type\":\"json_object\"},"
                + "\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"temperature\":0.2,\"model\":\"m\"}";
        assertEquals(key(a), key(b));
        assertEquals(JSON.readTree(a), Cassette.canonical(b), "canonical form keeps every value");
        assertEquals("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"m\",\"response_format\":"
                + "{\"strict\":true,\"type\":\"json_object\"},\"temperature\":0.2}", Cassette.canonical(a).toString());
    }

    @Test
    void keyChangesWithMessageTextModelTemperatureStreamAndPath() {
        String base = request("m", 0.2, "How long are backups kept?", false);
        String key = key(base);
        assertEquals(64, key.length());
        assertTrue(key.matches("[0-9a-f]{64}"));
        assertNotEquals(key, key(request("m", 0.2, "How long are backups kept? ", false)), "message text");
        assertNotEquals(key, key(request("other", 0.2, "How long are backups kept?", false)), "model");
        assertNotEquals(key, key(request("m", 0.3, "How long are backups kept?", false)), "temperature");
        assertNotEquals(key, key(request("m", 0.2, "How long are backups kept?", true)), "stream flag");
        assertNotEquals(key, Cassette.key("POST", "/completions", Cassette.canonical(base)), "path");
        assertNotEquals(key, Cassette.key("GET", PATH, Cassette.canonical(base)), "method");
    }

    @Test
    void missingFileIsAnEmptyCassette() {
        Cassette c = Cassette.load(dir.resolve("none/cassette.json"));
        assertEquals(0, c.size());
        assertTrue(c.model().isEmpty());
        assertTrue(c.find("0".repeat(64)).isEmpty());
        assertFalse(Files.exists(c.file()), "loading creates nothing");
    }

    @Test
    void roundTripsAndSavesStableBytes() throws IOException {
        Path file = dir.resolve("sub/cassette.json");
        Cassette c = Cassette.load(file);
        c.model("scripted-model");
        JsonNode plain = JSON.readTree("{\"id\":\"x\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Hi [1].\"}}]}");
        Cassette.Interaction one = c.put("POST", PATH, JSON.readTree(request("m", 0.2, "first", false)), 200, plain, null);
        Cassette.Interaction two = c.put("POST", PATH, JSON.readTree(request("m", 0.2, "second", true)), 200, null,
                List.of("{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}", "[DONE]"));
        Cassette.Interaction three = c.put("POST", PATH, JSON.readTree(request("m", 0.2, "third", false)), 503,
                Cassette.responseBody("upstream down"), null);
        c.save();
        byte[] first = Files.readAllBytes(file);
        c.save();
        assertArrayEquals(first, Files.readAllBytes(file), "saving twice gives the same bytes");
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }

        Cassette again = Cassette.load(file);
        assertEquals(Optional.of("scripted-model"), again.model());
        assertEquals(3, again.size());
        assertEquals(one, again.find(one.key()).orElseThrow());
        assertEquals(two, again.find(two.key()).orElseThrow());
        assertEquals(three, again.find(three.key()).orElseThrow());
        assertEquals("upstream down", again.find(three.key()).orElseThrow().body());
        assertEquals("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n",
                new String(again.find(two.key()).orElseThrow().eventStream(), StandardCharsets.UTF_8));
        Path copy = dir.resolve("copy.json");
        Files.write(copy, first);
        Cassette reloaded = Cassette.load(copy);
        reloaded.save();
        assertArrayEquals(first, Files.readAllBytes(copy), "load then save changes nothing");

        String text = new String(first, StandardCharsets.UTF_8);
        assertTrue(text.endsWith("}\n") && !text.contains("\r"), "\\n line ends, final newline");
        assertTrue(text.contains("\n  \"interactions\": [\n"), "indented, one field per line: " + text);
        JsonNode root = JSON.readTree(first);
        List<String> keys = root.path("interactions").findValuesAsText("key");
        assertEquals(keys.stream().sorted().toList(), keys, "interactions sorted by key");
        JsonNode streamed = root.path("interactions").get(keys.indexOf(two.key()));
        assertTrue(streamed.path("response").isNull());
        assertEquals(2, streamed.path("events").size());
        assertEquals(List.of("key", "method", "path", "request", "status", "response", "events"),
                List.copyOf(iterable(streamed.fieldNames())));
    }

    @Test
    void sameKeyKeepsTheLatestAndFieldOrderOfTheRequestDoesNotMatter() throws IOException {
        Cassette c = Cassette.create(dir.resolve("c.json"));
        c.put("POST", PATH, JSON.readTree("{\"model\":\"m\",\"n\":1}"), 200, Cassette.responseBody("{\"v\":1}"), null);
        Cassette.Interaction latest = c.put("POST", PATH, JSON.readTree("{\"n\":1,\"model\":\"m\"}"), 200,
                Cassette.responseBody("{\"v\":2}"), null);
        assertEquals(1, c.size());
        assertEquals("{\"v\":2}", c.find(latest.key()).orElseThrow().body());
    }

    @Test
    void keysAreRecomputedOnLoadSoAHandEditedRequestMatches() throws IOException {
        Path file = dir.resolve("edited.json");
        Files.writeString(file, """
                {"model": "m", "interactions": [{"key": "stale", "method": "POST", "path": "/chat/completions",
                  "request": {"model": "m", "messages": [{"role": "user", "content": "edited"}]},
                  "status": 200, "response": {"ok": true}, "events": null}]}
                """);
        Cassette c = Cassette.load(file);
        String key = Cassette.key("POST", PATH, Cassette.canonical("{\"messages\":[{\"content\":\"edited\",\"role\":\"user\"}],\"model\":\"m\"}"));
        assertEquals("{\"ok\":true}", c.find(key).orElseThrow().body());
        assertTrue(c.find("stale").isEmpty());
        assertNull(c.find(key).orElseThrow().events());
    }

    @Test
    void notACassetteIsRefused() throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"interactions\": 3}");
        assertThrows(IllegalArgumentException.class, () -> Cassette.load(file));
        Files.writeString(file, "not json");
        assertThrows(IllegalArgumentException.class, () -> Cassette.load(file));
    }

    @Test
    void noRecordingNamesFileKeyPathAndLastUserMessage() throws IOException {
        Cassette c = Cassette.create(dir.resolve("eval.json"));
        String longQuestion = "Sources: [1] Backups. " + "Why? ".repeat(100) + "Question: how long are backups kept?";
        JsonNode request = JSON.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"earlier\"},{\"role\":\"assistant\",\"content\":\"ok\"},"
                + "{\"role\":\"user\",\"content\":\"" + longQuestion + "\"}]}");
        NoRecordingException e = c.noRecording("POST", PATH, request);
        String key = Cassette.key("POST", PATH, Cassette.canonical(request));
        assertEquals(key, e.key());
        assertTrue(e.getMessage().startsWith("no recording for this request"), e.getMessage());
        assertTrue(e.getMessage().contains(c.file().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("POST /chat/completions"), e.getMessage());
        assertTrue(e.getMessage().contains("key " + key.substring(0, 12) + ","), e.getMessage());
        assertFalse(e.getMessage().contains(key.substring(0, 13)), "only 12 hex characters of the key");
        String shown = longQuestion.substring(0, 100).stripTrailing() + " … "
                + longQuestion.substring(longQuestion.length() - 100).stripLeading();
        assertTrue(e.getMessage().contains("last user message \"" + shown + "\"."), e.getMessage());
        assertFalse(e.getMessage().contains("earlier"), "the last user message, not an earlier one");
        assertTrue(e.getMessage().contains("deploy/eval.sh record"), e.getMessage());
    }

    private static String request(String model, double temperature, String question, boolean stream) {
        return JSON.createObjectNode().put("model", model).put("temperature", temperature).put("stream", stream)
                .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", question)))
                .toString();
    }

    private static String key(String body) {
        return Cassette.key("POST", PATH, Cassette.canonical(body));
    }

    private static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
