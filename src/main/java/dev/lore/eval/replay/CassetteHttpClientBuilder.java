package dev.lore.eval.replay;

import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import java.time.Duration;

/**
 * Builds a {@link CassetteHttpClient} around the client another builder makes (Lore's is langchain4j's
 * {@code JdkHttpClient.builder()}); timeouts are passed through to it. Give it to
 * {@code OpenAiChatModel.builder().httpClientBuilder(…)} or its streaming counterpart.
 */
public final class CassetteHttpClientBuilder implements HttpClientBuilder {

    private final HttpClientBuilder delegate;
    private final ModelCassettes cassettes;
    private final String baseUrl;

    /**
     * @param delegate builds the client that reaches the model server
     * @param cassettes decides per call whether to record or replay
     * @param baseUrl the model server's base URL (the same the model builder gets); recordings are keyed by the path
     *     below it, so they replay against any server address
     */
    public CassetteHttpClientBuilder(HttpClientBuilder delegate, ModelCassettes cassettes, String baseUrl) {
        this.delegate = delegate;
        this.cassettes = cassettes;
        this.baseUrl = baseUrl;
    }

    @Override
    public Duration connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public CassetteHttpClientBuilder connectTimeout(Duration timeout) {
        delegate.connectTimeout(timeout);
        return this;
    }

    @Override
    public Duration readTimeout() {
        return delegate.readTimeout();
    }

    @Override
    public CassetteHttpClientBuilder readTimeout(Duration timeout) {
        delegate.readTimeout(timeout);
        return this;
    }

    @Override
    public HttpClient build() {
        return new CassetteHttpClient(delegate.build(), cassettes, baseUrl);
    }
}
