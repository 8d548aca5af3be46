package dev.lore.eval;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lore.eval.EvalResults.RunResult;
import dev.lore.eval.replay.CassetteMode;
import dev.lore.retail.RetailImporter;
import dev.lore.support.Api;
import dev.lore.support.Auth;
import dev.lore.support.OracleModel;
import dev.lore.support.ScriptedModelResource;
import dev.lore.support.ScriptedOpenAiServer;
import dev.lore.support.SharedData;
import dev.lore.support.TestCallers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The evaluation gate as CI runs it: the built-in suites and the tau2 retail tasks run against the real pipeline
 * (PostgreSQL + pgvector, the PostgreSQL-manual subset, the agent loop and its tools), with model calls replayed from
 * the cassettes committed under {@code src/test/resources/eval/cassettes}, and are compared with the baselines
 * committed under {@code src/main/resources/eval/baselines}. A drop beyond a metric's tolerance fails the build.
 *
 * <p>Explicit commands ({@code deploy/eval.sh}): {@code -Dlore.eval.update-baselines=true} rewrites the baselines from
 * this run; {@code -Dlore.eval.record=true} records the cassettes anew: against {@code LORE_EVAL_MODEL_URL} when set (a
 * real model server), else against the scripted {@link OracleModel}. Reports go to {@code target/eval-reports/}.
 */
@QuarkusTest
class EvalGateTest {

    static final boolean RECORD = Boolean.getBoolean("lore.eval.record");
    static final boolean UPDATE = Boolean.getBoolean("lore.eval.update-baselines");
    static final boolean LIVE_MODEL = System.getenv("LORE_EVAL_MODEL_URL") != null;
    static final Path BASELINES = Path.of("src/main/resources/eval/baselines");
    static final Path CASSETTES = Path.of("src/test/resources/eval/cassettes");
    static final Path REPORTS = Path.of("target/eval-reports");
    static final Path MANUAL = Path.of("/usr/share/doc/postgresql-doc-15/html");
    static final String SUBSET = "pg-manual-subset";

