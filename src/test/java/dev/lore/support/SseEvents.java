package dev.lore.support;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-sent events from Lore's API: a whole stream read at once ({@link #post}), or read event by event while it
 * runs ({@link #open}), for tests that act in the middle of a stream.
 */
public final class SseEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SseEvents() {}

    /**
     * One event.
     *
     * @param name the {@code event:} field ({@code message} when absent)
     * @param data the {@code data:} lines joined by newlines
     */
    public record Event(String name, String data) {
        /** The data as JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError("event data is not JSON: " + data, e);
            }
        }
    }

    /** POSTs {@code body} as JSON with {@code Accept: text/event-stream}, expects 200, reads the stream to its end. */
    public static List<Event> post(String path, Object body) {
        String text = given().contentType(ContentType.JSON).accept("text/event-stream").body(body).post(path)
                .then().statusCode(200).contentType(startsWith("text/event-stream")).extract().asString();
        return parse(text);
    }

    /** Parses a {@code text/event-stream} body (events separated by blank lines). */
    public static List<Event> parse(String body) {
        List<Event> events = new ArrayList<>();
        Reader r = new Reader(new BufferedReader(new java.io.StringReader(body)));
        for (Event e = r.next(); e != null; e = r.next()) events.add(e);
        return events;
    }

    /**
     * POSTs {@code jsonBody} with {@code Accept: text/event-stream} to the test app, as the bootstrap admin, and returns
     * the open stream.
     */
    public static Stream open(String path, String jsonBody) {
        URI uri = URI.create(RestAssured.baseURI + ":" + RestAssured.port + path);
        HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + DefaultAuth.BOOTSTRAP_KEY).header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(jsonBody)).build();
        try {
            HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                throw new AssertionError("HTTP " + response.statusCode() + ": " + new String(response.body().readAllBytes(), StandardCharsets.UTF_8));
            }
            return new Stream(new Reader(new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** An open stream, read one event at a time. */
    public static final class Stream implements AutoCloseable {
        private final Reader reader;

        private Stream(Reader reader) {
            this.reader = reader;
        }

        /** The next event (blocks until it comes), or null when the stream has ended. */
        public Event next() {
            return reader.next();
        }

        /** The events up to the end of the stream. */
        public List<Event> rest() {
            List<Event> out = new ArrayList<>();
            for (Event e = next(); e != null; e = next()) out.add(e);
            return out;
        }

        @Override
        public void close() throws IOException {
            reader.in.close();
        }
    }

    private static final class Reader {
        final BufferedReader in;

        Reader(BufferedReader in) {
            this.in = in;
        }

        Event next() {
            String name = null;
            StringBuilder data = null;
            try {
                for (String line = in.readLine(); ; line = in.readLine()) {
                    if (line == null || line.isEmpty()) {
                        if (data != null) return new Event(name == null ? "message" : name, data.toString());
                        if (line == null) return null;
                        continue;
                    }
                    if (line.startsWith(":")) continue;
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) value = value.substring(1);
                    if (field.equals("event")) name = value;
                    else if (field.equals("data")) data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    // the SSE format has four fields; anything else (a content-type line…) is noise a client must skip
                    else if (!field.equals("id") && !field.equals("retry")) throw new AssertionError("not an SSE field: " + line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
