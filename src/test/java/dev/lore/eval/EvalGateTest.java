package dev.lore.eval;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.eval.EvalResults.RunResult;
import dev.lore.eval.replay.CassetteMode;
import dev.lore.retail.RetailImporter;
import dev.lore.security.Caller;
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
import dev.lore.eval.junit.EvalReportExtension;
import dev.lore.eval.junit.EvalTests;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The evaluation gate as CI runs it: the built-in suites and the tau2 retail tasks run against the real pipeline
 * (PostgreSQL + pgvector, the PostgreSQL-manual subset, the agent loop and its tools), with model calls replayed from
 * the cassettes committed under {@code src/test/resources/eval/cassettes}, and are compared with the baselines
 * committed under {@code src/main/resources/eval/baselines}. A drop beyond a metric's tolerance fails the build.
 *
 * <p>Explicit commands ({@code deploy/eval.sh}): {@code -Dlore.eval.update-baselines=true} rewrites the baselines from
 * this run; {@code -Dlore.eval.record=true} records the cassettes anew: against {@code LORE_EVAL_MODEL_URL} when set (a
 * real model server), else against the scripted {@link OracleModel}. Each suite shows as one test per case plus a gate
 * test ({@link EvalTests}); reports go to {@code target/eval-reports/} ({@link EvalReportExtension}).
 */
@QuarkusTest
@ExtendWith(EvalReportExtension.class)
class EvalGateTest {

    static final boolean RECORD = Boolean.getBoolean("lore.eval.record");
    static final boolean UPDATE = Boolean.getBoolean("lore.eval.update-baselines");
    static final boolean LIVE_MODEL = System.getenv("LORE_EVAL_MODEL_URL") != null;
    static final Path BASELINES = Path.of("src/main/resources/eval/baselines");
    static final Path CASSETTES = Path.of("src/test/resources/eval/cassettes");
    static final Path MANUAL = Path.of("/usr/share/doc/postgresql-doc-15/html");
    static final String SUBSET = "pg-manual-subset";

    /**
     * The gate's retrieval and answer suites run in a tenant of their own holding only the manual subset: term
     * statistics and rankings then depend on that corpus alone, not on what other tests indexed, so the prompts match
     * the recorded ones byte for byte.
     */
    static final Caller EVAL = new Caller("evalgate", "eval-admin", Set.of(), Set.of(Caller.ADMIN, Caller.USER));
    static final Path SUBSET_DIR = Path.of("/tmp/lore-eval-gate/pg-manual-subset");

    @Inject EvalRunner runner;
    @Inject RetailImporter retail;
    @Inject CorpusSources corpora;

    @TestFactory
    Stream<DynamicNode> pgManualRetrieval() throws Exception {
        EvalSuite suite = subsetSuite("pg-manual");
        RunResult run = runner.run(suite, EvalRunner.Options.defaults(), EVAL, null);
        assertEquals(78, run.cases().size());
        assertTrue(run.metrics().get("hit@5") >= 0.8, "hit@5 " + run.metrics().get("hit@5"));
        return EvalTests.of(run, baseline(run));
    }

    @TestFactory
    Stream<DynamicNode> pgManualAnswersReplayRecordedModelCalls() throws Exception {
        EvalSuite suite = subsetSuite("pg-manual-answers");
        ScriptedOpenAiServer model = ScriptedModelResource.server();
        model.reset();
        if (RECORD && !LIVE_MODEL) model.setResponder(new OracleModel());
        int before = model.requests().size();
        try {
            RunResult run = runner.run(suite, options(suite), EVAL, null);
            if (!RECORD) assertEquals(before, model.requests().size(), "a replayed run must not call the model server");
            assertEquals(1.0, run.metrics().get("generative"), () -> "every answer came from the (recorded) model: " + run.cases());
            return EvalTests.of(run, baseline(run));
        } finally {
            model.reset();
        }
    }

    @TestFactory
    Stream<DynamicNode> retailTasksReachTheirEndStates() throws Exception {
        Path dir = SharedData.require("tau2-retail");
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
        int before = model.requests().size();
        try {
            RunResult run = runner.run(suite, options(suite), TestCallers.ADMIN, null);
            if (!RECORD) assertEquals(before, model.requests().size(), "a replayed run must not call the model server");
            assertNotNull(run.metrics().get("end_state"), () -> "end state measured: " + run.metrics());
            assertNotNull(run.metrics().get("pass^1"));
            return EvalTests.of(run, baseline(run));
        } finally {
            model.reset();
            retail.importFile(dir.resolve("db.json"));
        }
    }

