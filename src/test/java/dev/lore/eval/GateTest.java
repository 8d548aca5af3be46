package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lore.eval.EvalResults.CaseResult;
import dev.lore.eval.EvalResults.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The gate's arithmetic and report on hand-made runs. */
class GateTest {

    static CaseResult c(String id, boolean passed) {
        return new CaseResult(id, "retrieval", passed, Map.of("hit@5", passed ? 1.0 : 0.0), 3, null, null,
                JsonNodeFactory.instance.objectNode().put("why", "case " + id));
    }

    static RunResult run(Map<String, Double> metrics, CaseResult... cases) {
        return new RunResult(UUID.randomUUID(), "s", Instant.parse("2026-11-30T10:00:00Z"), Instant.parse("2026-11-30T10:01:00Z"),
                Map.of("model", "m", "gitCommit", "abc"), metrics, List.of(cases));
    }

    static Map<String, Double> m(double hit, double mrr, double latency) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("hit@5", hit);
        m.put("mrr@10", mrr);
        m.put("latency_p50_ms", latency);
        return m;
    }

    @Test
    void aDropWithinToleranceKeepsTheGateOpenAndABiggerOneClosesIt() {
        Baseline base = Baseline.of(run(m(0.80, 0.60, 10), c("a", true), c("b", true), c("c", false)), null);
        assertEquals(Baseline.DEFAULT_TOLERANCE, base.metrics().get("hit@5").tolerance());
        assertNull(base.metrics().get("latency_p50_ms"), "latency is informational, not gated");
        assertEquals(List.of("a", "b"), base.passed());

        // 0.80 → 0.79: delta −0.01 within tolerance 0.02; latency tripled: not gated
        Gate.Report ok = Gate.compare(run(m(0.79, 0.61, 30), c("a", true), c("b", true), c("c", false)), base);
        assertTrue(ok.passed(), ok.markdown());
        assertEquals("improved", ok.rows().stream().filter(r -> r.metric().equals("mrr@10")).findFirst().orElseThrow().status());

        // 0.80 → 0.70: delta −0.10 beyond 0.02; case b flipped, case c recovered
        Gate.Report bad = Gate.compare(run(m(0.70, 0.60, 10), c("a", true), c("b", false), c("c", true), c("d", true)), base);
        assertFalse(bad.passed());
        assertEquals(List.of("hit@5"), bad.regressions());
        assertEquals(List.of("b"), bad.passToFail().stream().map(Gate.Flip::id).toList());
        assertEquals(List.of("c"), bad.failToPass().stream().map(Gate.Flip::id).toList());
        assertEquals(List.of("d"), bad.newCases());
        String md = bad.markdown();
        assertTrue(md.contains("FAILED") && md.contains("| hit@5 | 0.8000 | 0.7000 | -0.1000 | 0.0200 | regressed |"), md);
        assertTrue(md.contains("`b` (retrieval): {\"why\":\"case b\"}"), md);
    }

    @Test
    void aMissingMetricOrBaselineFails() {
        Baseline base = Baseline.of(run(m(0.8, 0.6, 1), c("a", true)), null);
        Map<String, Double> noMrr = new LinkedHashMap<>(Map.of("hit@5", 0.9));
        Gate.Report r = Gate.compare(run(noMrr, c("a", true)), base);
        assertFalse(r.passed());
        assertEquals(List.of("mrr@10"), r.regressions());
        Gate.Report none = Gate.compare(run(m(1, 1, 1), c("a", true)), null);
        assertFalse(none.passed());
        assertTrue(none.markdown().contains("no baseline"), none.markdown());
    }

    @Test
    void aRunOnOtherCasesOrAnotherSourceIsNotCompared() {
        Baseline base = Baseline.of(run(m(0.8, 0.6, 1), c("a", true), c("b", true), c("c", false)), null);
        Gate.Report fewer = Gate.compare(run(m(1.0, 1.0, 1), c("a", true)), base);
        assertFalse(fewer.passed(), "an 'improvement' on 1 of 3 cases is not a comparison");
        assertTrue(fewer.regressions().get(0).contains("3 cases, this run has 1 (2 of the baseline's missing)"), fewer.regressions().toString());
        assertNull(Gate.notComparable(run(m(0.8, 0.6, 1), c("a", true), c("b", true), c("c", false)), base));
        Baseline int8 = new Baseline("s", null, Map.of("embeddingModel", "bge-small-en-v1.5-q"), base.metrics(), base.passed(), base.failed());
        RunResult fp32 = new RunResult(UUID.randomUUID(), "s", Instant.parse("2026-11-30T10:00:00Z"), Instant.parse("2026-11-30T10:01:00Z"),
                Map.of("model", "m", "embeddingModel", "bge-small-en-v1.5"), m(0.8, 0.6, 1), List.of(c("a", true), c("b", true), c("c", false)));
        assertEquals("the baseline was made with embedding model 'bge-small-en-v1.5-q', this run used 'bge-small-en-v1.5'",
                Gate.notComparable(fp32, int8));
        assertThrows(IllegalArgumentException.class, () -> new Baseline("s", null, null, null, null, null), "a baseline needs metrics");
        assertThrows(IllegalArgumentException.class,
                () -> new Baseline("s", null, null, Map.of("hit@5", new Baseline.Metric(0.5, -0.1)), null, null));
    }

    @Test
    void baselinesRoundTripAndKeepTolerancesWhenUpdated() throws Exception {
        Path dir = Files.createTempDirectory("lore-baseline");
        Baseline first = Baseline.of(run(m(0.81234567, 0.6, 1), c("a", true)), null);
        assertEquals(0.8123, first.metrics().get("hit@5").value());
        Baseline tuned = new Baseline(first.suite(), first.updatedAt(), first.config(),
                Map.of("hit@5", new Baseline.Metric(0.8123, 0.05), "mrr@10", first.metrics().get("mrr@10")), first.passed(), first.failed());
        tuned.write(dir.resolve("s.json"));
        Baseline read = Baseline.read(dir.resolve("s.json"));
        assertEquals(tuned, read);
        assertFalse(read.config().containsKey("gitCommit"), "a baseline does not change with every commit");
        Baseline updated = Baseline.of(run(m(0.9, 0.7, 1), c("a", true)), read);
        assertEquals(0.05, updated.metrics().get("hit@5").tolerance(), "an update keeps hand-set tolerances");
        assertNull(Baseline.read(dir.resolve("missing.json")));
        String text = Files.readString(dir.resolve("s.json"));
        tuned.write(dir.resolve("s.json"));
        assertEquals(text, Files.readString(dir.resolve("s.json")), "stable bytes");
    }
}
