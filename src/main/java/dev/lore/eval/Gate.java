package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lore.eval.EvalResults.CaseResult;
import dev.lore.eval.EvalResults.RunResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The regression gate: compares a run with its suite's {@link Baseline}. The gate fails when any gated metric of the
 * baseline dropped by more than its tolerance, or is missing from the run. Cases that went from pass to fail are
 * listed (they explain the drop) but do not fail the gate by themselves.
 */
public final class Gate {

    private Gate() {}

    /**
     * One metric's comparison.
     *
     * @param metric name
     * @param baseline baseline value, null when the baseline does not have it
     * @param current this run's value, null when the run does not have it
     * @param delta current − baseline (null when either is missing)
     * @param tolerance the allowed drop, null for informational or new metrics
     * @param status {@code ok}, {@code improved}, {@code regressed}, {@code missing}, {@code new} or {@code info}
     */
    public record Row(String metric, Double baseline, Double current, Double delta, Double tolerance, String status) {}

    /**
     * A flipped case.
     *
     * @param id case id
     * @param type case type
     * @param detail the run's detail for the case (why it failed)
     */
    public record Flip(String id, String type, JsonNode detail) {}

    /**
     * The gate's verdict and report.
     *
     * @param suite suite name
     * @param runId the run compared
     * @param passed false when a gated metric regressed or is missing, or there is no baseline
     * @param rows every metric, gated first, in name order
     * @param regressions names of the metrics that failed the gate
     * @param passToFail cases that passed in the baseline and fail now
     * @param failToPass cases that failed in the baseline and pass now
     * @param newCases cases the baseline does not know
     * @param config the run's configuration
     */
    public record Report(String suite, String runId, boolean passed, List<Row> rows, List<String> regressions, List<Flip> passToFail,
                         List<Flip> failToPass, List<String> newCases, Map<String, Object> config) {

        /** The report as Markdown: verdict, a metric table (baseline, current, delta, tolerance) and the flipped cases. */
        public String markdown() {
            StringBuilder md = new StringBuilder();
            md.append("# Evaluation gate: ").append(suite).append(" — ").append(passed ? "PASSED" : "FAILED").append("\n\n");
            md.append("Run `").append(runId).append("`");
            for (String k : List.of("gitCommit", "model", "embeddingModel", "mode", "limit", "cassette")) {
                if (config.containsKey(k)) md.append(", ").append(k).append(" `").append(config.get(k)).append('`');
            }
            md.append(".\n\n");
            if (!regressions.isEmpty()) md.append("Regressed: ").append(String.join(", ", regressions)).append(".\n\n");
            md.append("| metric | baseline | current | delta | tolerance | status |\n|---|---:|---:|---:|---:|---|\n");
            for (Row r : rows) {
                md.append("| ").append(r.metric()).append(" | ").append(num(r.baseline())).append(" | ").append(num(r.current()))
                        .append(" | ").append(r.delta() == null ? "" : String.format(Locale.ROOT, "%+.4f", r.delta()))
                        .append(" | ").append(num(r.tolerance())).append(" | ").append(r.status()).append(" |\n");
            }
            md.append("\n## Cases that changed from pass to fail (").append(passToFail.size()).append(")\n\n");
            if (passToFail.isEmpty()) md.append("None.\n");
            for (Flip f : passToFail) md.append("- `").append(f.id()).append("` (").append(f.type()).append("): ").append(brief(f.detail())).append('\n');
            md.append("\n## Cases that changed from fail to pass (").append(failToPass.size()).append(")\n\n");
            if (failToPass.isEmpty()) md.append("None.\n");
            for (Flip f : failToPass) md.append("- `").append(f.id()).append("` (").append(f.type()).append(")\n");
            if (!newCases.isEmpty()) md.append("\nCases not in the baseline: ").append(String.join(", ", newCases)).append(".\n");
            return md.toString();
        }

        private static String num(Double d) {
            return d == null ? "" : String.format(Locale.ROOT, "%.4f", d);
        }

        private static String brief(JsonNode d) {
            if (d == null) return "";
            String s = d.has("error") ? d.get("error").asText() : d.toString();
            return s.length() > 300 ? s.substring(0, 300) + "…" : s;
        }
    }

