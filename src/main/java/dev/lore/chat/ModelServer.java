package dev.lore.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.lore.eval.replay.ActiveCassette;
import dev.lore.eval.replay.CassetteHttpClientBuilder;
import dev.lore.eval.replay.ModelCassettes;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * Connection to the local model server through langchain4j's OpenAI client. Resolves the model name from the
 * configuration, or else from the server's {@code GET /models} (first entry), and caches the clients (one per model
 * name). Every call goes through a {@link dev.lore.eval.replay.CassetteHttpClient}, which records or replays it when
 * {@link ModelCassettes} says a cassette applies.
 */
@ApplicationScoped
public class ModelServer {

    /** The model name sent in replay when neither the cassette nor the configuration names one. */
    static final String UNRECORDED_MODEL = "unrecorded-model";

    private final ModelConfig config;
    private final ObjectMapper json;
    private final ModelCassettes cassettes;
    private final HttpClient discoveryClient;
    private volatile String resolvedName;
    private volatile Named<ChatModel> chatModel;
    private volatile Named<StreamingChatModel> streamingModel;

    /** A client and the model name it was built for. */
    private record Named<T>(String name, T model) {}

    @Inject
    public ModelServer(ModelConfig config, ObjectMapper json, ModelCassettes cassettes) {
        this.config = config;
        this.json = json;
        this.cassettes = cassettes;
        this.discoveryClient = HttpClient.newBuilder().connectTimeout(config.connectTimeout()).build();
    }

    /** Forgets the discovered model name and clients (after a failure: the server may have switched models). */
    public void reset() {
        if (config.name().isEmpty()) {
            resolvedName = null;
            chatModel = null;
            streamingModel = null;
        }
    }

    /** The configuration in force. */
    public ModelConfig config() {
        return config;
    }

    /**
     * The model name to send. While a cassette replays ({@link ModelCassettes#current()}), the server is not asked:
     * the name is the cassette's recorded model, else {@code lore.model.name}, else a placeholder (the call then fails
     * with "no recording for this request"). While one records, the name in use is stored in the cassette.
     *
     * @return empty when the model is disabled or the server cannot be reached to discover one
     */
    public Optional<String> modelName() {
        if (!config.enabled()) return Optional.empty();
        Optional<ActiveCassette> cassette = cassettes.current();
        if (cassette.isPresent() && cassette.get().replaying()) {
            return Optional.of(cassette.get().cassette().model().or(config::name).orElse(UNRECORDED_MODEL));
        }
        Optional<String> name = liveModelName();
        if (cassette.isPresent() && name.isPresent()) cassette.get().cassette().model(name.get());
        return name;
    }

    private Optional<String> liveModelName() {
        if (config.name().isPresent()) return config.name();
        if (resolvedName != null) return Optional.of(resolvedName);
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(stripSlash(config.baseUrl()) + "/models"))
                    .timeout(config.connectTimeout().multipliedBy(2))
                    .header("Authorization", "Bearer " + config.apiKey()).GET().build();
            HttpResponse<String> resp = discoveryClient.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) return Optional.empty();
            JsonNode data = json.readTree(resp.body()).path("data");
            if (data.isArray() && !data.isEmpty()) {
                resolvedName = data.get(0).path("id").asText();
                return Optional.of(resolvedName);
            }
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Blocking chat client, or empty when no model is available. */
    public Optional<ChatModel> chat() {
        Optional<String> name = modelName();
        if (name.isEmpty()) return Optional.empty();
        Named<ChatModel> cached = chatModel;
        if (cached != null && cached.name().equals(name.get())) return Optional.of(cached.model());
        ChatModel m = OpenAiChatModel.builder()
                .httpClientBuilder(httpClient())
                .baseUrl(config.baseUrl()).apiKey(config.apiKey()).modelName(name.get())
                .timeout(config.timeout()).maxRetries(0)
                .temperature(config.temperature()).maxTokens(config.maxTokens())
                // a request's JSON-schema response format is sent with "strict": true (servers then constrain
                // decoding to the schema); requests without one are unaffected
                .strictJsonSchema(true)
                .build();
        chatModel = new Named<>(name.get(), m);
        return Optional.of(m);
    }

    /** Streaming chat client, or empty when no model is available. */
    public Optional<StreamingChatModel> streaming() {
        Optional<String> name = modelName();
        if (name.isEmpty()) return Optional.empty();
        Named<StreamingChatModel> cached = streamingModel;
        if (cached != null && cached.name().equals(name.get())) return Optional.of(cached.model());
        StreamingChatModel m = OpenAiStreamingChatModel.builder()
                .httpClientBuilder(httpClient())
                .baseUrl(config.baseUrl()).apiKey(config.apiKey()).modelName(name.get())
                .timeout(config.timeout())
                .temperature(config.temperature()).maxTokens(config.maxTokens())
                .build();
        streamingModel = new Named<>(name.get(), m);
        return Optional.of(m);
    }

    private CassetteHttpClientBuilder httpClient() {
        return new CassetteHttpClientBuilder(JdkHttpClient.builder()
                .httpClientBuilder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1))
                .connectTimeout(config.connectTimeout()).readTimeout(config.timeout()), cassettes, config.baseUrl());
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
