package dev.lore.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * Connection to the local model server through langchain4j's OpenAI client. Resolves the model name from the
 * configuration, or else from the server's {@code GET /models} (first entry), and caches the clients.
 */
@ApplicationScoped
public class ModelServer {

    private final ModelConfig config;
    private final ObjectMapper json;
    private final HttpClient discoveryClient;
    private volatile String resolvedName;
    private volatile ChatModel chatModel;
    private volatile StreamingChatModel streamingModel;

    @Inject
    public ModelServer(ModelConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
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
     * The model name to send.
     *
     * @return empty when the model is disabled or the server cannot be reached to discover one
     */
    public Optional<String> modelName() {
        if (!config.enabled()) return Optional.empty();
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
        ChatModel m = chatModel;
        if (m == null) {
            m = OpenAiChatModel.builder()
                    .httpClientBuilder(httpClient())
                    .baseUrl(config.baseUrl()).apiKey(config.apiKey()).modelName(name.get())
                    .timeout(config.timeout()).maxRetries(0)
                    .temperature(config.temperature()).maxTokens(config.maxTokens())
                    // a request's JSON-schema response format is sent with "strict": true (servers then constrain
                    // decoding to the schema); requests without one are unaffected
                    .strictJsonSchema(true)
                    .build();
            chatModel = m;
        }
        return Optional.of(m);
    }

    /** Streaming chat client, or empty when no model is available. */
    public Optional<StreamingChatModel> streaming() {
        Optional<String> name = modelName();
        if (name.isEmpty()) return Optional.empty();
        StreamingChatModel m = streamingModel;
        if (m == null) {
            m = OpenAiStreamingChatModel.builder()
                    .httpClientBuilder(httpClient())
                    .baseUrl(config.baseUrl()).apiKey(config.apiKey()).modelName(name.get())
                    .timeout(config.timeout())
                    .temperature(config.temperature()).maxTokens(config.maxTokens())
                    .build();
            streamingModel = m;
        }
        return Optional.of(m);
    }

    private dev.langchain4j.http.client.jdk.JdkHttpClientBuilder httpClient() {
        return JdkHttpClient.builder().httpClientBuilder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1))
                .connectTimeout(config.connectTimeout()).readTimeout(config.timeout());
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
