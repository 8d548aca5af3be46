package dev.lore.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lore.eval.EvalResults.CaseResult;
import dev.lore.eval.EvalResults.RunResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The committed reference of a suite ({@code src/main/resources/eval/baselines/<suite>.json}): each gated metric's
 * value and how far it may drop, and which cases passed. Written only by an explicit update ({@code deploy/eval.sh
 * baseline}), never by a gate run.
 *
 * @param suite suite name
 * @param updatedAt when it was written (ISO-8601)
 * @param config the configuration of the run it was taken from
 * @param metrics metric name → value and tolerance (the largest drop that still passes, in the metric's units)
 * @param passed ids of the cases that passed
 * @param failed ids of the cases that failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Baseline(String suite, String updatedAt, Map<String, Object> config, Map<String, Metric> metrics, List<String> passed,
                       List<String> failed) {

    public Baseline {
        if (metrics == null || metrics.isEmpty()) throw new IllegalArgumentException("a baseline needs metrics: {name: {value, tolerance}}");
        metrics.forEach((k, m) -> {
            if (m == null || !(m.tolerance() >= 0) || !Double.isFinite(m.value())) {
                throw new IllegalArgumentException("baseline metric " + k + ": value must be a number and tolerance ≥ 0");
            }
        });
        passed = passed == null ? List.of() : List.copyOf(passed);
        failed = failed == null ? List.of() : List.copyOf(failed);
        config = config == null ? Map.of() : config;
    }

    /** Tolerance given to a metric that has none yet. */
    public static final double DEFAULT_TOLERANCE = 0.02;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /**
     * One gated metric.
     *
     * @param value the baseline value
     * @param tolerance the largest drop (baseline − current) that still passes, ≥ 0
     */
    public record Metric(double value, double tolerance) {}

    /** Whether a metric is informational (latency, tokens, judge failures): reported, never gated. */
    public static boolean informational(String metric) {
        return metric.startsWith("latency") || metric.startsWith("tokens") || metric.equals("could_not_judge");
    }

    /**
     * A baseline from a run; tolerances are kept from {@code previous} where it has the metric (may be null), else
     * {@link #DEFAULT_TOLERANCE}. Values are rounded to 4 decimals.
     */
    public static Baseline of(RunResult run, Baseline previous) {
        Map<String, Metric> m = new TreeMap<>();
        run.metrics().forEach((k, v) -> {
            if (informational(k)) return;
            double tol = previous != null && previous.metrics().containsKey(k) ? previous.metrics().get(k).tolerance() : DEFAULT_TOLERANCE;
            m.put(k, new Metric(Math.round(v * 10_000) / 10_000.0, tol));
        });
        Map<String, Object> config = new TreeMap<>(run.config());
        config.remove("gitCommit"); // stays stable across commits; the commit is in the run record
        return new Baseline(run.suite(), run.finishedAt().toString(), config, m,
                run.cases().stream().filter(CaseResult::passed).map(CaseResult::id).toList(),
                run.cases().stream().filter(c -> !c.passed()).map(CaseResult::id).toList());
    }

    /**
     * Reads a baseline file.
     *
     * @return null when the file does not exist
     * @throws IOException when it exists but cannot be read or parsed
     */
    public static Baseline read(Path file) throws IOException {
        if (!Files.exists(file)) return null;
        return JSON.readValue(file.toFile(), Baseline.class);
    }

    /** Reads a baseline from JSON text. */
    public static Baseline parse(String json) throws IOException {
        return JSON.readValue(json, Baseline.class);
    }

    /** Writes this baseline (pretty, keys sorted) through a temporary file. */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