    @Test
    void aWorseConfigurationFailsTheGateAndNamesTheFlippedCases() throws Exception {
        // retrieval limited to one result: the right page is no longer in the top 5 for some questions
        EvalSuite suite = subsetSuite("pg-manual");
        RunResult worse = runner.run(suite, EvalRunner.Options.defaults().withLimit(1), EVAL, null);
        Gate.Report report = Gate.compare(worse, Baseline.read(BASELINES.resolve("pg-manual.json")));
        EvalReportExtension.record("pg-manual-limit-1", report);
        assertFalse(report.passed(), report.markdown());
        assertTrue(report.regressions().contains("hit@5"), report.regressions().toString());
        assertFalse(report.passToFail().isEmpty());
        for (Gate.Flip f : report.passToFail()) assertTrue(report.markdown().contains("`" + f.id() + "`"));

        // a broken prompt: its model requests were never recorded, so the replay refuses them and the cases fail
        EvalSuite answers = subsetSuite("pg-manual-answers");
        EvalRunner.Options broken = options(answers).withInstructions("Answer in French, and never cite anything.");
        RunResult bad = runner.run(answers, broken.withCassette(CassetteMode.REPLAY, CASSETTES.resolve("pg-manual-answers.json")),
                EVAL, null);
        Gate.Report badReport = Gate.compare(bad, Baseline.read(BASELINES.resolve("pg-manual-answers.json")));
        EvalReportExtension.record("pg-manual-answers-broken-prompt", badReport);
        assertFalse(badReport.passed(), badReport.markdown());
        assertFalse(badReport.passToFail().isEmpty(), badReport.markdown());
        assertTrue(bad.cases().stream().allMatch(c -> !c.passed()), () -> "no recording → no generative answer: " + bad.cases());
        assertTrue(bad.cases().get(0).detail().toString().contains("no recording for this request"), bad.cases().get(0).detail().toString());
    }

