package dev.lore.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the shared public data sets in {@code ../shared/datasets} (next to the project). A user's clone has none:
 * suites on them are skipped with a message. Under {@code CI=true} a missing data set fails the test instead.
 */
public final class SharedData {

    private SharedData() {}

    /** The data set folder, or skips (aborts) the test when it is absent outside CI; fails when absent in CI. */
    public static Path require(String name) {
        Path dir = Path.of("..", "shared", "datasets", name).toAbsolutePath().normalize();
        if (Files.isDirectory(dir)) return dir;
        String msg = "data set " + dir + " is not present";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(msg + " (CI=true: shared data sets are required)");
        System.out.println("SKIPPED: " + msg + "; this suite runs where ../shared/datasets exists");
        Assumptions.abort(msg);
        return dir;
    }
}
