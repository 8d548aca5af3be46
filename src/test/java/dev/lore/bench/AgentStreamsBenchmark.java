package dev.lore.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.ScriptedOpenAiServer.Step;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * How many streaming conversations one Lore process holds, and what each costs in memory: Lore runs as its own process
 * (the packaged {@code target/quarkus-app}, as {@code deploy/run.sh} starts it), the model is the scripted
 * OpenAI-compatible server streaming one token every {@value #TOKEN_EVERY_MILLIS} ms, and this JVM opens conversation
 * turns with {@code Accept: text/event-stream} and keeps them open, at 100, 250, 500 and 1,000 at once.
 *
 * <p>At each level, once every stream has received tokens: the tokens per second that reach the clients against the
 * model's rate, the longest gap between two tokens of a stream, Lore's live heap (the total of
 * {@code jcmd GC.class_histogram}, which runs a full GC first; the histograms are kept as
 * {@code target/bench/agent-streams-histogram-<level>.txt}), resident memory and threads ({@code /proc/<pid>/status}).
 *
 * <p>Not part of the normal suite (tag {@code bench}): {@code deploy/agent-bench.sh}, or {@code ./mvnw package
 * -DskipTests} and then {@code ./mvnw -Pbench test -Dtest=AgentStreamsBenchmark}. System properties:
 * {@code lore.bench.levels} (default {@code 100,250,500,1000}), {@code lore.bench.lore-jvm} (default
 * {@code -Xmx2g}, as deploy/run.sh). The database is {@code LORE_TEST_DB_URL} (default {@code lore_bench}). Writes
 * {@code target/bench/agent-streams.md} and {@code .json}; Lore's log goes to {@code target/bench/agent-streams-lore.log}.
 */
@Tag("bench")
class AgentStreamsBenchmark {

    static final long TOKEN_EVERY_MILLIS = 200;
    static final int TOKENS_PER_ANSWER = 1_500;
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    final List<OpenStream> streams = new ArrayList<>();
    String base;

    /** One open conversation stream as the client sees it. */
    static final class OpenStream implements Flow.Subscriber<String> {
        final CompletableFuture<Void> opened = new CompletableFuture<>();
        final AtomicLong tokens = new AtomicLong();
        volatile long lastToken;
        volatile long maxGap;
        volatile boolean ended;
        volatile String error;
        Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
            opened.complete(null);
        }

        @Override
        public void onNext(String line) {
            if (!line.startsWith("event:")) return;
            String event = line.substring(6).strip();
            if (event.equals("token")) {
                long now = System.nanoTime();
                if (lastToken != 0) maxGap = Math.max(maxGap, now - lastToken);
                lastToken = now;
                tokens.incrementAndGet();
            } else if (event.equals("error") || event.equals("message")) {
                ended = true;
                if (event.equals("error")) error = "error event";
            }
        }

        @Override
        public void onError(Throwable t) {
            ended = true;
            error = t.toString();
            opened.complete(null);
        }

        @Override
        public void onComplete() {
            ended = true;
        }
    }

    @Test
    void concurrentStreamingConversations() throws Exception {
        List<Integer> levels = Arrays.stream(System.getProperty("lore.bench.levels", "100,250,500,1000").split(","))
                .map(String::strip).map(Integer::parseInt).toList();
        requireFreshJar();
        Map<String, Object> report = new LinkedHashMap<>();
        Map<String, Object> machine = BenchOutput.machine();
        report.put("machine", machine);
        try (ScriptedOpenAiServer model = new ScriptedOpenAiServer().start()) {
            Process lore = startLore(model.baseUrl());
            try {
                String agent = agent();
                model.setDefault(Step.stream(words(20)));
                warmUp(agent, 200);
                List<Map<String, Object>> rows = new ArrayList<>();
                rows.add(measure(lore, 0, 0));
                model.setDefault(Step.stream(words(TOKENS_PER_ANSWER)).eventsEvery(TOKEN_EVERY_MILLIS));
                for (int level : levels) {
                    open(agent, level);
                    rows.add(measure(lore, level, streams.size()));
                }
                report.put("levels", rows);
                report.put("settings", Map.of("tokenEveryMs", TOKEN_EVERY_MILLIS, "loreJvm", loreJvm(), "lore", JAR.toString(),
                        "model", "ScriptedOpenAiServer in the benchmark JVM (virtual threads)", "client", "JDK HttpClient, HTTP/1.1, one connection per stream"));
                for (OpenStream s : streams) if (s.subscription != null) s.subscription.cancel();
            } finally {
                lore.destroy();
                if (!lore.waitFor(30, TimeUnit.SECONDS)) lore.destroyForcibly();
            }
        }
        machine.put("loadAverageAtEnd", BenchOutput.loadAverage());
        BenchOutput.write("agent-streams", report, markdown(report));
        for (OpenStream s : streams) assertTrue(s.error == null, "a stream failed: " + s.error);
    }

    /** Opens conversations and their streams until {@code level} are open, then waits until each has a token. */
    private void open(String agent, int level) throws Exception {
        Semaphore inFlight = new Semaphore(32);
        while (streams.size() < level) {
            inFlight.acquire();
            String conv = post("/api/v1/conversations", "{\"agent\":\"" + agent + "\",\"endUserId\":\"bench-" + streams.size() + "\"}")
                    .path("id").asText();
            OpenStream s = new OpenStream();
            streams.add(s);
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/conversations/" + conv + "/messages"))
                    .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"Tell me a long story.\"}")).build();
            client.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(s));
            s.opened.whenComplete((v, t) -> inFlight.release());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (streams.stream().anyMatch(s -> s.tokens.get() == 0 && !s.ended)) {
            assertTrue(System.nanoTime() < deadline, "streams without a token after 120 s: "
                    + streams.stream().filter(s -> s.tokens.get() == 0).count());
            Thread.sleep(100);
        }
    }

    /** Tokens per second and longest gaps over a 5 s window, then Lore's memory and threads. */
    private Map<String, Object> measure(Process lore, int level, int open) throws Exception {
        Thread.sleep(2_000);
        for (OpenStream s : streams) s.maxGap = 0;
        long tokens0 = streams.stream().mapToLong(s -> s.tokens.get()).sum();
        long t0 = System.nanoTime();
        Thread.sleep(5_000);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long tokens = streams.stream().mapToLong(s -> s.tokens.get()).sum() - tokens0;
        double[] gaps = streams.stream().mapToDouble(s -> s.maxGap / 1e6).sorted().toArray();
        long live = streams.stream().filter(s -> !s.ended).count();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("conversations", level);
        row.put("streamsOpen", live);
        row.put("streamsFailed", streams.stream().filter(s -> s.error != null).count());
        row.put("tokensPerSecond", tokens / seconds);
        row.put("expectedTokensPerSecond", open * 1000.0 / TOKEN_EVERY_MILLIS);
        row.put("maxGapP50Ms", BenchOutput.pct(gaps, 50));
        row.put("maxGapP99Ms", BenchOutput.pct(gaps, 99));
        // the class histogram runs a full GC first: its total is the live heap
        String histogram = jcmd(lore, "GC.class_histogram");
        Files.writeString(Path.of("target", "bench", "agent-streams-histogram-" + level + ".txt"), histogram);
        row.put("heapAfterGcMb", liveBytes(histogram) / 1048576.0);
        Matcher committed = Pattern.compile("committed (\\d+)K").matcher(jcmd(lore, "GC.heap_info"));
        row.put("heapCommittedMb", committed.find() ? Long.parseLong(committed.group(1)) / 1024.0 : null);
        row.put("rssMb", status(lore, "VmRSS") / 1024.0);
        row.put("threads", status(lore, "Threads"));
        System.out.println("[bench] " + row);
        return row;
    }

    private void warmUp(String agent, int turns) throws Exception {
        for (int i = 0; i < turns; i++) {
            String conv = post("/api/v1/conversations", "{\"agent\":\"" + agent + "\"}").path("id").asText();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/conversations/" + conv + "/messages"))
                    .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"Hello\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("event:message") || r.body().contains("event: message"), r.body());
        }
    }

    private String agent() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/agents/bench-streamer")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return JSON.readTree(r.body()).path("id").asText();
        return post("/api/v1/agents", "{\"name\":\"bench-streamer\",\"systemPrompt\":\"Tell long stories.\",\"tools\":[],"
                + "\"maxModelCalls\":2,\"turnTimeoutMs\":3600000}").path("id").asText();
    }

    private JsonNode post(String path, String body) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, path + ": HTTP " + r.statusCode() + " " + r.body());
        return JSON.readTree(r.body());
    }

    private Process startLore(String modelUrl) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        base = "http://127.0.0.1:" + port;
        String db = System.getenv().getOrDefault("LORE_TEST_DB_URL", "jdbc:postgresql://127.0.0.1:5432/lore_bench");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(List.of(loreJvm().split(" ")));
        cmd.addAll(List.of("-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.datasource.jdbc.url=" + db,
                "-Dlore.model.base-url=" + modelUrl, "-jar", JAR.toString()));
        Path log = Path.of("target", "bench", "agent-streams-lore.log");
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (true) {
            assertTrue(p.isAlive(), "Lore exited at start-up; see " + log);
            assertTrue(System.nanoTime() < deadline, "Lore not ready after 180 s; see " + log);
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return p;
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(500);
        }
    }

    private static String loreJvm() {
        return System.getProperty("lore.bench.lore-jvm", "-Xmx2g");
    }

    private static void requireFreshJar() throws IOException {
        assertTrue(Files.exists(JAR), JAR + " is missing: run ./mvnw package -DskipTests first (deploy/agent-bench.sh does)");
        long jar = Files.getLastModifiedTime(JAR).toMillis();
        try (Stream<Path> classes = Files.walk(Path.of("target", "classes", "dev", "lore"))) {
            long newest = classes.mapToLong(p -> p.toFile().lastModified()).max().orElse(0);
            assertTrue(newest <= jar + 60_000, JAR + " is older than the compiled classes: run ./mvnw package -DskipTests again");
        }
    }

    private static String jcmd(Process p, String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process j = new ProcessBuilder(jcmd.toString(), String.valueOf(p.pid()), command).redirectErrorStream(true).start();
        String out = new String(j.getInputStream().readAllBytes());
        assertEquals(0, j.waitFor(), out);
        return out;
    }

    private static long liveBytes(String histogram) {
        Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(histogram);
        assertTrue(m.find(), histogram.lines().skip(Math.max(0, histogram.lines().count() - 3)).toList().toString());
        return Long.parseLong(m.group(1));
    }

    private static long status(Process p, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "status"))) {
            if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("\\D", ""));
        }
        throw new IllegalStateException(field + " not in /proc/" + p.pid() + "/status");
    }

    private static String[] words(int n) {
        String[] w = new String[n];
        for (int i = 0; i < n; i++) w[i] = "word" + (i % 100) + " ";
        return w;
    }

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("### Concurrent streaming conversations: one Lore process\n\n");
        sb.append(BenchOutput.machineLine((Map<String, Object>) r.get("machine"))).append("\n\n");
        sb.append("Lore: `java ").append(loreJvm()).append(" -jar target/quarkus-app/quarkus-run.jar`; model: one token every ")
                .append(TOKEN_EVERY_MILLIS).append(" ms per stream.\n\n");
        sb.append("| conversations streaming | tokens/s delivered (expected) | longest gap between tokens, p50 / p99 of streams (ms) "
                + "| live heap (MB) | heap committed (MB) | RSS (MB) | threads | live heap per conversation (KB) | RSS per conversation (KB) |\n");
        sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) r.get("levels");
        Map<String, Object> base = rows.getFirst();
        for (Map<String, Object> row : rows) {
            int n = (Integer) row.get("conversations");
            double heap = (Double) row.get("heapAfterGcMb");
            double rss = (Double) row.get("rssMb");
            sb.append("| ").append(n).append(n == 0 ? " (after warm-up)" : "")
                    .append(" | ").append(BenchOutput.f(row.get("tokensPerSecond"), 0)).append(" (").append(BenchOutput.f(row.get("expectedTokensPerSecond"), 0)).append(")")
                    .append(" | ").append(n == 0 ? "–" : BenchOutput.f(row.get("maxGapP50Ms"), 0) + " / " + BenchOutput.f(row.get("maxGapP99Ms"), 0))
                    .append(" | ").append(BenchOutput.f(heap, 1)).append(" | ").append(BenchOutput.f(row.get("heapCommittedMb"), 0))
                    .append(" | ").append(BenchOutput.f(rss, 0)).append(" | ").append(row.get("threads"))
                    .append(" | ").append(n == 0 ? "–" : BenchOutput.f((heap - (Double) base.get("heapAfterGcMb")) * 1024 / n, 1))
                    .append(" | ").append(n == 0 ? "–" : BenchOutput.f((rss - (Double) base.get("rssMb")) * 1024 / n, 1)).append(" |\n");
        }
        return sb.toString();
    }
}
