package dev.lore.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lore.eval.EvalStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The evaluations page's charts: where the points and the baseline land, which metrics are drawn. */
class EvaluationChartTest {

    static EvalStore.Run run(Map<String, Double> metrics, int minute) {
        return new EvalStore.Run(UUID.randomUUID(), "s", "succeeded", "alice", 3, 3, Map.of(), Map.of(), metrics, null, null, null,
                Instant.parse("2026-01-01T10:00:00Z").plusSeconds(60L * minute), Instant.parse("2026-01-01T10:00:00Z").plusSeconds(60L * minute + 5));
    }

    @Test
    void pointsSpanThePlotAndValuesMapOntoZeroToOne() {
        ConsoleEvaluations.Chart c = ConsoleEvaluations.chart("s", "hit@5",
                List.of(run(Map.of("hit@5", 0.0), 0), run(Map.of("hit@5", 1.0), 1), run(Map.of("hit@5", 0.5), 2)), 0.75);
        // plot: x 36..310, y 10 (value 1) .. 126 (value 0)
        assertEquals(List.of(36, 173, 310), c.points().stream().map(ConsoleEvaluations.Point::x).toList());
        assertEquals(List.of(126, 10, 68), c.points().stream().map(ConsoleEvaluations.Point::y).toList());
        assertEquals("36,126 173,10 310,68", c.line());
        assertEquals(39, c.baselineY());
        assertEquals("0.750", c.baseline());
        assertEquals("0.500", c.latest());
        assertEquals("2026-01-01 10:01 · hit@5 1.000", c.points().get(1).label());
    }

    @Test
    void aSingleRunSitsInTheMiddleAndNoBaselineDrawsNoLine() {
        ConsoleEvaluations.Chart c = ConsoleEvaluations.chart("s", "mrr@10", List.of(run(Map.of("mrr@10", 2.0), 0)), null);
        assertEquals(173, c.points().get(0).x());
        assertEquals(10, c.points().get(0).y(), "values above 1 are clamped to the top");
        assertNull(c.baselineY());
        assertEquals("", c.baseline());
    }

    @Test
    void keyMetricsAreChartedFirstAndInformationalOnesNever() {
        assertEquals(List.of("hit@5", "mrr@10", "pass_rate"),
                ConsoleEvaluations.chartMetrics(List.of(run(Map.of("pass_rate", 1.0, "mrr@10", 1.0, "hit@5", 1.0, "latency_p50_ms", 3.0), 0))));
        assertEquals(List.of("custom"), ConsoleEvaluations.chartMetrics(List.of(run(Map.of("custom", 1.0, "tokens_in", 3.0), 0))));
    }
}
