package dev.lore.eval.replay;

import static dev.langchain4j.http.client.sse.ServerSentEventListenerUtils.ignoringExceptions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEvent;
import dev.langchain4j.http.client.sse.ServerSentEventContext;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A langchain4j {@link HttpClient} that records model calls to, or replays them from, the cassette
 * {@link ModelCassettes#current()} names at the moment of each call; with none, it passes calls to the wrapped
 * client untouched.
 *
 * <ul>
 *   <li>RECORD: the call goes to the wrapped client; its status and body, or every server-sent event's {@code data}
 *       payload, are stored before the caller gets them (a stream when it closes; a stream that breaks off is not
 *       stored). HTTP errors are stored too.</li>
 *   <li>REPLAY: no connection is opened. A plain call returns the recorded body, or throws {@link HttpException} for a
 *       recorded status outside 2xx, as the JDK client does; a streamed call gets {@code onOpen}, the recorded events
 *       through the given parser ({@code onEvent} each), then {@code onClose}, on the calling thread. A request with no
 *       recording throws {@link NoRecordingException} (streamed: passed to {@code onError}).</li>
 * </ul>
 */
public final class CassetteHttpClient implements HttpClient {

    private static final Logger LOG = Logger.getLogger(CassetteHttpClient.class);

    private final HttpClient delegate;
    private final ModelCassettes cassettes;
    private final String baseUrl;

    /**
     * @param delegate the client that reaches the model server
     * @param cassettes decides per call whether to record or replay
     * @param baseUrl the model server's base URL; recordings are keyed by the path below it
     */
    public CassetteHttpClient(HttpClient delegate, ModelCassettes cassettes, String baseUrl) {
        this.delegate = delegate;
        this.cassettes = cassettes;
        this.baseUrl = baseUrl == null ? "" : baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        Optional<ActiveCassette> active = cassettes.current();
        if (active.isEmpty()) return delegate.execute(request);
        ActiveCassette cassette = active.get();
        String method = request.method().name();
        String path = path(request.url());
        JsonNode body = Cassette.canonical(request.body());
        if (cassette.replaying()) {
            Cassette.Interaction recorded = cassette.replay(method, path, body);
            if (!successful(recorded.status())) throw new HttpException(recorded.status(), recorded.body());
            return SuccessfulHttpResponse.builder().statusCode(recorded.status())
                    .headers(Map.of("content-type", List.of("application/json"))).body(recorded.body()).build();
        }
        SuccessfulHttpResponse response;
        try {
            response = delegate.execute(request);
        } catch (HttpException e) {
            cassette.record(method, path, body, e.statusCode(), Cassette.responseBody(e.getMessage()), null);
            throw e;
        }
        cassette.record(method, path, body, response.statusCode(), Cassette.responseBody(response.body()), null);
        return response;
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        Optional<ActiveCassette> active = cassettes.current();
        if (active.isEmpty()) {
            delegate.execute(request, parser, listener);
            return;
        }
        ActiveCassette cassette = active.get();
        String method = request.method().name();
        String path = path(request.url());
        JsonNode body = Cassette.canonical(request.body());
        if (!cassette.replaying()) {
            delegate.execute(request, parser, new RecordingListener(listener, cassette, method, path, body));
            return;
        }
        Cassette.Interaction recorded;
        try {
            recorded = cassette.replay(method, path, body);
        } catch (NoRecordingException e) {
            ignoringExceptions(() -> listener.onError(e));
            return;
        }
        if (!successful(recorded.status())) {
            HttpException e = new HttpException(recorded.status(), recorded.body());
            ignoringExceptions(() -> listener.onError(e));
            return;
        }
        SuccessfulHttpResponse open = SuccessfulHttpResponse.builder().statusCode(recorded.status())
                .headers(Map.of("content-type", List.of("text/event-stream"))).build();
        ignoringExceptions(() -> listener.onOpen(open));
        parser.parse(new ByteArrayInputStream(recorded.eventStream()), listener);
        ignoringExceptions(listener::onClose);
    }

    /** The part of {@code url} below the base URL (with any query), e.g. {@code /chat/completions}. */
    private String path(String url) {
        if (!baseUrl.isEmpty() && url.startsWith(baseUrl)) {
            String rest = url.substring(baseUrl.length());
            return rest.isEmpty() ? "/" : rest;
        }
        URI uri = URI.create(url);
        return uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
    }

    private static boolean successful(int status) {
        return status >= 200 && status < 300;
    }

    /** Passes every callback on, storing the stream when it closes whole (or the HTTP error). */
    private static final class RecordingListener implements ServerSentEventListener {
        private final ServerSentEventListener delegate;
        private final ActiveCassette cassette;
        private final String method;
        private final String path;
        private final JsonNode request;
        private final List<String> events = new ArrayList<>();
        private volatile int status = 200;
        private volatile boolean failed;

        RecordingListener(ServerSentEventListener delegate, ActiveCassette cassette, String method, String path,
                          JsonNode request) {
            this.delegate = delegate;
            this.cassette = cassette;
            this.method = method;
            this.path = path;
            this.request = request;
        }

        @Override
        public void onOpen(SuccessfulHttpResponse response) {
            status = response.statusCode();
            delegate.onOpen(response);
        }

        @Override
        public void onEvent(ServerSentEvent event, ServerSentEventContext context) {
            add(event);
            delegate.onEvent(event, context);
        }

        @Override
        public void onEvent(ServerSentEvent event) {
            add(event);
            delegate.onEvent(event);
        }

        @Override
        public void onError(Throwable error) {
            failed = true;
            if (error instanceof HttpException http) {
                record(http.statusCode(), Cassette.responseBody(http.getMessage()), null);
            }
            delegate.onError(error);
        }

        @Override
        public void onClose() {
            // a stream that broke off (onError, then onClose) is not a recording to replay
            if (!failed) {
                List<String> all;
                synchronized (events) {
                    all = List.copyOf(events);
                }
                record(status, null, all);
            }
            delegate.onClose();
        }

        private void add(ServerSentEvent event) {
            synchronized (events) {
                events.add(event.data());
            }
        }

        /** Never lets a failed save keep the caller from its answer. */
        private void record(int statusCode, JsonNode response, List<String> streamed) {
            try {
                cassette.record(method, path, request, statusCode, response, streamed);
            } catch (RuntimeException e) {
                LOG.errorf(e, "could not record a model call to cassette %s", cassette.cassette().file());
            }
        }
    }
}
