package dev.lore.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the agent benchmarks share: the machine, percentiles, and the report files under {@code target/bench}. */
final class BenchOutput {

    private BenchOutput() {}

    /** Date, CPU, cores, memory, OS, JVM of this process. */
    static Map<String, Object> machine() throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        m.put("cpu", Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memoryGb", Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1048576.0).findFirst().orElse(0.0));
        String os = System.getProperty("os.name") + " " + System.getProperty("os.version");
        Path release = Path.of("/etc/os-release");
        if (Files.exists(release)) {
            os = Files.readAllLines(release).stream().filter(l -> l.startsWith("PRETTY_NAME="))
                    .map(l -> l.substring(12).replace("\"", "")).findFirst().orElse(os) + ", kernel " + System.getProperty("os.version");
        }
        m.put("os", os);
        m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("jvmArgs", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X") || a.startsWith("--enable")).toList()));
        m.put("loadAverageAtStart", loadAverage());
        return m;
    }

    /** The 1, 5 and 15 minute load averages: the machine is shared, so a reader can judge the noise. */
    static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    /** p50, p95, p99, mean and max of values in milliseconds. */
    static Map<String, Object> percentiles(double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", s.length);
        m.put("p50Ms", pct(s, 50));
        m.put("p95Ms", pct(s, 95));
        m.put("p99Ms", pct(s, 99));
        m.put("meanMs", Arrays.stream(s).average().orElse(0));
        m.put("maxMs", s.length == 0 ? 0 : s[s.length - 1]);
        return m;
    }

    /** Nearest-rank percentile of sorted values. */
    static double pct(double[] sorted, double p) {
        if (sorted.length == 0) return 0;
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** A number with {@code decimals} decimals. */
    static String f(Object v, int decimals) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%." + decimals + "f", n.doubleValue()) : String.valueOf(v);
    }

    /** The machine line of a report. */
    static String machineLine(Map<String, Object> m) {
        return "Machine: " + m.get("cpu") + ", " + m.get("cores") + " cores, " + f(m.get("memoryGb"), 1) + " GB RAM; " + m.get("os")
                + "; " + m.get("java") + "; " + m.get("date") + "; load average (1, 5, 15 min) " + m.get("loadAverageAtStart")
                + " at the start, " + m.get("loadAverageAtEnd") + " at the end.";
    }

    /** Writes {@code target/bench/<name>.json} and {@code <name>.md} and prints the Markdown. */
    static void write(String name, Map<String, Object> report, String markdown) throws IOException {
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(name + ".json").toFile(), report);
        Files.writeString(out.resolve(name + ".md"), markdown);
        System.out.println();
        System.out.println(markdown);
        System.out.println("[bench] wrote " + out.toAbsolutePath().resolve(name + ".json") + " and " + name + ".md");
    }
}
