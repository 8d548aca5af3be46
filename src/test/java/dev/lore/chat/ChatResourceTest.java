package dev.lore.chat;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/chat} over real HTTP against a small indexed corpus, with the model played by
 * {@link ScriptedOpenAiServer} (real sockets, OpenAI wire format): generative answers and their citations, streaming,
 * and the extractive fallback when the model server is down, too slow or failing.
 */
@QuarkusTest
class ChatResourceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUESTION = "How long are nightly backups retained?";
    private static final String NO_MODEL = "No language model was used for this answer.";
    /** Longer than lore.model.timeout (3 s), so the application must give up on the model first. */
    private static final long SLOW_MILLIS = 9_000;

    private static String sourceId;

    private ScriptedOpenAiServer model;

    @BeforeEach
    void setUp() throws Exception {
        model = ScriptedModelResource.server();
        model.start();
        model.reset();
        assertEquals(model.baseUrl(), ConfigProvider.getConfig().getValue("lore.model.base-url", String.class),
                "the application must talk to the scripted server the test controls");
        if (sourceId == null) sourceId = indexCorpus();
    }

    @AfterEach
    void tearDown() {
        model.start();
        model.reset();
    }

    // ---- generative ------------------------------------------------------------------------------------------------

    @Test
    void generativeAnswerCitesOnlyRetrievedChunksItMarks() {
        String content = "Nightly backups are retained for 35 days [1]. The backup job starts at 02:00 UTC [2]. "
                + "Pigs can fly [9].";
        model.enqueue(Step.completion(content));

        JsonNode answer = chat(QUESTION);
        List<JsonNode> retrieved = search(QUESTION, 6);
        assertTrue(retrieved.size() >= 2, "the corpus must give at least two chunks, got " + retrieved.size());

        assertEquals("generative", answer.path("mode").asText());
        assertEquals(content, answer.path("answer").asText());
        assertEquals(ScriptedOpenAiServer.MODEL_ID, answer.path("model").asText(), "model name discovered via /v1/models");
        assertTrue(answer.path("notice").isMissingNode(), "no notice on a generative answer");
        JsonNode citations = answer.path("citations");
        assertEquals(2, citations.size(), "[1] and [2] cited, [9] dropped: " + citations);
        for (int i = 0; i < 2; i++) {
            JsonNode c = citations.get(i);
            JsonNode chunk = retrieved.get(i);
            assertEquals(i + 1, c.path("index").asInt());
            assertEquals(chunk.path("chunkId").asText(), c.path("chunkId").asText(), "citation [" + (i + 1) + "] is retrieved chunk " + (i + 1));
            assertEquals(chunk.path("documentId").asText(), c.path("documentId").asText());
            assertEquals(chunk.path("title").asText(), c.path("title").asText());
            assertEquals(chunk.path("uri").asText(), c.path("uri").asText());
            assertQuoteOf(c.path("quote").asText(), chunk.path("text").asText());
        }

        List<ObjectNode> requests = model.requests();
        assertEquals(1, requests.size(), "one call to the model");
        ObjectNode sent = requests.get(0);
        assertEquals(ScriptedOpenAiServer.MODEL_ID, sent.path("model").asText());
        assertFalse(sent.path("stream").asBoolean(false));
        JsonNode messages = sent.path("messages");
        assertEquals(2, messages.size(), "system + user: " + messages);
        assertEquals("system", messages.get(0).path("role").asText());
        assertEquals("user", messages.get(1).path("role").asText());
        String prompt = messages.get(1).path("content").asText();
        assertTrue(prompt.contains(QUESTION), "the question is sent: " + prompt);
        for (int i = 0; i < retrieved.size(); i++) {
            JsonNode chunk = retrieved.get(i);
            assertTrue(prompt.contains("[" + (i + 1) + "] " + chunk.path("title").asText()),
                    "source " + (i + 1) + " is numbered in retrieval order");
            assertTrue(prompt.contains(chunk.path("text").asText()), "retrieved chunk " + (i + 1) + " is sent in full");
        }
    }

    /** Awkward search input gets results or a clear 400, never a server error. */
    @Test
    void awkwardSearchInputGetsResultsOrAClearError() {
        // NUL characters (PostgreSQL text cannot hold them) in the query and in every text filter
        given().contentType(ContentType.JSON)
                .body(Map.of("query", "backup\u0000 retention", "filters", Map.of("sourceIds", List.of(sourceId), "pathPrefix", "a\u0000",
                        "contentTypes", List.of("text/markdown\u0000"), "languages", List.of("e\u0000n"))))
                .when().post("/api/v1/search").then().statusCode(200);
        // full-text syntax, quotes and backslashes are words, not operators
        for (String q : List.of("'backup' & retention:* | !(days)", "back\\slash \"quoted\" o'clock", "35 <-> days", "\u6570\u636e\u5e93 \uD83D\uDE00")) {
            given().contentType(ContentType.JSON).body(Map.of("query", q, "filters", Map.of("sourceIds", List.of(sourceId))))
                    .when().post("/api/v1/search").then().statusCode(200);
        }
        assertTrue(search("backup retention days backup", 5).size() > 0);
        // a long pasted text of distinct words: accepted up to 4,000 characters (the full-text branch takes its first 64 terms)
        StringBuilder words = new StringBuilder("backup ");
        java.util.Random random = new java.util.Random(3);
        while (words.length() < 3_900) words.append(Long.toString(random.nextLong() & Long.MAX_VALUE, 36), 0, 6).append(' ');
        assertFalse(search(words.toString().strip(), 5).isEmpty(), "the embedding branch still finds something");
        given().contentType(ContentType.JSON).body(Map.of("query", "x".repeat(4_001)))
                .when().post("/api/v1/search").then().statusCode(400).contentType(containsString("application/problem+json"));
    }

    @Test
    void untouchedServerGivesTheDefaultAnswer() {
        JsonNode answer = chat(QUESTION);
        assertEquals("generative", answer.path("mode").asText());
        assertEquals(ScriptedOpenAiServer.DEFAULT_ANSWER, answer.path("answer").asText());
        assertEquals(1, answer.path("citations").size());
        assertEquals(search(QUESTION, 6).get(0).path("chunkId").asText(), answer.path("citations").get(0).path("chunkId").asText());
    }

    @Test
    void streamsTokensInOrderThenDoneWithCitations() {
        List<String> tokens = List.of("Nightly ", "backups ", "are kept ", "for 35 days", " [1]", ", and ", "run at 02:00 UTC [2].");
        String content = String.join("", tokens);
        model.enqueue(Step.stream(tokens.toArray(String[]::new)));

        List<SseEvent> events = chatStream(QUESTION);
        List<JsonNode> retrieved = search(QUESTION, 6);

        List<String> names = events.stream().map(SseEvent::name).toList();
        assertEquals("done", names.get(names.size() - 1), "done comes last: " + names);
        assertEquals(1, names.stream().filter("done"::equals).count(), "one done event: " + names);
        assertFalse(names.contains("error"), "no error event: " + events);
        List<String> streamed = tokenTexts(events);
        assertEquals(tokens, streamed, "each scripted token arrives as one token event, in order");
        assertEquals(content, String.join("", streamed));

        JsonNode done = events.get(events.size() - 1).json();
        assertEquals("generative", done.path("mode").asText());
        assertEquals(content, done.path("answer").asText());
        assertEquals(ScriptedOpenAiServer.MODEL_ID, done.path("model").asText());
        JsonNode citations = done.path("citations");
        assertEquals(2, citations.size(), citations.toString());
        for (int i = 0; i < 2; i++) {
            assertEquals(i + 1, citations.get(i).path("index").asInt());
            assertEquals(retrieved.get(i).path("chunkId").asText(), citations.get(i).path("chunkId").asText());
        }

        ObjectNode sent = model.lastRequest();
        assertNotNull(sent);
        assertEquals(1, model.requests().size());
        assertTrue(sent.path("stream").asBoolean(false), "the model was asked to stream: " + sent);
        assertTrue(sent.path("messages").get(1).path("content").asText().contains(QUESTION));
    }

    @Test
    void streamSlowerThanTheTimeoutOverallIsNotCutOff() {
        // the first token comes at once, then one every second: 8 s in all, more than twice lore.model.timeout (3 s),
        // but never 3 s without a token
        List<String> tokens = List.of("Backups ", "are ", "kept ", "for ", "35 ", "days ", "[1]", ".", " Done.");
        model.enqueue(Step.stream(tokens.toArray(String[]::new)).eventsEvery(1_000));
        List<SseEvent> events = chatStream(QUESTION);
        assertEquals(tokens, tokenTexts(events));
        JsonNode done = events.get(events.size() - 1).json();
        assertEquals("generative", done.path("mode").asText());
        assertEquals(String.join("", tokens), done.path("answer").asText());
    }

    // ---- extractive fallback ---------------------------------------------------------------------------------------

    @Test
    void modelServerDownGivesExtractiveAnswer() {
        model.stop();
        try {
            JsonNode answer = chat(QUESTION);
            assertExtractive(answer, search(QUESTION, 6));

            List<SseEvent> events = chatStream(QUESTION);
            assertExtractiveStream(events, search(QUESTION, 6));
        } finally {
            model.start();
        }
        assertEquals(0, model.requests().size(), "nothing reached the stopped server");
        // and back to generative once the server is up again, on the same port
        assertEquals("generative", chat(QUESTION).path("mode").asText());
    }

    @Test
    void slowModelServerGivesExtractiveAnswerInsteadOfWaiting() {
        model.enqueue(Step.completion("Too late [1].").delayed(SLOW_MILLIS));
        long start = System.nanoTime();
        JsonNode answer = chat(QUESTION);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertExtractive(answer, search(QUESTION, 6));
        assertTrue(tookMillis < SLOW_MILLIS - 2_000, "gave up at the 3 s timeout, not after the model's " + SLOW_MILLIS + " ms: " + tookMillis);
        assertEquals(1, model.requests().size(), "the model was asked (once)");

        model.clearRequests();
        model.enqueue(Step.stream("Too ", "late ", "[1].").delayed(SLOW_MILLIS));
        start = System.nanoTime();
        List<SseEvent> events = chatStream(QUESTION);
        tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertExtractiveStream(events, search(QUESTION, 6));
        assertTrue(tookMillis < SLOW_MILLIS - 2_000, "stream gave up at the 3 s timeout: " + tookMillis);
        assertEquals(1, model.requests().size());
        assertTrue(model.lastRequest().path("stream").asBoolean(false));
    }

    @Test
    void modelServerErrorGivesExtractiveAnswer() {
        model.enqueue(Step.error(500));
        JsonNode answer = chat(QUESTION);
        assertExtractive(answer, search(QUESTION, 6));
        assertEquals(1, model.requests().size(), "no retry after the 500");
        assertEquals(0, model.pending());

        model.clearRequests();
        model.enqueue(Step.error(500));
        assertExtractiveStream(chatStream(QUESTION), search(QUESTION, 6));
        assertEquals(1, model.requests().size(), "no retry after the 500 (stream)");
    }

    // ---- validation ------------------------------------------------------------------------------------------------

    @Test
    void emptyMessageIsAProblem() {
        for (String message : List.of("", "   ")) {
            given().contentType(ContentType.JSON).body(Map.of("message", message))
                    .when().post("/api/v1/chat")
                    .then().statusCode(400)
                    .contentType(startsWith("application/problem+json"))
                    .body("status", equalTo(400))
                    .body("detail", not(emptyOrNullString()))
                    .body("detail", org.hamcrest.Matchers.containsString("message"));
        }
        given().contentType(ContentType.JSON).accept("text/event-stream").body(Map.of("message", ""))
                .when().post("/api/v1/chat")
                .then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("detail", org.hamcrest.Matchers.containsString("message"));
        assertEquals(0, model.requests().size(), "an invalid request never reaches the model");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static void assertExtractive(JsonNode answer, List<JsonNode> retrieved) {
        assertEquals("extractive", answer.path("mode").asText(), answer.toString());
        assertTrue(answer.path("answer").asText().startsWith(NO_MODEL), answer.path("answer").asText());
        assertTrue(answer.path("model").isMissingNode(), "no model on an extractive answer");
        assertFalse(answer.path("notice").asText().isBlank(), "the notice says why");
        assertTrue(answer.path("answer").asText().contains(answer.path("notice").asText()));
        assertCitationsQuoteRetrievedChunks(answer.path("citations"), answer.path("answer").asText(), retrieved);
    }

    private static void assertExtractiveStream(List<SseEvent> events, List<JsonNode> retrieved) {
        assertFalse(events.isEmpty());
        List<String> names = events.stream().map(SseEvent::name).toList();
        assertFalse(names.contains("error"), "no error event: " + events);
        assertEquals("done", names.get(names.size() - 1), names.toString());
        JsonNode done = events.get(events.size() - 1).json();
        assertExtractive(done, retrieved);
        assertEquals(done.path("answer").asText(), String.join("", tokenTexts(events)), "the tokens spell the answer");
    }

    private static void assertCitationsQuoteRetrievedChunks(JsonNode citations, String answerText, List<JsonNode> retrieved) {
        assertTrue(citations.isArray() && !citations.isEmpty(), "extractive answers cite passages: " + citations);
        Map<String, JsonNode> byId = retrieved.stream().collect(Collectors.toMap(r -> r.path("chunkId").asText(), r -> r));
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < citations.size(); i++) {
            JsonNode c = citations.get(i);
            assertEquals(i + 1, c.path("index").asInt());
            String id = c.path("chunkId").asText();
            assertTrue(seen.add(id), "each chunk cited once");
            JsonNode chunk = byId.get(id);
            assertNotNull(chunk, "citation " + (i + 1) + " is a retrieved chunk");
            String quote = c.path("quote").asText();
            assertQuoteOf(quote, chunk.path("text").asText());
            assertTrue(answerText.contains("\"" + quote + "\" [" + (i + 1) + "]"), "the answer quotes citation " + (i + 1));
        }
    }

    /** The quote is a passage of the chunk (whitespace collapsed, maybe clipped with an ellipsis). */
    private static void assertQuoteOf(String quote, String chunkText) {
        assertFalse(quote.isBlank(), "empty quote");
        String q = quote.endsWith("…") ? quote.substring(0, quote.length() - 1) : quote;
        String flat = chunkText.replaceAll("\\s+", " ").strip();
        assertTrue(flat.contains(q), "quote \"" + quote + "\" is not from the chunk \"" + flat + "\"");
    }

    private static JsonNode chat(String message) {
        String body = given().contentType(ContentType.JSON).accept(ContentType.JSON)
                .body(Map.of("message", message, "filters", Map.of("sourceIds", List.of(sourceId))))
                .when().post("/api/v1/chat")
                .then().statusCode(200).contentType(startsWith("application/json"))
                .extract().asString();
        return readJson(body);
    }

    private static List<SseEvent> chatStream(String message) {
        Response r = given().contentType(ContentType.JSON).accept("text/event-stream")
                .body(Map.of("message", message, "filters", Map.of("sourceIds", List.of(sourceId))))
                .when().post("/api/v1/chat");
        r.then().statusCode(200).contentType(startsWith("text/event-stream"));
        return parseSse(r.asString());
    }

    private static List<JsonNode> search(String query, int limit) {
        String body = given().contentType(ContentType.JSON)
                .body(Map.of("query", query, "limit", limit, "filters", Map.of("sourceIds", List.of(sourceId))))
                .when().post("/api/v1/search")
                .then().statusCode(200).extract().asString();
        List<JsonNode> out = new ArrayList<>();
        readJson(body).path("results").forEach(out::add);
        return out;
    }

    private static List<String> tokenTexts(List<SseEvent> events) {
        return events.stream().filter(e -> e.name().equals("token")).map(e -> {
            JsonNode data = e.json();
            assertTrue(data.path("text").isTextual(), "token data is {\"text\": …}: " + e.data());
            return data.path("text").asText();
        }).toList();
    }

    /** One server-sent event. */
    record SseEvent(String name, String data) {
        JsonNode json() {
            return readJson(data);
        }
    }

    /** Parses a {@code text/event-stream} body (events separated by blank lines; multi-line data joined by \n). */
    static List<SseEvent> parseSse(String body) {
        List<SseEvent> events = new ArrayList<>();
        String name = null;
        StringBuilder data = null;
        for (String line : (body + "\n\n").split("\r\n|\r|\n", -1)) {
            if (line.isEmpty()) {
                if (data != null) events.add(new SseEvent(name == null ? "message" : name, data.toString()));
                name = null;
                data = null;
            } else if (line.startsWith(":")) {
                continue;
            } else {
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) value = value.substring(1);
                if (field.equals("event")) name = value;
                else if (field.equals("data")) data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                // the SSE format has four fields; anything else (a content-type line…) is noise a client must skip
                else if (!field.equals("id") && !field.equals("retry")) throw new AssertionError("not an SSE field: " + line + "\n" + body);
            }
        }
        assertFalse(events.isEmpty(), "no events in the stream: " + body);
        return events;
    }

    private static JsonNode readJson(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    // ---- corpus ----------------------------------------------------------------------------------------------------

    /** Writes the corpus to a temporary folder, creates a filesystem source for it and syncs it to the end. */
    private static String indexCorpus() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("lore-chat-test-");
        Files.writeString(dir.resolve("backups.md"), """
                # Backup policy

                ## Schedule

                The nightly backup job starts at 02:00 UTC and copies every Postgres database to the object store \
                bucket named lore-backups. A backup that fails is retried twice before the on-call engineer is paged.

                ## Retention

                Nightly backups are retained for 35 days. Monthly snapshots are kept for one year and are then deleted \
                automatically.
                """);
        Files.writeString(dir.resolve("vacation.md"), """
                # Vacation policy

                Employees accrue two and a half vacation days per month of service. Unused vacation days carry over \
                into the next calendar year, up to a maximum of ten days. Requests go to your manager at least two \
                weeks ahead.
                """);
        Files.writeString(dir.resolve("oncall.md"), """
                # On-call rotation

                The on-call rotation changes every Monday at 09:00 local time. The engineer on call answers pages \
                within fifteen minutes and writes an incident report for every outage.
                """);
        Files.writeString(dir.resolve("deploy.html"), """
                <!DOCTYPE html>
                <html><head><title>Deploying the Orbit service</title></head><body>
                <h1>Deploying the Orbit service</h1>
                <p>Orbit is deployed with the blue-green script deploy-orbit.sh. The script drains the old color before
                switching traffic to the new one.</p>
                <h2>Rollback</h2>
                <p>To roll back, run deploy-orbit.sh --rollback within thirty minutes of the release.</p>
                </body></html>
                """);

        String name = "chat-test-" + UUID.randomUUID();
        String id = given().contentType(ContentType.JSON)
                .body(Map.of("type", "filesystem", "name", name, "config", Map.of("path", dir.toString())))
                .when().post("/api/v1/sources")
                .then().statusCode(201).extract().path("id");
        String runId = given().when().post("/api/v1/sources/" + id + "/sync")
                .then().statusCode(202).extract().path("id");

        long deadline = System.nanoTime() + 120_000_000_000L;
        JsonNode run;
        do {
            if (System.nanoTime() > deadline) fail("sync of the chat corpus did not finish within 120 s");
            Thread.sleep(200);
            run = readJson(given().when().get("/api/v1/sources/" + id + "/runs/" + runId)
                    .then().statusCode(200).extract().asString());
        } while ("running".equals(run.path("status").asText()));
        assertEquals("succeeded", run.path("status").asText(), "sync run: " + run);
        assertEquals(4, run.path("counts").path("indexed").asInt(), "all four files indexed: " + run);
        assertEquals(0, run.path("counts").path("failed").asInt(), run.toString());
        assertTrue(run.path("error").isMissingNode() || run.path("error").isNull(), "run error: " + run);
        return id;
    }
}