    @Test
    void evaluationsRunThroughTheApiWithTheirConfiguration() throws IOException {
        Path docs = Files.createTempDirectory("lore-eval-api");
        Files.writeString(docs.resolve("vacuum.md"), "# Reclaiming space\n\nVACUUM FULL rewrites a table and gives the space back to the operating system.\n");
        Files.writeString(docs.resolve("explain.md"), "# Reading plans\n\nEXPLAIN ANALYZE runs a query and shows the plan with real timings.\n");
        Files.writeString(docs.resolve("locks.md"), "# Row locks\n\nSELECT FOR UPDATE locks the rows it returns until the transaction ends.\n");
        String sourceName = "eval-api-docs-" + Long.toString(System.nanoTime(), 36); // reruns on a kept database add their own
        Api.assertStatus(Api.syncAndWait(Api.createFilesystemSource(sourceName, docs)), "succeeded");
        String cases = """
                {"suite": "api-smoke", "source": "%s"}
                {"id": "r1", "query": "give disk space back after deleting rows", "relevant": ["vacuum.md"]}
                {"id": "r2", "query": "see the real timings of a query plan", "relevant": ["explain.md"]}
                {"id": "r3", "query": "lock the rows I am about to change", "relevant": ["locks.md"]}
                """.formatted(sourceName);
        Map<String, Object> baseline = Map.of("suite", "api-smoke", "metrics", Map.of("hit@5", Map.of("value", 1.0, "tolerance", 0.0)),
                "passed", List.of("r1", "r2", "r3"), "failed", List.of());
        String id = given().contentType("application/json").body(Map.of("suite", "api-smoke", "cases", cases, "limit", 10, "baseline", baseline))
                .post("/api/v1/evaluations").then().statusCode(202).body("casesTotal", equalTo(3)).extract().path("id");
        JsonPath run = awaitRun(id);
        assertEquals("succeeded", run.getString("run.status"), run.prettify());
        assertEquals(3, run.getInt("run.casesDone"));
        assertEquals(1.0, run.getDouble("run.metrics.'hit@5'"), run.prettify());
        assertEquals(org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("lore.embedding.model", String.class),
                run.getString("run.config.embeddingModel"));
        assertNotNull(run.get("run.config.gitCommit"));
        assertNotNull(run.get("run.config.prompts.citationRules"));
        assertEquals(true, run.getBoolean("run.gatePassed"), run.prettify());
        given().get("/api/v1/evaluations/" + id + "/cases").then().statusCode(200).body("size()", equalTo(3))
                .body("find { it.id == 'r1' }.detail.top[0]", equalTo("vacuum.md"));
        given().get("/api/v1/evaluations/" + id + "/report").then().statusCode(200).body(containsString("| hit@5 | 1.0000 | 1.0000 |"));
        given().get("/api/v1/evaluations?suite=api-smoke").then().statusCode(200).body("id", org.hamcrest.Matchers.hasItem(id));
        given().get("/api/v1/evaluations/suites").then().statusCode(200).body("builtIn", org.hamcrest.Matchers.hasItems("pg-manual", "pg-manual-answers"));

        given().contentType("application/json").body(Map.of("suite", "no-such-suite")).post("/api/v1/evaluations")
                .then().statusCode(404).contentType("application/problem+json");
        given().contentType("application/json").body(Map.of("suite", "x", "cases", "{\"id\":\"a\"}")).post("/api/v1/evaluations")
                .then().statusCode(400).body("detail", containsString("line 1"));
        given().contentType("application/json").body(Map.of("suite", "x", "path", "/etc")).post("/api/v1/evaluations")
                .then().statusCode(400).body("detail", containsString("data-roots"));
        given().contentType("application/json").body(Map.of("suite", "pg-manual", "mode", "psychic")).post("/api/v1/evaluations")
                .then().statusCode(400).body("detail", containsString("hybrid"));
        // names become file names; server files stay inside the data roots; sources and baselines are checked up front
        given().contentType("application/json").body(Map.of("suite", "../../x", "cases", "{\"id\":\"a\",\"query\":\"q\",\"relevant\":[\"x\"]}")).post("/api/v1/evaluations")
                .then().statusCode(400).body("detail", containsString("invalid suite name"));
        given().contentType("application/json").body(Map.of("suite", "x", "cases", "{\"suite\":\"../../evil\"}\n{\"id\":\"a\",\"query\":\"q\",\"relevant\":[\"x\"]}"))
                .post("/api/v1/evaluations").then().statusCode(400).body("detail", containsString("invalid suite name"));
        given().contentType("application/json").body(Map.of("suite", "x", "cases",
                "{\"suite\":\"wipe\",\"domainDb\":\"/etc/passwd\"}\n{\"id\":\"w1\",\"type\":\"agent\",\"messages\":[\"hi\"],\"endState\":{\"domain\":\"retail\",\"actions\":[]}}"))
                .post("/api/v1/evaluations").then().statusCode(400).body("detail", containsString("data-roots"));
        given().contentType("application/json").body(Map.of("suite", "pg-manual", "source", "no-such-source")).post("/api/v1/evaluations")
                .then().statusCode(400).body("detail", containsString("no-such-source"));
        given().contentType("application/json").body(Map.of("suite", "api-smoke", "cases", cases, "baseline", Map.of())).post("/api/v1/evaluations")
                .then().statusCode(400).body("title", equalTo("invalid baseline"));
        // a run of some of a built-in suite's cases is not compared with its baseline (made on all of them)
        String partial = given().contentType("application/json").body(Map.of("suite", "pg-manual", "source", sourceName, "maxCases", 2, "limit", 5))
                .post("/api/v1/evaluations").then().statusCode(202).extract().path("id");
        JsonPath p = awaitRun(partial);
        assertEquals("succeeded", p.getString("run.status"), p.prettify());
        assertTrue(p.get("run.gatePassed") == null, p.prettify());
        assertTrue(p.getString("run.config.gate").startsWith("not compared"), p.prettify());
        assertEquals(sourceName, p.getString("run.options.source"));
        Auth.asUser("bob").contentType("application/json").body(Map.of("suite", "pg-manual")).post("/api/v1/evaluations").then().statusCode(403);
        Auth.asUser("bob").get("/api/v1/evaluations").then().statusCode(403);
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
            String endUser = "rated-" + Long.toString(System.nanoTime(), 36);
            String conv = given().contentType("application/json").body(Map.of("endUserId", endUser)).post("/api/v1/conversations").then().statusCode(201).extract().path("id");
            JsonPath reply = given().contentType("application/json").body(Map.of("message", "how do I shrink a bloated table?"))
                    .post("/api/v1/conversations/" + conv + "/messages").then().statusCode(200).extract().jsonPath();
            String turn = reply.getString("turnId");

            // only the conversation's owner rates it
            Auth.asUser("bob").contentType("application/json").body(Map.of("turnId", turn, "rating", "1")).post("/api/v1/feedback").then().statusCode(404);
            given().contentType("application/json").body(Map.of("turnId", turn, "rating", "1", "comment", "right tool"))
                    .post("/api/v1/feedback").then().statusCode(204);
            // ratings carry the turn's retrieval results: admins only, like conversations (not curators, not users)
            Auth.asUser("carol").get("/api/v1/feedback").then().statusCode(403);
            Auth.asUser("bob").get("/api/v1/feedback").then().statusCode(403);
            given().get("/api/v1/feedback").then().statusCode(200)
                    .body("find { it.turnId == '" + turn + "' }.trace[0].name", equalTo("search_knowledge"))
                    .body("find { it.turnId == '" + turn + "' }.comment", equalTo("right tool"));

            String suite = "feedback-test-" + Long.toString(System.nanoTime(), 36);
            JsonPath made = given().contentType("application/json").body(Map.of("suite", suite))
                    .post("/api/v1/feedback/" + turn + "/eval-case").then().statusCode(201).extract().jsonPath();
            assertEquals("agent", made.getString("case.type"));
            assertEquals("search_knowledge", made.getString("case.expectedCalls[0].name"));
            assertEquals("vacuum full", made.getString("case.expectedCalls[0].arguments.query"));
            given().contentType("application/json").body(Map.of("suite", "pg-manual")).post("/api/v1/feedback/" + turn + "/eval-case")
                    .then().statusCode(409);
            String jsonl = given().get("/api/v1/evaluations/suites/" + suite + "/cases").then().statusCode(200).extract().asString();
            assertTrue(jsonl.lines().count() == 2 && jsonl.contains("\"search_knowledge\""), jsonl);
            EvalSuite parsed = EvalSuite.parse(suite, jsonl, null);
            assertEquals(1, parsed.cases().size());

            // a thumbs-down needs the expectation: the turn itself was wrong
            given().contentType("application/json").body(Map.of("turnId", turn, "rating", "-1")).post("/api/v1/feedback").then().statusCode(204);
            given().contentType("application/json").body(Map.of()).post("/api/v1/feedback/" + turn + "/eval-case")
                    .then().statusCode(422).body("detail", containsString("expectedCalls"));

            // erasing the end user takes the case made from their turn too (it quotes their words)
            given().delete("/api/v1/end-users/" + endUser).then().statusCode(200)
                    .body("conversationsDeleted", equalTo(1)).body("evalCasesDeleted", equalTo(1));
            String left = given().get("/api/v1/evaluations/suites/" + suite + "/cases").then().extract().asString();
            assertFalse(left.contains("bloated"), left);
        } finally {
            model.reset();
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    private EvalSuite subsetSuite(String name) throws IOException {
        subsetSource();
        EvalSuite s = EvalSuite.builtIn(name);
        return new EvalSuite(s.name(), s.description(), s.cases(), SUBSET, s.corpus(), s.passAt(), s.domainDb());
    }

    /** The 200-page subset of the manual as source {@value #SUBSET} of the gate's own tenant (synced: unchanged files are skipped). */
    void subsetSource() throws IOException {
        assertTrue(Files.isDirectory(MANUAL), MANUAL + " is missing: install postgresql-doc-15 (deploy/test.sh does)");
        Files.createDirectories(SUBSET_DIR);
        try (InputStream in = EvalGateTest.class.getResourceAsStream("/eval/pg-manual-subset.txt")) {
            for (String page : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
                Path target = SUBSET_DIR.resolve(page);
                if (!Files.exists(target)) Files.copy(MANUAL.resolve(page), target);
            }
        }
        synchronized (EvalGateTest.class) {
            corpora.syncFolder(EVAL, SUBSET, SUBSET_DIR);
        }
    }

    private static EvalRunner.Options options(EvalSuite suite) {
        return EvalRunner.Options.defaults().withCassette(RECORD ? CassetteMode.RECORD : CassetteMode.REPLAY, CASSETTES.resolve(suite.name() + ".json"));
    }

    /** The committed baseline of the run's suite, rewritten from this run first under -Dlore.eval.update-baselines=true. */
    private static Baseline baseline(RunResult run) throws IOException {
        Path file = BASELINES.resolve(run.suite() + ".json");
        if (UPDATE) Baseline.of(run, Baseline.read(file)).write(file);
        return Baseline.read(file);
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