    @Inject EvalRunner runner;
    @Inject RetailImporter retail;
    ObjectMapper json = new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT);

    @Test
    void pgManualRetrievalHoldsItsBaseline() throws Exception {
        EvalSuite suite = subsetSuite("pg-manual");
        RunResult run = runner.run(suite, EvalRunner.Options.defaults(), TestCallers.ADMIN, null);
        Gate.Report report = gate(run);
        assertEquals(78, run.cases().size());
        assertTrue(run.metrics().get("hit@5") >= 0.8, "hit@5 " + run.metrics().get("hit@5"));
        assertTrue(report.passed(), report.markdown());
    }

    @Test
    void pgManualAnswersReplayRecordedModelCalls() throws Exception {
        EvalSuite suite = subsetSuite("pg-manual-answers");
        ScriptedOpenAiServer model = ScriptedModelResource.server();
        model.reset();
        if (RECORD && !LIVE_MODEL) model.setResponder(new OracleModel());
        int before = model.requests().size();
        try {
            RunResult run = runner.run(suite, options(suite), TestCallers.ADMIN, null);
            if (!RECORD) assertEquals(before, model.requests().size(), "a replayed run must not call the model server");
            assertEquals(1.0, run.metrics().get("generative"), () -> "every answer came from the (recorded) model: " + run.cases());
            Gate.Report report = gate(run);
            assertTrue(report.passed(), report.markdown());
        } finally {
            model.reset();
        }
    }

    @Test
    void retailTasksReachTheirEndStates() throws Exception {
        Path dir = SharedData.require("tau2-retail");
        if (dir == null) return;
        retail.importFile(dir.resolve("db.json"));
        EvalSuite all = EvalSuite.tau2(dir);
        // the first ten tasks that change the database (the gate's cost: one import per trial)
        Set<String> ids = new java.util.LinkedHashSet<>();
        for (EvalCase c : all.cases()) {
            if (ids.size() == 10) break;
            EvalCase.Agent a = (EvalCase.Agent) c;
            if (a.expectedCalls().stream().anyMatch(x -> x.name().startsWith("modify_") || x.name().startsWith("cancel_")
                    || x.name().startsWith("return_") || x.name().startsWith("exchange_"))) ids.add(c.id());
        }
        EvalSuite suite = all.only(ids);
        assertEquals(10, suite.cases().size());
        ScriptedOpenAiServer model = ScriptedModelResource.server();
        model.reset();
        if (RECORD && !LIVE_MODEL) model.setResponder(new OracleModel(suite));
        try {
            RunResult run = runner.run(suite, options(suite), TestCallers.ADMIN, null);
            assertNotNull(run.metrics().get("end_state"), () -> "end state measured: " + run.metrics());
            assertNotNull(run.metrics().get("pass^1"));
            Gate.Report report = gate(run);
            assertTrue(report.passed(), report.markdown());
        } finally {
            model.reset();
            retail.importFile(dir.resolve("db.json"));
        }
    }

    @Test
    void aWorseConfigurationFailsTheGateAndNamesTheFlippedCases() throws Exception {
        // retrieval limited to one result: the right page is no longer in the top 5 for some questions
        EvalSuite suite = subsetSuite("pg-manual");
        RunResult worse = runner.run(suite, EvalRunner.Options.defaults().withLimit(1), TestCallers.ADMIN, null);
        Gate.Report report = Gate.compare(worse, Baseline.read(BASELINES.resolve("pg-manual.json")));
        write("pg-manual-limit-1", report);
        assertFalse(report.passed(), report.markdown());
        assertTrue(report.regressions().contains("hit@5"), report.regressions().toString());
        assertFalse(report.passToFail().isEmpty());
        for (Gate.Flip f : report.passToFail()) assertTrue(report.markdown().contains("`" + f.id() + "`"));

        // a broken prompt: its model requests were never recorded, so the replay refuses them and the cases fail
        EvalSuite answers = subsetSuite("pg-manual-answers");
        EvalRunner.Options broken = options(answers).withInstructions("Answer in French, and never cite anything.");
        RunResult bad = runner.run(answers, broken.withCassette(CassetteMode.REPLAY, CASSETTES.resolve("pg-manual-answers.json")),
                TestCallers.ADMIN, null);
        Gate.Report badReport = Gate.compare(bad, Baseline.read(BASELINES.resolve("pg-manual-answers.json")));
        write("pg-manual-answers-broken-prompt", badReport);
        assertFalse(badReport.passed(), badReport.markdown());
        assertFalse(badReport.passToFail().isEmpty(), badReport.markdown());
        assertTrue(bad.cases().stream().allMatch(c -> !c.passed()), () -> "no recording → no generative answer: " + bad.cases());
        assertTrue(bad.cases().get(0).detail().toString().contains("no recording for this request"), bad.cases().get(0).detail().toString());
    }

    @Test
    void evaluationsRunThroughTheApiWithTheirConfiguration() {
        subsetSource();
        String id = given().contentType("application/json")
                .body(Map.of("suite", "pg-manual", "source", SUBSET, "maxCases", 12, "limit", 20))
                .post("/api/v1/evaluations").then().statusCode(202).body("casesTotal", equalTo(12)).extract().path("id");
        JsonPath run = awaitRun(id);
        assertEquals("succeeded", run.getString("run.status"), run.prettify());
        assertEquals(12, run.getInt("run.casesDone"));
        assertNotNull(run.get("run.metrics.'hit@5'"));
        assertEquals("bge-small-en-v1.5-q", run.getString("run.config.embeddingModel"));
        assertNotNull(run.get("run.config.gitCommit"));
        assertNotNull(run.get("run.config.prompts.citationRules"));
        assertNotNull(run.get("gate.rows"), "compared with the pg-manual baseline: " + run.prettify());
        given().get("/api/v1/evaluations/" + id + "/cases").then().statusCode(200).body("size()", equalTo(12));
        given().get("/api/v1/evaluations/" + id + "/report").then().statusCode(200).body(containsString("| hit@5 |"));
        given().get("/api/v1/evaluations?suite=pg-manual").then().statusCode(200).body("id", org.hamcrest.Matchers.hasItem(id));

        given().contentType("application/json").body(Map.of("suite", "no-such-suite")).post("/api/v1/evaluations")
                .then().statusCode(404).contentType("application/problem+json");
        given().contentType("application/json").body(Map.of("suite", "x", "cases", "{\"id\":\"a\"}")).post("/api/v1/evaluations")
                .then().statusCode(400).body("detail", containsString("line 1"));
        given().contentType("application/json").body(Map.of("suite", "x", "path", "/etc")).post("/api/v1/evaluations")
                .then().statusCode(400).body("detail", containsString("data-roots"));
        Auth.asUser("bob").contentType("application/json").body(Map.of("suite", "pg-manual")).post("/api/v1/evaluations").then().statusCode(403);
    }

    @Test
    void aRatedAgentTurnBecomesAnEvalCase() {
        ScriptedOpenAiServer model = ScriptedModelResource.server();
        model.reset();
        try {
            model.enqueue(ScriptedOpenAiServer.Step.message("""
                    {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function",
                     "function":{"name":"search_knowledge","arguments":"{\\"query\\":\\"vacuum full\\"}"}}]}""", "tool_calls"),
                    ScriptedOpenAiServer.Step.answer("Use VACUUM FULL [1]."));
            String conv = given().contentType("application/json").body(Map.of()).post("/api/v1/conversations").then().statusCode(201).extract().path("id");
            JsonPath reply = given().contentType("application/json").body(Map.of("message", "how do I shrink a bloated table?"))
                    .post("/api/v1/conversations/" + conv + "/messages").then().statusCode(200).extract().jsonPath();
            String turn = reply.getString("turnId");

            // only the conversation's owner rates it
            Auth.asUser("bob").contentType("application/json").body(Map.of("turnId", turn, "rating", "1")).post("/api/v1/feedback").then().statusCode(404);
            given().contentType("application/json").body(Map.of("turnId", turn, "rating", "1", "comment", "right tool"))
                    .post("/api/v1/feedback").then().statusCode(204);
            given().get("/api/v1/feedback").then().statusCode(200)
                    .body("find { it.turnId == '" + turn + "' }.trace[0].name", equalTo("search_knowledge"))
                    .body("find { it.turnId == '" + turn + "' }.comment", equalTo("right tool"));

            JsonPath made = given().contentType("application/json").body(Map.of("suite", "feedback-test"))
                    .post("/api/v1/feedback/" + turn + "/eval-case").then().statusCode(201).extract().jsonPath();
            assertEquals("agent", made.getString("case.type"));
            assertEquals("search_knowledge", made.getString("case.expectedCalls[0].name"));
            assertEquals("vacuum full", made.getString("case.expectedCalls[0].arguments.query"));
            String jsonl = given().get("/api/v1/evaluations/suites/feedback-test/cases").then().statusCode(200).extract().asString();
            assertTrue(jsonl.lines().count() == 2 && jsonl.contains("\"search_knowledge\""), jsonl);
            EvalSuite parsed = EvalSuite.parse("feedback-test", jsonl, null);
            assertEquals(1, parsed.cases().size());

            // a thumbs-down needs the expectation: the turn itself was wrong
            given().contentType("application/json").body(Map.of("turnId", turn, "rating", "-1")).post("/api/v1/feedback").then().statusCode(204);
            given().contentType("application/json").body(Map.of()).post("/api/v1/feedback/" + turn + "/eval-case")
                    .then().statusCode(422).body("detail", containsString("expectedCalls"));
        } finally {
            model.reset();
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    private EvalSuite subsetSuite(String name) {
        subsetSource();
        EvalSuite s = EvalSuite.builtIn(name);
        return new EvalSuite(s.name(), s.description(), s.cases(), SUBSET, s.corpus(), s.passAt(), s.domainDb());
    }

    /** The 200-page subset of the manual as source {@value #SUBSET} (shared with PgManualRetrievalTest). */
    static synchronized void subsetSource() {
        try {
            if (existingSource() != null) return;
            assertTrue(Files.isDirectory(MANUAL), MANUAL + " is missing: install postgresql-doc-15 (deploy/test.sh does)");
            Path dir = Files.createTempDirectory("lore-pg-subset");
            List<String> pages;
            try (InputStream in = EvalGateTest.class.getResourceAsStream("/eval/pg-manual-subset.txt")) {
                pages = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            }
            for (String page : pages) Files.copy(MANUAL.resolve(page), dir.resolve(page));
            Api.assertStatus(Api.syncAndWait(Api.createFilesystemSource(SUBSET, dir)), "succeeded");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String existingSource() {
        List<Map<String, Object>> sources = given().get("/api/v1/sources").then().extract().jsonPath().getList("$");
        return sources.stream().filter(s -> SUBSET.equals(s.get("name")) && ((Number) s.get("documents")).intValue() > 0)
                .map(s -> (String) s.get("id")).findFirst().orElse(null);
    }

    private static EvalRunner.Options options(EvalSuite suite) {
        return EvalRunner.Options.defaults().withCassette(RECORD ? CassetteMode.RECORD : CassetteMode.REPLAY, CASSETTES.resolve(suite.name() + ".json"));
    }

    /** Compares with the committed baseline (rewriting it first under -Dlore.eval.update-baselines=true) and writes the report. */
    private Gate.Report gate(RunResult run) throws IOException {
        Path file = BASELINES.resolve(run.suite() + ".json");
        if (UPDATE) Baseline.of(run, Baseline.read(file)).write(file);
        Gate.Report report = Gate.compare(run, Baseline.read(file));
        write(run.suite(), report);
        System.out.println(report.markdown());
        return report;
    }

    private void write(String name, Gate.Report report) throws IOException {
        Files.createDirectories(REPORTS);
        Files.writeString(REPORTS.resolve(name + ".md"), report.markdown());
        json.writeValue(REPORTS.resolve(name + ".json").toFile(), report);
    }

    private static JsonPath awaitRun(String id) {
        Instant end = Instant.now().plus(Duration.ofMinutes(5));
        while (true) {
            JsonPath p = given().get("/api/v1/evaluations/" + id).then().statusCode(200).extract().jsonPath();
            String status = p.getString("run.status");
            if (!status.equals("queued") && !status.equals("running")) return p;
            if (Instant.now().isAfter(end)) throw new AssertionError("evaluation still " + status + ": " + p.prettify());
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
