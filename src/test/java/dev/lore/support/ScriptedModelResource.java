package dev.lore.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import java.util.Map;

/**
 * Starts one {@link ScriptedOpenAiServer} for the test run and points the application at it:
 * {@code lore.model.base-url=http://127.0.0.1:<port>/v1} and {@code lore.model.timeout=3s}. {@code lore.model.name}
 * stays unset, so the application discovers the model through {@code GET /v1/models}.
 *
 * <p>Applies to every {@code @QuarkusTest} ({@link Registration}, global scope), so all test classes share one
 * application start. Untouched, the server runs and answers every chat request with
 * {@link ScriptedOpenAiServer#DEFAULT_ANSWER}; a test that scripts it, or stops it, should
 * {@link ScriptedOpenAiServer#reset() reset} it and {@link ScriptedOpenAiServer#start() start} it again when done.
 */
public class ScriptedModelResource implements QuarkusTestResourceLifecycleManager {

    /** The model timeout the tests run with. */
    public static final String TIMEOUT = "3s";

    private static volatile ScriptedOpenAiServer server;

    /** Starts the server (once) and returns the configuration that points the application at it. */
    @Override
    public Map<String, String> start() {
        ScriptedOpenAiServer s;
        synchronized (ScriptedModelResource.class) {
            s = server;
            if (s == null) {
                s = new ScriptedOpenAiServer(0);
                server = s;
            }
            s.start();
        }
        // deploy/eval.sh record against a real model server: the evaluation gate's recording run talks to it instead
        String live = System.getenv("LORE_EVAL_MODEL_URL");
        if (live != null && !live.isBlank()) return Map.of("lore.model.base-url", live, "lore.model.timeout", "300s");
        return Map.of("lore.model.base-url", s.baseUrl(), "lore.model.timeout", TIMEOUT);
    }

    /** Stops the server at the end of the run (or before the application restarts). */
    @Override
    public void stop() {
        synchronized (ScriptedModelResource.class) {
            if (server != null) server.stop();
            server = null;
        }
    }

    /**
     * The running server, for tests to script and inspect.
     *
     * @throws IllegalStateException outside a {@code @QuarkusTest} run
     */
    public static ScriptedOpenAiServer server() {
        ScriptedOpenAiServer s = server;
        if (s == null) throw new IllegalStateException("the scripted model server runs only inside a @QuarkusTest run");
        return s;
    }

    /** Carries the global registration of {@link ScriptedModelResource}; not a test. */
    @WithTestResource(value = ScriptedModelResource.class, scope = TestResourceScope.GLOBAL)
    public static final class Registration {
        private Registration() {}
    }
}
