package dev.lore.chat;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The local model server, reached through its OpenAI-compatible API ({@code lore.model.*}). */
@ConfigMapping(prefix = "lore.model")
public interface ModelConfig {

    /** Set false to never call a model (every answer is extractive). */
    @WithDefault("true")
    boolean enabled();

    /** Base URL of the OpenAI-compatible API, e.g. vLLM's {@code http://localhost:8000/v1}. */
    @WithDefault("http://localhost:8000/v1")
    String baseUrl();

    /** Model name as the server knows it; when absent, the first model of {@code GET /models} is used. */
    Optional<String> name();

    /** API key sent as a bearer token; local servers usually ignore it. */
    @WithDefault("none")
    String apiKey();

    /** How long to wait for the whole answer (JSON) or for the first token (streaming) before answering extractively. */
    @WithDefault("60s")
    Duration timeout();

    /** How long to wait for a TCP connection to the model server. */
    @WithDefault("2s")
    Duration connectTimeout();

    /** Maximum tokens the model may generate per answer. */
    @WithDefault("1024")
    int maxTokens();

    /** Sampling temperature. */
    @WithDefault("0.2")
    double temperature();
}
