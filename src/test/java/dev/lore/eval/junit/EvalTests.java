package dev.lore.eval.junit;

import dev.lore.eval.Baseline;
import dev.lore.eval.EvalResults.CaseResult;
import dev.lore.eval.EvalResults.RunResult;
import dev.lore.eval.Gate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.AssertionFailedError;

/**
 * Runs an evaluation suite as JUnit tests: one dynamic test per case and one for the gate, so IDEs and CI reports show
 * which case broke. Use from a {@code @TestFactory} method together with {@link EvalReportExtension}:
 *
 * <pre>{@code
 * @TestFactory
 * Stream<DynamicNode> pgManual() {
 *     RunResult run = runner.run(suite, options, caller, null);
 *     return EvalTests.of(run, Baseline.read(file));
 * }
 * }</pre>
 *
 * <p>A case test fails when the case passed in the baseline and fails now; a case that fails now and failed in the
 * baseline too is reported as skipped (a known failure, with its detail); a new case that fails is a failure. The gate
 * test fails when {@link Gate#compare} does, with the Markdown report as its message. The report is also handed to
 * {@link EvalReportExtension#record}, which writes it after the class ran.
 */
public final class EvalTests {

    private EvalTests() {}

    /** The case tests and the gate test of a run compared with {@code baseline} (null: the gate test fails). */
    public static Stream<DynamicNode> of(RunResult run, Baseline baseline) {
        Gate.Report report = Gate.compare(run, baseline);
        EvalReportExtension.record(run.suite(), report);
        Set<String> knownFailures = baseline == null ? Set.of() : new HashSet<>(baseline.failed());
        List<DynamicNode> cases = new ArrayList<>();
        for (CaseResult c : run.cases()) {
            cases.add(DynamicTest.dynamicTest(c.type() + " " + c.id(), () -> {
                if (c.passed()) return;
                String why = c.id() + " failed: " + (c.detail() == null ? "" : c.detail().toString());
                Assumptions.assumeFalse(knownFailures.contains(c.id()), "known failure (also failing in the baseline): " + why);
                throw new AssertionFailedError(why);
            }));
        }
        DynamicTest gate = DynamicTest.dynamicTest("gate " + run.suite(), () -> {
            if (!report.passed()) throw new AssertionFailedError(report.markdown());
        });
        return Stream.of(DynamicContainer.dynamicContainer(run.suite() + " cases", cases), gate);
    }
}