    /**
     * Why a run cannot be compared with a baseline, or null when it can: the run must include every case of the
     * baseline (cases added since are listed as new), use the baseline's embedding model when both name one, and, when
     * the baseline names its source, search that source. A run of some of the cases (maxCases), with other vectors or
     * over another corpus would "regress" or "improve" for reasons that have nothing to do with a change.
     */
    public static String notComparable(RunResult run, Baseline baseline) {
        Set<String> base = new TreeSet<>(baseline.passed());
        base.addAll(baseline.failed());
        Set<String> now = new TreeSet<>();
        run.cases().forEach(c -> now.add(c.id()));
        Set<String> missing = new TreeSet<>(base);
        missing.removeAll(now);
        if (!missing.isEmpty()) {
            // cases added since the baseline are fine (listed as new); a run without some of the baseline's is not
            return "the baseline was made on " + base.size() + " cases, this run has " + now.size() + " (" + missing.size()
                    + " of the baseline's missing)";
        }
        Object be = baseline.config() == null ? null : baseline.config().get("embeddingModel");
        Object re = run.config().get("embeddingModel");
        if (be != null && re != null && !be.equals(re)) { // other vectors rank other chunks: not a change of the code
            return "the baseline was made with embedding model '" + be + "', this run used '" + re + "'";
        }
        Object bs = baseline.config() == null ? null : baseline.config().get("source");
        Object rs = run.config().get("source");
        if (bs != null && !bs.equals(rs)) { // a baseline that names no source (written by hand) does not constrain it
            return "the baseline searched " + (bs == null ? "every source" : "source '" + bs + "'") + ", this run "
                    + (rs == null ? "every source" : "'" + rs + "'");
        }
        return null;
    }

    /**
     * Compares {@code run} with {@code baseline}.
     *
     * @param baseline the suite's baseline, or null: the report then fails and says there is none
     */
    public static Report compare(RunResult run, Baseline baseline) {
        List<Row> rows = new ArrayList<>();
        List<String> regressions = new ArrayList<>();
        String incomparable = baseline == null ? null : notComparable(run, baseline);
        if (incomparable != null) regressions.add("(not comparable: " + incomparable + ")");
        Set<String> names = new TreeSet<>(run.metrics().keySet());
        if (baseline != null) names.addAll(baseline.metrics().keySet());
        List<Row> info = new ArrayList<>();
        for (String name : names) {
            Double cur = run.metrics().get(name);
            Baseline.Metric b = baseline == null ? null : baseline.metrics().get(name);
            if (Baseline.informational(name)) {
                info.add(new Row(name, null, cur, null, null, "info"));
            } else if (b == null) {
                rows.add(new Row(name, null, cur, null, null, "new"));
            } else if (cur == null) {
                rows.add(new Row(name, b.value(), null, null, b.tolerance(), "missing"));
                regressions.add(name);
            } else {
                double delta = cur - b.value();
                // a drop beyond the tolerance fails; the epsilon absorbs the rounding of the stored baseline
                String status = delta < -(b.tolerance() + 1e-4) ? "regressed" : delta > 1e-4 ? "improved" : "ok";
                if (status.equals("regressed")) regressions.add(name);
                rows.add(new Row(name, b.value(), cur, delta, b.tolerance(), status));
            }
        }
        rows.addAll(info);
        List<Flip> toFail = new ArrayList<>(), toPass = new ArrayList<>();
        List<String> fresh = new ArrayList<>();
        Set<String> wasPassing = baseline == null ? Set.of() : new HashSet<>(baseline.passed());
        Set<String> wasFailing = baseline == null ? Set.of() : new HashSet<>(baseline.failed());
        for (CaseResult c : run.cases()) {
            if (wasPassing.contains(c.id()) && !c.passed()) toFail.add(new Flip(c.id(), c.type(), c.detail()));
            else if (wasFailing.contains(c.id()) && c.passed()) toPass.add(new Flip(c.id(), c.type(), null));
            else if (baseline != null && !wasPassing.contains(c.id()) && !wasFailing.contains(c.id())) fresh.add(c.id());
        }
        if (baseline == null) regressions.add("(no baseline: run `deploy/eval.sh baseline` to create one)");
        return new Report(run.suite(), run.id().toString(), regressions.isEmpty(), rows, regressions, toFail, toPass, fresh, run.config());
    }
}
