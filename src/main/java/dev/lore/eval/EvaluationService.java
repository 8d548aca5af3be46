package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.eval.EvalResults.RunResult;
import dev.lore.eval.replay.CassetteMode;
import dev.lore.platform.ApiException;
import dev.lore.security.Caller;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Evaluation runs against the live system: finds the suite (built in, stored from feedback, a file or folder on the
 * server, or cases sent inline), runs it in the background one run at a time (agent cases reset domain databases, so
 * runs never overlap), stores the results and compares them with the suite's baseline.
 *
 * <p>Baselines are read from {@code lore.eval.baseline-dir} when set ({@code <dir>/<suite>.json}), else from the class
 * path ({@code eval/baselines/<suite>.json}, the files committed under {@code src/main/resources}).
 */
@ApplicationScoped
public class EvaluationService {

    private static final Logger LOG = Logger.getLogger(EvaluationService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject EvalRunner runner;
    @Inject EvalStore store;

    @ConfigProperty(name = "lore.eval.baseline-dir") Optional<String> baselineDir;
    @ConfigProperty(name = "lore.eval.cassette-dir", defaultValue = ".lore/cassettes") String cassetteDir;
    @ConfigProperty(name = "lore.eval.data-roots", defaultValue = "/srv/lore,/usr/share/doc") List<String> dataRoots;

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lore-eval");
        t.setDaemon(true);
        return t;
    });

    void onStart(@Observes StartupEvent e) {
        int n = store.abandonUnfinished();
        if (n > 0) LOG.infof("marked %d evaluation runs left unfinished by the last stop as failed", n);
    }

    void onStop(@Observes ShutdownEvent e) {
        worker.shutdownNow();
    }

    /**
     * What to run.
     *
     * @param suite suite name: a built-in suite, a stored suite (cases made from feedback), or the name given to
     *     {@code cases}/{@code path}
     * @param cases suite lines (JSONL) sent inline, or null
     * @param path a JSONL file, BEIR folder or tau2 folder on the server, inside {@code lore.eval.data-roots}, or null
     * @param split BEIR split (null = test, else the first)
     * @param source name of the source retrieval and answer cases search, overriding the suite's
     * @param maxCases run only the first n cases (null = all)
     * @param baseline a baseline to compare with instead of the suite's file (JSON), or null
     */
    public record Request(String suite, String cases, String path, String split, String source, Integer maxCases, JsonNode baseline) {}

    /** The suite a request names. @throws ApiException 400/404 with the reason */
    public EvalSuite resolve(Request r, String tenant) {
        try {
            EvalSuite s;
            if (r.cases() != null) {
                s = EvalSuite.parse(r.suite() == null ? "inline" : r.suite(), r.cases(), null);
            } else if (r.path() != null) {
                Path p = Path.of(r.path()).toAbsolutePath().normalize();
                if (!insideDataRoots(p)) {
                    throw new ApiException(400, "path outside the allowed data roots", p + " is not inside lore.eval.data-roots " + dataRoots);
                }
                if (!Files.exists(p)) throw new ApiException(404, "no such suite path", p.toString());
                s = EvalSuite.load(p, r.split());
                if (r.suite() != null) s = new EvalSuite(r.suite(), s.description(), s.cases(), s.source(), s.corpus(), s.passAt(), s.domainDb());
            } else if (r.suite() == null || r.suite().isBlank()) {
                throw new ApiException(400, "no suite", "give suite (a name), cases (JSONL) or path");
            } else if (builtIns().contains(r.suite())) {
                s = EvalSuite.builtIn(r.suite());
            } else {
                List<JsonNode> stored = store.storedCases(tenant, r.suite());
                if (stored.isEmpty()) throw new ApiException(404, "no such suite", "no built-in or stored suite named '" + r.suite() + "'");
                List<EvalCase> cases = new ArrayList<>();
                for (JsonNode n : stored) cases.add(EvalSuite.caseOf(n));
                s = new EvalSuite(r.suite(), "cases made from rated answers", cases, null, null, 5, null);
            }
            if (r.source() != null) s = new EvalSuite(s.name(), s.description(), s.cases(), r.source(), s.corpus(), s.passAt(), s.domainDb());
            if (r.maxCases() != null) s = s.first(r.maxCases());
            if (s.cases().isEmpty()) throw new ApiException(400, "empty suite", "suite " + s.name() + " has no cases");
            if (s.source() != null) {
                String src = s.source();
                boolean exists = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() ->
                        dev.lore.connector.Source.count("tenantId = ?1 and name = ?2", tenant, src) > 0);
                if (!exists) throw new ApiException(400, "no such source", "no source named '" + src + "' in this tenant (the suite's retrieval and answer cases search it)");
            }
            if (s.domainDb() != null && !insideDataRoots(s.domainDb())) {
                throw new ApiException(400, "domain database outside the allowed data roots", "domainDb must be inside lore.eval.data-roots " + dataRoots);
            }
            return s;
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "invalid suite", e.getMessage());
        } catch (IOException e) {
            throw new ApiException(400, "unreadable suite", e.getMessage());
        }
    }

    private boolean insideDataRoots(Path path) {
        Path p = path.toAbsolutePath().normalize();
        try {
            if (Files.exists(p)) p = p.toRealPath(); // a link inside a root may point outside it
        } catch (IOException e) {
            return false;
        }
        final Path real = p;
        return dataRoots.stream().map(x -> Path.of(x).toAbsolutePath().normalize()).anyMatch(real::startsWith);
    }

    /** The built-in suites ({@code eval/suites/index.txt} on the class path). */
    public List<String> builtIns() {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream("eval/suites/index.txt")) {
            if (in == null) return List.of();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Queues a run; returns its id at once. The run's status, progress and results are read from {@link EvalStore}.
     *
     * @param suite the resolved suite
     * @param options how to run it (a cassette mode uses {@code <lore.eval.cassette-dir>/<suite>.json})
     * @param baseline the baseline to compare with (null = the suite's file, when there is one)
     */
    public UUID start(EvalSuite suite, EvalRunner.Options options, Baseline baseline, Caller caller) {
        UUID id = UUID.randomUUID();
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("mode", options.mode().name().toLowerCase());
        opts.put("limit", options.limit());
        opts.put("trials", options.trials());
        opts.put("judge", options.judge());
        if (options.agent() != null) opts.put("agent", options.agent());
        if (options.instructions() != null) opts.put("instructions", options.instructions());
        opts.put("cassette", options.cassette().name().toLowerCase());
        if (suite.source() != null) opts.put("source", suite.source());
        opts.put("cases", suite.cases().size());
        if (baseline != null) opts.put("baseline", "given with the request");
        store.create(caller.tenant(), id, suite.name(), caller.username(), suite.cases().size(), opts);
        worker.submit(() -> {
            try {
                store.started(id);
                RunResult run = runner.run(suite, options, caller, done -> store.progress(id, done));
                run = new RunResult(id, run.suite(), run.startedAt(), run.finishedAt(), run.config(), run.metrics(), run.cases());
                Baseline b = baseline;
                if (b == null) {
                    // the committed baseline only when it was made on the same cases and source (e.g. not on a maxCases run)
                    Baseline committed = baseline(suite.name());
                    String why = committed == null ? "no baseline for this suite" : Gate.notComparable(run, committed);
                    if (why == null) b = committed;
                    else {
                        Map<String, Object> config = new LinkedHashMap<>(run.config());
                        config.put("gate", "not compared: " + why);
                        run = new RunResult(run.id(), run.suite(), run.startedAt(), run.finishedAt(), config, run.metrics(), run.cases());
                    }
                }
                store.finished(id, run, b == null ? null : Gate.compare(run, b));
            } catch (RuntimeException e) {
                LOG.warnf(e, "evaluation run %s of %s failed", id, suite.name());
                store.failed(id, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        });
        return id;
    }

    /** The cassette file of a suite for runs started through the API: {@code <lore.eval.cassette-dir>/<tenant>/<suite>.json}. */
    public Path cassetteFile(String tenant, String suite, CassetteMode mode) {
        if (mode == CassetteMode.OFF) return null;
        if (!EvalSuite.NAME.matcher(suite).matches()) throw new IllegalArgumentException("invalid suite name " + suite);
        return Path.of(cassetteDir, tenant, suite + ".json"); // tenant names are validated ([a-z0-9][a-z0-9_.-]*)
    }

    /**
     * The committed baseline of a suite, or null when it has none.
     *
     * @throws IllegalStateException when a baseline exists but cannot be parsed
     */
    public Baseline baseline(String suite) {
        try {
            if (baselineDir.isPresent()) {
                Baseline b = Baseline.read(Path.of(baselineDir.get(), suite + ".json"));
                if (b != null) return b;
            }
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream("eval/baselines/" + suite + ".json")) {
                return in == null ? null : Baseline.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("baseline of " + suite + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Parses an inline baseline. @throws ApiException 400 when invalid */
    public static Baseline parseBaseline(JsonNode n) {
        try {
            return n == null || n.isNull() ? null : JSON.treeToValue(n, Baseline.class);
        } catch (IOException e) {
            throw new ApiException(400, "invalid baseline", e.getMessage());
        }
    }
}
