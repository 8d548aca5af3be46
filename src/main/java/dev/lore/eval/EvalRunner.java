package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.agent.Agent;
import dev.lore.agent.AgentLoop;
import dev.lore.agent.AgentService;
import dev.lore.agent.AgentTool;
import dev.lore.agent.AuditLog;
import dev.lore.agent.Conversation;
import dev.lore.agent.ToolRegistry;
import dev.lore.chat.Answer;
import dev.lore.chat.AnswerService;
import dev.lore.chat.ChatSettings;
import dev.lore.chat.Citation;
import dev.lore.chat.ModelServer;
import dev.lore.connector.Source;
import dev.lore.eval.EvalResults.CaseResult;
import dev.lore.eval.EvalResults.RunResult;
import dev.lore.eval.replay.Cassette;
import dev.lore.eval.replay.CassetteMode;
import dev.lore.eval.replay.ModelCassettes;
import dev.lore.retail.RetailImporter;
import dev.lore.retail.RetailState;
import dev.lore.retrieval.HybridRetriever;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchResult;
import dev.lore.security.Caller;
import dev.lore.security.Tenants;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs an {@link EvalSuite} against the live system as a given caller: retrieval cases through {@link HybridRetriever},
 * answer cases through {@link AnswerService} (the tenant's default agent, or the one the options name), agent cases
 * through {@link AgentLoop} in fresh conversations. Model calls go through {@link ModelCassettes} when the options
 * give a cassette, so a run can be recorded and replayed.
 *
 * <p>Agent cases with an end state reset the domain database before each trial and compare its hash with the state
 * that replaying the expected actions on a fresh database gives (tau2-bench's rule). They run one at a time.
 */
@ApplicationScoped
public class EvalRunner {

    private static final Logger LOG = Logger.getLogger(EvalRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject HybridRetriever retriever;
    @Inject AnswerService answers;
    @Inject AgentService agents;
    @Inject AgentLoop loop;
    @Inject AuditLog audit;
    @Inject ToolRegistry tools;
    @Inject ModelServer models;
    @Inject ModelCassettes cassettes;
    @Inject LlmJudge judge;
    @Inject CorpusSources corpora;
    @Inject RetailImporter retailImporter;
    @Inject RetailState retailState;

    @ConfigProperty(name = "lore.embedding.model") String embeddingModel;
    @ConfigProperty(name = "lore.chunking.max-tokens") int chunkTokens;
    @ConfigProperty(name = "lore.chunking.overlap-tokens") int chunkOverlap;
    @ConfigProperty(name = "lore.eval.corpus-dir") String corpusDir;

    /**
     * How to run a suite.
     *
     * @param mode retrieval mode for retrieval cases (answers always use the agent's hybrid retrieval)
     * @param limit how many chunks a retrieval case fetches (≥ 1; recall@100 needs 100)
     * @param trials runs per agent case (k of pass^k), ≥ 1
     * @param judge whether answer cases are also judged by the model ({@link LlmJudge})
     * @param agent agent (name or id) answer cases use, null = the tenant's default agent
     * @param instructions replaces the agent's system prompt for this run (to evaluate a prompt change), null = keep
     * @param cassette record/replay mode of model calls ({@link CassetteMode#OFF} = call the model server as configured)
     * @param cassetteFile the cassette file when the mode is not OFF
     */
    public record Options(SearchMode mode, int limit, int trials, boolean judge, String agent, String instructions,
                          CassetteMode cassette, Path cassetteFile) {

        public Options {
            if (mode == null) mode = SearchMode.HYBRID;
            if (limit < 1 || limit > 1000) throw new IllegalArgumentException("limit must be within 1..1000, was " + limit);
            if (trials < 1 || trials > 20) throw new IllegalArgumentException("trials must be within 1..20, was " + trials);
            if (cassette == null) cassette = CassetteMode.OFF;
            if (cassette != CassetteMode.OFF && cassetteFile == null) throw new IllegalArgumentException("a cassette mode needs a cassette file");
        }

        /** Hybrid, 100 results, 1 trial, no judge, default agent, live model calls. */
        public static Options defaults() {
            return new Options(SearchMode.HYBRID, 100, 1, false, null, null, CassetteMode.OFF, null);
        }

        public Options withLimit(int l) {
            return new Options(mode, l, trials, judge, agent, instructions, cassette, cassetteFile);
        }

        public Options withCassette(CassetteMode m, Path file) {
            return new Options(mode, limit, trials, judge, agent, instructions, m, file);
        }

        public Options withInstructions(String i) {
            return new Options(mode, limit, trials, judge, agent, i, cassette, cassetteFile);
        }

        public Options withTrials(int k) {
            return new Options(mode, limit, k, judge, agent, instructions, cassette, cassetteFile);
        }
    }

    /**
     * Runs every case of {@code suite} as {@code caller}, reporting progress (cases done) to {@code progress}.
     *
     * @return the run's results; a case that throws is a failed case with the error in its detail, never a failed run
     * @throws IllegalArgumentException when the suite's source or an agent does not exist for the caller's tenant, or a
     *     domain database is needed but missing
     * @throws dev.lore.eval.replay.NoRecordingException (inside a case's detail, the case failing) in replay mode when a
     *     model request has no recording
     */
    @ActivateRequestContext // runs started through the API execute on the background worker, outside any request
    public RunResult run(EvalSuite suite, Options options, Caller caller, IntConsumer progress) {
        Instant started = Instant.now();
        Cassette cassette = options.cassette() == CassetteMode.OFF ? null
                : options.cassette() == CassetteMode.RECORD ? Cassette.create(options.cassetteFile()) : Cassette.load(options.cassetteFile());
        try {
            return Tenants.call(caller.tenant(), () -> runAll(suite, options, caller, progress, started, cassette));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("evaluation of " + suite.name() + " failed: " + e.getMessage(), e);
        } finally {
            if (cassette != null && options.cassette() == CassetteMode.RECORD) cassette.save();
        }
    }

    private RunResult runAll(EvalSuite suite, Options options, Caller caller, IntConsumer progress, Instant started, Cassette cassette)
            throws Exception {
        SearchFilters filters = SearchFilters.NONE;
        Function<SearchResult, String> key = SearchResult::documentKey;
        if (suite.corpus() != null) {
            UUID sourceId = corpora.ingest(caller, "eval-" + suite.name(), suite.corpus(), Path.of(corpusDir, caller.tenant(), suite.name()));
            filters = new SearchFilters(List.of(sourceId), null, null, null);
            key = CorpusSources::docId;
        } else if (suite.source() != null) {
            filters = new SearchFilters(List.of(sourceId(caller.tenant(), suite.source())), null, null, null);
        }
        Map<String, Object> config = cassette == null ? config(suite, options, caller)
                : cassettes.with(cassette, options.cassette(), () -> config(suite, options, caller)); // the model name as recorded
        List<CaseResult> results = new ArrayList<>();
        Map<String, List<Boolean>> trials = new LinkedHashMap<>();
        JsonNode domainDb = null;
        Map<String, String> expectedStates = new HashMap<>();
        int done = 0;
        for (EvalCase c : suite.cases()) {
            long t0 = System.nanoTime();
            CaseResult r;
            try {
                // each case in its own cassette scope: a request without a recording fails that case, naming it
                final JsonNode db = domainDb == null && c instanceof EvalCase.Agent ag && ag.endState() != null ? domainDb(suite) : domainDb;
                domainDb = db;
                final SearchFilters f = filters;
                final Function<SearchResult, String> k = key;
                java.util.concurrent.Callable<CaseResult> work = () -> switch (c) {
                    case EvalCase.Retrieval rc -> retrieval(rc, suite, options, f, k, caller);
                    case EvalCase.Answer ac -> answer(ac, options, f, caller);
                    case EvalCase.Agent ag -> {
                        List<Boolean> outcomes = new ArrayList<>();
                        CaseResult res = agentCase(ag, options, caller, db, expectedStates, outcomes);
                        trials.put(ag.id(), outcomes);
                        yield res;
                    }
                };
                r = cassette == null ? work.call() : cassettes.with(cassette, options.cassette(), work);
            } catch (Exception e) {
                LOG.warnf("eval %s case %s failed: %s", suite.name(), c.id(), e.toString());
                ObjectNode d = JSON.createObjectNode().put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
                r = new CaseResult(c.id(), c.type(), false, Map.of(), 0, null, null, d);
                if (c instanceof EvalCase.Agent) trials.put(c.id(), java.util.Collections.nCopies(options.trials(), false));
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            results.add(new CaseResult(r.id(), r.type(), r.passed(), r.metrics(), ms, r.tokensIn(), r.tokensOut(), r.detail()));
            if (progress != null) progress.accept(++done);
        }
        return new RunResult(UUID.randomUUID(), suite.name(), started, Instant.now(), config, aggregate(results, trials, options), results);
    }

    // --- retrieval ---------------------------------------------------------------------------------------------------

    private CaseResult retrieval(EvalCase.Retrieval c, EvalSuite suite, Options o, SearchFilters filters,
                                 Function<SearchResult, String> key, Caller caller) {
        List<String> ranked = RetrievalMetrics.dedupe(retriever.search(c.query(), o.limit(), filters, o.mode(), caller).stream()
                .map(key).filter(java.util.Objects::nonNull).toList());
        Set<String> relevant = c.relevant().keySet();
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("hit@1", RetrievalMetrics.hitAtK(ranked, relevant, 1));
        m.put("hit@5", RetrievalMetrics.hitAtK(ranked, relevant, 5));
        m.put("hit@10", RetrievalMetrics.hitAtK(ranked, relevant, 10));
        m.put("recall@10", RetrievalMetrics.recallAtK(ranked, relevant, 10));
        m.put("recall@100", RetrievalMetrics.recallAtK(ranked, relevant, 100));
        m.put("mrr@10", RetrievalMetrics.reciprocalRank(ranked, relevant, 10));
        m.put("ndcg@10", RetrievalMetrics.ndcgAtK(ranked, c.relevant(), 10));
        boolean passed = RetrievalMetrics.hitAtK(ranked, relevant, suite.passAt()) == 1;
        ObjectNode d = JSON.createObjectNode();
        ArrayNode top = d.putArray("top");
        ranked.stream().limit(10).forEach(top::add);
        ArrayNode rel = d.putArray("relevant");
        relevant.forEach(rel::add);
        return new CaseResult(c.id(), c.type(), passed, m, 0, null, null, d);
    }

    // --- answers -----------------------------------------------------------------------------------------------------

    private CaseResult answer(EvalCase.Answer c, Options o, SearchFilters filters, Caller caller) {
        Agent agent = o.agent() == null ? agents.ensureDefault(caller.tenant()) : agents.find(caller.tenant(), o.agent());
        ChatSettings s = ChatSettings.of(agent);
        if (o.instructions() != null) {
            s = new ChatSettings(o.instructions(), s.model(), s.temperature(), s.sourceIds(), s.answerTimeout(), s.sourceTokens());
        }
        Answer a = answers.answer(c.question(), filters, s, caller);
        // a cited document counts as the required one when its URI ends with the required key (a path relative to the
        // source root, or the same id)
        List<String> cited = new ArrayList<>();
        for (Citation ct : a.citations()) {
            String matched = c.cite().stream().filter(k -> matches(ct.uri(), k)).findFirst().orElse(ct.uri());
            if (!cited.contains(matched)) cited.add(matched);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        double facts = AnswerMetrics.factRecall(a.answer(), c.facts());
        m.put("fact_recall", facts);
        if (!c.cite().isEmpty()) {
            m.put("citation_precision", AnswerMetrics.citationPrecision(cited, c.cite()));
            m.put("citation_recall", AnswerMetrics.citationRecall(cited, c.cite()));
        }
        m.put("generative", Answer.GENERATIVE.equals(a.mode()) ? 1.0 : 0.0);
        boolean passed = facts == 1.0 && (c.cite().isEmpty() || m.get("citation_recall") > 0);
        ObjectNode d = JSON.createObjectNode().put("answer", a.answer()).put("mode", a.mode());
        if (a.notice() != null) d.put("notice", a.notice());
        ArrayNode cit = d.putArray("cited");
        cited.forEach(cit::add);
        ArrayNode missing = d.putArray("missingFacts");
        AnswerMetrics.missingFacts(a.answer(), c.facts()).forEach(missing::add);
        if (o.judge()) {
            LlmJudge.Verdict v = judge.judge(c.question(), c.reference(), c.facts(), a.answer());
            d.set("judge", JSON.valueToTree(v));
            if (v.judged()) {
                m.put("judge_score", v.score());
                if ("incorrect".equals(v.verdict())) passed = false;
            } else {
                m.put("could_not_judge", 1.0);
            }
        }
        return new CaseResult(c.id(), c.type(), passed, m, 0, null, null, d);
    }

    private static boolean matches(String uri, String key) {
        if (uri == null) return false;
        return uri.equals(key) || uri.endsWith("/" + key);
    }

    // --- agents ------------------------------------------------------------------------------------------------------

    private CaseResult agentCase(EvalCase.Agent c, Options o, Caller caller, JsonNode domainDb, Map<String, String> expectedStates,
                                 List<Boolean> outcomes) {
        Agent agent = agents.find(caller.tenant(), c.agent());
        String expected = null;
        if (c.endState() != null) {
            expected = expectedStates.computeIfAbsent(c.id(), id -> expectedState(c, agent, caller, domainDb));
        }
        Set<String> readOnly = new HashSet<>();
        for (String name : tools.names(caller.tenant())) tools.find(caller.tenant(), name).filter(AgentTool::readOnly).ifPresent(t -> readOnly.add(name));
        Map<String, Double> sums = new LinkedHashMap<>();
        int tokensIn = 0, tokensOut = 0;
        boolean anyTokens = false;
        ArrayNode trialsOut = JSON.createArrayNode();
        for (int trial = 0; trial < o.trials(); trial++) {
            if (c.endState() != null) resetDomain(c, domainDb);
            Conversation conv = conversation(agent, caller);
            List<ToolCallSpec> actual = new ArrayList<>();
            ArrayNode callsOut = JSON.createArrayNode();
            String reply = null, stop = null;
            for (String message : c.messages()) {
                AgentLoop.TurnResult r = loop.turn(conv, agent, message);
                for (int guard = 0; ; guard++) {
                    for (AgentLoop.ToolCallReport t : r.toolCalls()) {
                        actual.add(new ToolCallSpec(t.name(), parse(t.arguments())));
                        callsOut.addObject().put("name", t.name()).put("arguments", t.arguments()).put("ok", t.ok());
                    }
                    reply = r.reply();
                    stop = r.stopReason();
                    if (!"confirmation_required".equals(stop) || guard >= 10) break;
                    r = loop.resolvePending(conv, agent, true); // the simulated user confirms
                }
            }
            boolean exact = c.expectedCalls().isEmpty() || ToolCallMetrics.exactMatch(c.expectedCalls(), actual, c.ordered(), readOnly);
            Map<String, Double> m = new LinkedHashMap<>();
            if (!c.expectedCalls().isEmpty()) {
                m.put("tool_exact", exact ? 1.0 : 0.0);
                m.put("tool_args", ToolCallMetrics.argumentMatch(c.expectedCalls(), writesAndExpected(actual, c.expectedCalls(), readOnly)));
                m.put("tool_names", ToolCallMetrics.nameRecall(c.expectedCalls(), actual));
            }
            String hash = null;
            if (expected != null) {
                hash = retailState.hash();
                m.put("end_state", hash.equals(expected) ? 1.0 : 0.0);
            }
            boolean passed = expected != null ? hash.equals(expected) : exact;
            outcomes.add(passed);
            m.forEach((k, v) -> sums.merge(k, v, Double::sum));
            for (AuditLog.Event e : audit.events(conv.id)) {
                if (e.tokensIn() != null) { tokensIn += e.tokensIn(); anyTokens = true; }
                if (e.tokensOut() != null) tokensOut += e.tokensOut();
            }
            ObjectNode t = trialsOut.addObject().put("conversation", conv.id.toString()).put("passed", passed).put("stopReason", stop)
                    .put("reply", reply);
            t.set("calls", callsOut);
            if (hash != null) t.put("endStateHash", hash).put("expectedHash", expected);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        sums.forEach((k, v) -> m.put(k, v / o.trials()));
        boolean all = outcomes.stream().allMatch(b -> b);
        ObjectNode d = JSON.createObjectNode();
        d.set("trials", trialsOut);
        return new CaseResult(c.id(), c.type(), all, m, 0, anyTokens ? tokensIn : null, anyTokens ? tokensOut : null, d);
    }

    /** The agent's calls that are not extra read-only lookups (those never count against argument matching). */
    private static List<ToolCallSpec> writesAndExpected(List<ToolCallSpec> actual, List<ToolCallSpec> expected, Set<String> readOnly) {
        Set<String> expectedNames = new HashSet<>();
        expected.forEach(e -> expectedNames.add(e.name()));
        return actual.stream().filter(a -> expectedNames.contains(a.name()) || !readOnly.contains(a.name())).toList();
    }

    private static JsonNode parse(String arguments) {
        try {
            return arguments == null ? JSON.createObjectNode() : JSON.readTree(arguments);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(arguments);
        }
    }

    private Conversation conversation(Agent agent, Caller caller) {
        Conversation c = new Conversation();
        c.id = UUID.randomUUID();
        c.tenantId = agent.tenantId;
        c.agentId = agent.id;
        c.owner = caller.username();
        c.endUserId = "eval:" + c.id;
        c.metadata = Map.of("evaluation", true);
        c.status = Conversation.ACTIVE;
        c.createdAt = c.updatedAt = Instant.now();
        QuarkusTransaction.requiringNew().run(c::persist);
        return c;
    }

    private JsonNode domainDb(EvalSuite suite) {
        if (suite.domainDb() == null) throw new IllegalArgumentException("suite " + suite.name() + " checks end states but names no domainDb");
        try {
            return JSON.readTree(suite.domainDb().toFile());
        } catch (IOException e) {
            // the parser's message may quote the file: say only that it is not a domain database
            throw new IllegalArgumentException("the domain database " + suite.domainDb() + " cannot be read as JSON", e);
        }
    }

    private void resetDomain(EvalCase.Agent c, JsonNode db) {
        String domain = c.endState().path("domain").asText();
        if (!"retail".equals(domain)) throw new IllegalArgumentException("case " + c.id() + ": unknown end-state domain '" + domain + "' (known: retail)");
        if (tools.find(Tenants.current(), "cancel_pending_order").isEmpty()) {
            // the retail tables are the default tenant's demo: no other tenant may reset them
            throw new IllegalArgumentException("case " + c.id() + ": the retail domain is not available to tenant " + Tenants.current());
        }
        retailImporter.load(db.deepCopy());
    }

    /** Replays the expected actions on a fresh database through the same tools; errors are kept going past, as tau2 does. */
    private String expectedState(EvalCase.Agent c, Agent agent, Caller caller, JsonNode db) {
        resetDomain(c, db);
        AgentTool.ToolContext ctx = new AgentTool.ToolContext(caller.tenant(), null, null, agent, caller);
        for (JsonNode action : c.endState().path("actions")) {
            String name = action.path("name").asText();
            AgentTool tool = tools.find(caller.tenant(), name)
                    .orElseThrow(() -> new IllegalArgumentException("case " + c.id() + ": expected action uses unknown tool " + name));
            try {
                tool.execute(ctx, action.path("arguments"));
            } catch (AgentTool.ToolException e) {
                // an expected action that errors leaves the state as it is (tau2 replays it the same way)
            }
        }
        return retailState.hash();
    }

    // --- aggregate and configuration ---------------------------------------------------------------------------------

    static Map<String, Double> aggregate(List<CaseResult> results, Map<String, List<Boolean>> trials, Options o) {
        Map<String, double[]> sums = new TreeMap<>();
        for (CaseResult r : results) {
            r.metrics().forEach((k, v) -> {
                double[] s = sums.computeIfAbsent(k, x -> new double[2]);
                s[0] += v;
                s[1]++;
            });
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("pass_rate", results.isEmpty() ? 0 : results.stream().filter(CaseResult::passed).count() / (double) results.size());
        sums.forEach((k, s) -> m.put(k, k.equals("could_not_judge") ? s[0] : s[0] / s[1]));
        if (!trials.isEmpty()) for (int k = 1; k <= o.trials(); k++) m.put("pass^" + k, PassK.passHatK(new ArrayList<>(trials.values()), k));
        List<Long> lat = results.stream().map(CaseResult::latencyMs).sorted().toList();
        if (!lat.isEmpty()) {
            m.put("latency_p50_ms", (double) lat.get((lat.size() - 1) / 2));
            m.put("latency_p95_ms", (double) lat.get((int) Math.ceil(lat.size() * 0.95) - 1));
        }
        long in = results.stream().filter(r -> r.tokensIn() != null).mapToLong(CaseResult::tokensIn).sum();
        long out = results.stream().filter(r -> r.tokensOut() != null).mapToLong(CaseResult::tokensOut).sum();
        if (in + out > 0) {
            m.put("tokens_in", (double) in);
            m.put("tokens_out", (double) out);
        }
        return m;
    }

    private Map<String, Object> config(EvalSuite suite, Options o, Caller caller) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("suite", suite.name());
        c.put("cases", suite.cases().size());
        if (suite.source() != null) c.put("source", suite.source());
        if (suite.corpus() != null) c.put("corpusDocuments", suite.corpus().size());
        c.put("tenant", caller.tenant());
        c.put("mode", o.mode().name().toLowerCase());
        c.put("limit", o.limit());
        c.put("trials", o.trials());
        c.put("judge", o.judge());
        c.put("model", models.modelName().orElse("none"));
        c.put("modelEnabled", models.config().enabled());
        c.put("embeddingModel", embeddingModel);
        c.put("chunking", Map.of("maxTokens", chunkTokens, "overlapTokens", chunkOverlap));
        Map<String, String> prompts = new LinkedHashMap<>();
        prompts.put("citationRules", sha12(AnswerService.CITATION_RULES));
        Set<String> agentNames = new LinkedHashSet<>();
        for (EvalCase k : suite.cases()) {
            if (k instanceof EvalCase.Agent a) agentNames.add(a.agent());
            if (k instanceof EvalCase.Answer) agentNames.add(o.agent() == null ? Agent.DEFAULT_NAME : o.agent());
        }
        for (String name : agentNames) {
            try {
                Agent a = name.equals(Agent.DEFAULT_NAME) ? agents.ensureDefault(caller.tenant()) : agents.find(caller.tenant(), name);
                prompts.put("agent:" + a.name, sha12(a.systemPrompt == null ? "" : a.systemPrompt));
            } catch (RuntimeException e) {
                prompts.put("agent:" + name, "missing");
            }
        }
        if (o.instructions() != null) prompts.put("override", sha12(o.instructions()));
        c.put("prompts", prompts);
        c.put("cassette", o.cassette().name().toLowerCase());
        c.put("gitCommit", gitCommit());
        return c;
    }

    private UUID sourceId(String tenant, String name) {
        Source s = QuarkusTransaction.requiringNew().call(() -> Source.<Source>find("tenantId = ?1 and name = ?2", tenant, name).firstResult());
        if (s == null) throw new IllegalArgumentException("no source named '" + name + "' in tenant " + tenant);
        return s.id;
    }

    static String sha12(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static volatile String commit;

    /** {@code LORE_GIT_COMMIT}, else {@code git rev-parse HEAD} of the working directory, else {@code unknown}. */
    static String gitCommit() {
        if (commit != null) return commit;
        String c = System.getenv("LORE_GIT_COMMIT");
        if (c == null || c.isBlank()) {
            c = "unknown";
            try {
                Process p = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
                if (p.waitFor(3, TimeUnit.SECONDS) && p.exitValue() == 0) c = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                else p.destroyForcibly();
            } catch (IOException e) {
                // no git: unknown
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (Files.exists(Path.of(".git")) && !c.equals("unknown")) {
                try {
                    Process d = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no").start();
                    if (d.waitFor(3, TimeUnit.SECONDS) && !new String(d.getInputStream().readAllBytes(), StandardCharsets.UTF_8).isBlank()) c += "-dirty";
                } catch (IOException e) {
                    // keep the commit
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        commit = c;
        return c;
    }
}
