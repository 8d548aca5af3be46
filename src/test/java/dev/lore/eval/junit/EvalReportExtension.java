package dev.lore.eval.junit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lore.eval.Gate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that collects the gate reports produced while a test class runs ({@link #record}) and, after the
 * class, writes each as {@code target/eval-reports/<name>.md} and {@code .json} plus a {@code summary.md} with one line
 * per suite (verdict, regressed metrics, flipped cases). Register with {@code @ExtendWith(EvalReportExtension.class)}.
 */
public final class EvalReportExtension implements AfterAllCallback {

    /** Where reports are written, relative to the project root (Maven's working directory). */
    public static final Path REPORTS = Path.of("target/eval-reports");

    private static final Map<String, Gate.Report> REPORTS_OF_CLASS = new LinkedHashMap<>();
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Keeps a report to write after the class (a later report under the same name replaces it). */
    public static synchronized void record(String name, Gate.Report report) {
        REPORTS_OF_CLASS.put(name, report);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        Map<String, Gate.Report> reports;
        synchronized (EvalReportExtension.class) {
            reports = new LinkedHashMap<>(REPORTS_OF_CLASS);
            REPORTS_OF_CLASS.clear();
        }
        if (reports.isEmpty()) return;
        Files.createDirectories(REPORTS);
        StringBuilder summary = new StringBuilder("# Evaluation gate summary\n\n| report | verdict | regressed | pass → fail |\n|---|---|---|---|\n");
        for (Map.Entry<String, Gate.Report> e : reports.entrySet()) {
            Gate.Report r = e.getValue();
            Files.writeString(REPORTS.resolve(e.getKey() + ".md"), r.markdown());
            JSON.writeValue(REPORTS.resolve(e.getKey() + ".json").toFile(), r);
            summary.append("| ").append(e.getKey()).append(" | ").append(r.passed() ? "passed" : "FAILED").append(" | ")
                    .append(String.join(", ", r.regressions())).append(" | ")
                    .append(String.join(", ", r.passToFail().stream().map(Gate.Flip::id).toList())).append(" |\n");
        }
        Files.writeString(REPORTS.resolve("summary.md"), summary.toString());
    }
}
