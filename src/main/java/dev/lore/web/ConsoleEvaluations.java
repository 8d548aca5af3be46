package dev.lore.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lore.connector.SourceResource;
import dev.lore.eval.Baseline;
import dev.lore.eval.EvalResults.CaseResult;
import dev.lore.eval.EvalResults.RunResult;
import dev.lore.eval.EvalStore;
import dev.lore.eval.EvaluationResource;
import dev.lore.eval.EvaluationService;
import dev.lore.eval.FeedbackCases;
import dev.lore.eval.FeedbackResource;
import dev.lore.eval.FeedbackStore;
import dev.lore.eval.Gate;
import dev.lore.platform.ApiException;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Console: evaluations (start a run of a suite, recent runs, each suite's gated metrics over time as a server-rendered
 * SVG chart, a run's live progress, metrics against the baseline, configuration, flipped cases and per-case results)
 * and conversations with their rated answers, each of which an admin can turn into an eval case. Admins only. Runs
 * start through {@link EvaluationResource}, cases are made by {@link FeedbackCases}: the same code as the API.
 */
@Path("/console")
@RolesAllowed(Caller.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class ConsoleEvaluations {

    /** Metrics charted and listed first, when a suite has them. */
    static final List<String> KEY_METRICS = List.of("hit@5", "mrr@10", "ndcg@10", "pass_rate", "fact_recall", "citation_recall",
            "tool_exact", "end_state", "pass^1");
    static final int CASES_PER_PAGE = 100;
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules().enable(SerializationFeature.INDENT_OUTPUT);

    @Inject Pages pages;
    @Inject Callers callers;
    @Inject EvaluationService service;
    @Inject EvaluationResource api;
    @Inject EvalStore store;
    @Inject SourceResource sources;
    @Inject FeedbackStore feedback;
    @Inject FeedbackCases cases;
    @Inject ChatStore chats;
    @Inject ConsoleQueries queries;

    @Inject @Location("console/evaluations.html") Template list;
    @Inject @Location("console/evaluation.html") Template detail;
    @Inject @Location("console/evaluation-live.html") Template live;
    @Inject @Location("console/conversations.html") Template conversations;

    /**
     * A run as the console lists it.
     *
     * @param percent progress in percent
     * @param live true while queued or running (the page polls)
     * @param keyMetrics up to three key metrics, formatted
     * @param commit the git commit it ran at, shortened
     */
    @TemplateData
    public record RunRow(UUID id, String suite, String status, int casesDone, int casesTotal, int percent, boolean live, Boolean gatePassed,
                         List<String> keyMetrics, String commit, String requestedBy, Instant startedAt, Instant finishedAt, String error) {}

    /** A metric of a run: baseline, current value, delta, tolerance and status, formatted. */
    @TemplateData
    public record MetricRow(String metric, String baseline, String current, String delta, String tolerance, String status) {}

    /** A case that changed between the baseline and this run, with the run's detail as JSON. */
    @TemplateData
    public record FlipRow(String id, String type, String detail) {}

    /** One case result, formatted. */
    @TemplateData
    public record CaseRow(String id, String type, boolean passed, String metrics, long latencyMs, String tokens, String detail) {}

    /** A configuration entry. */
    @TemplateData
    public record Setting(String name, String value) {}

    /**
     * A point of a chart.
     *
     * @param x horizontal position
     * @param y vertical position
     * @param label tooltip (date and value)
     * @param runId the run it comes from
     */
    @TemplateData
    public record Point(int x, int y, String label, UUID runId) {}

    /**
     * A tick of a chart's value axis.
     *
     * @param y vertical position of its grid line
     * @param labelY vertical position of its label
     */
    @TemplateData
    public record Tick(int y, int labelY, String label) {}

    /**
     * One metric of one suite over its runs, drawn as inline SVG (values in [0, 1]).
     *
     * @param line the polyline's points attribute
     * @param baselineY vertical position of the baseline's dashed line, null without a baseline
     * @param baseline the baseline value, formatted ("" without)
     * @param latest the latest value, formatted
     * @param axisX right edge of the value labels
     * @param footY vertical position of the time axis' labels
     */
    @TemplateData
    public record Chart(String suite, String metric, int width, int height, int left, int right, String line, List<Point> points,
                        List<Tick> ticks, Integer baselineY, String baseline, String latest, int axisX, int footY) {}

    /** A rated answer on the conversations page. */
    @TemplateData
    public record Rated(UUID turnId, String kind, String username, int rating, String comment, String question, String answer, String mode,
                        List<String> trace, Instant at) {}

    @GET
    @Path("evaluations")
    public TemplateInstance evaluations(@QueryParam("ok") String ok, @QueryParam("error") String error) {
        String tenant = callers.current().tenant();
        List<EvalStore.Run> runs = store.runs(tenant, null, 200);
        List<String> suites = new ArrayList<>(service.builtIns());
        Map<String, Integer> stored = store.storedSuites(tenant);
        List<String> sourceNames = sources.list().stream().map(SourceResource.SourceView::name).sorted().toList();
        return pages.page(list.instance()).data("section", "evaluations").data("ok", ok).data("error", error)
                .data("builtIns", suites).data("stored", stored).data("sources", sourceNames).data("modes", List.of("hybrid", "vector", "fulltext"))
                .data("runs", runs.stream().limit(50).map(ConsoleEvaluations::row).toList())
                .data("baselineRuns", runs.stream().filter(r -> "succeeded".equals(r.status())).limit(30).map(ConsoleEvaluations::row).toList())
                .data("charts", charts(runs));
    }

    @POST
    @Path("evaluations")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response start(@RestForm String suite, @RestForm String source, @RestForm String mode, @RestForm String limit,
                          @RestForm String maxCases, @RestForm String compareWith) {
        return Flash.run("/console/evaluations", "Evaluation started.", () -> {
            String s = blank(suite);
            if (s == null) throw ApiException.badRequest("choose a suite");
            JsonNode baseline = null;
            if (blank(compareWith) != null) baseline = JSON.valueToTree(baselineOf(parseId(compareWith), s));
            Response r = api.start(new EvaluationResource.RunRequest(s, null, null, null, blank(source), number(maxCases, "max cases"),
                    blank(mode), number(limit, "limit"), null, null, null, null, null, baseline));
            @SuppressWarnings("unchecked")
            Map<String, Object> body = (Map<String, Object>) r.getEntity();
            return "/console/evaluations/" + body.get("id");
        });
    }

    @GET
    @Path("evaluations/{id}")
    public TemplateInstance run(@PathParam("id") UUID id, @QueryParam("offset") Integer offset, @QueryParam("ok") String ok,
                                @QueryParam("error") String error) {
        return runData(pages.page(detail.instance()).data("section", "evaluations").data("ok", ok).data("error", error), id,
                offset == null ? 0 : Math.max(0, offset));
    }

    /** The live part of a run's page: polled every second while the run is queued or running, then its results. */
    @GET
    @Path("evaluations/{id}/live")
    public TemplateInstance runFragment(@PathParam("id") UUID id) {
        return runData(pages.page(live.instance()), id, 0);
    }

    @GET
    @Path("conversations")
    public TemplateInstance conversations(@QueryParam("ok") String ok, @QueryParam("error") String error, @QueryParam("suite") String suite,
                                          @QueryParam("case") String caseId) {
        String tenant = callers.current().tenant();
        String made = null;
        if (suite != null && caseId != null) {
            made = store.storedCases(tenant, suite).stream().filter(c -> caseId.equals(c.path("id").asText())).findFirst()
                    .map(ConsoleEvaluations::pretty).orElse(null);
        }
        return pages.page(conversations.instance()).data("section", "conversations").data("ok", ok).data("error", error)
                .data("made", made).data("madeSuite", suite).data("madeCase", caseId)
                .data("threads", chats.tenantThreads(tenant, 50)).data("agentConversations", queries.agentConversations(tenant, 50))
                .data("ratings", feedback.list(tenant, 100).stream().map(ConsoleEvaluations::rated).toList());
    }

    @POST
    @Path("conversations/{turnId}/eval-case")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response makeCase(@PathParam("turnId") UUID turnId, @RestForm String suite, @RestForm String facts, @RestForm String cite) {
        return Flash.runWithMessage("/console/conversations", () -> {
            FeedbackCases.Made m = cases.make(callers.current(), turnId,
                    new FeedbackResource.CaseRequest(blank(suite), null, lines(facts), lines(cite), null, null));
            return new String[] {"/console/conversations?suite=" + enc(m.suite()) + "&case=" + enc(m.caseId()) + "#made-case",
                    "Eval case " + m.caseId() + " stored in suite " + m.suite() + "."};
        });
    }

    private TemplateInstance runData(TemplateInstance t, UUID id, int offset) {
        String tenant = callers.current().tenant();
        EvalStore.Run run = store.run(tenant, id).orElseThrow(() -> new ApiException(404, "no such evaluation run", id.toString()));
        Gate.Report gate = report(run.gate());
        List<MetricRow> metrics = new ArrayList<>();
        if (gate != null) {
            for (Gate.Row r : gate.rows()) metrics.add(new MetricRow(r.metric(), num(r.metric(), r.baseline()), num(r.metric(), r.current()),
                    r.delta() == null ? "" : String.format(Locale.ROOT, "%+.4f", r.delta()), r.tolerance() == null ? "" : num(r.metric(), r.tolerance()),
                    r.status()));
        } else if (run.metrics() != null) {
            run.metrics().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> metrics.add(new MetricRow(e.getKey(), "", num(e.getKey(), e.getValue()), "", "", "")));
        }
        List<CaseResult> all = "succeeded".equals(run.status()) ? store.cases(tenant, id) : List.of();
        List<CaseRow> caseRows = all.stream().skip(offset).limit(CASES_PER_PAGE).map(ConsoleEvaluations::caseRow).toList();
        return t.data("run", row(run)).data("gate", gate).data("metrics", metrics).data("settings", settings(run))
                .data("passToFail", gate == null ? List.of() : gate.passToFail().stream().map(ConsoleEvaluations::flip).toList())
                .data("failToPass", gate == null ? List.of() : gate.failToPass().stream().map(ConsoleEvaluations::flip).toList())
                .data("cases", caseRows).data("casesCount", all.size()).data("passedCount", all.stream().filter(CaseResult::passed).count())
                .data("from", offset + 1).data("to", offset + caseRows.size()).data("prev", offset > 0 ? Math.max(0, offset - CASES_PER_PAGE) : null)
                .data("next", offset + CASES_PER_PAGE < all.size() ? offset + CASES_PER_PAGE : null);
    }

    /** A baseline made from a finished run of the same suite (to compare a new run with it). */
    private Baseline baselineOf(UUID runId, String suite) {
        String tenant = callers.current().tenant();
        EvalStore.Run r = store.run(tenant, runId).orElseThrow(() -> new ApiException(404, "no such evaluation run", runId.toString()));
        if (!"succeeded".equals(r.status())) throw ApiException.badRequest("compare with a run that finished");
        if (!r.suite().equals(suite)) throw ApiException.badRequest("compare with a run of the same suite (" + suite + "), not of " + r.suite());
        RunResult result = new RunResult(r.id(), r.suite(), r.startedAt(), r.finishedAt(), r.config() == null ? Map.of() : r.config(),
                r.metrics() == null ? Map.of() : r.metrics(), store.cases(tenant, runId));
        return Baseline.of(result, null);
    }

    /** Each suite's key gated metrics over its finished runs, oldest to newest. */
    List<Chart> charts(List<EvalStore.Run> newestFirst) {
        Map<String, List<EvalStore.Run>> bySuite = new LinkedHashMap<>();
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            EvalStore.Run r = newestFirst.get(i);
            if ("succeeded".equals(r.status()) && r.metrics() != null) bySuite.computeIfAbsent(r.suite(), k -> new ArrayList<>()).add(r);
        }
        List<Chart> out = new ArrayList<>();
        bySuite.forEach((suite, runs) -> {
            Baseline committed = committedBaseline(suite);
            for (String metric : chartMetrics(runs)) out.add(chart(suite, metric, runs, baselineValue(metric, committed, runs)));
        });
        return out;
    }

    static List<String> chartMetrics(List<EvalStore.Run> runs) {
        Set<String> present = new LinkedHashSet<>();
        runs.forEach(r -> present.addAll(r.metrics().keySet()));
        List<String> chosen = KEY_METRICS.stream().filter(present::contains).limit(4).toList();
        if (!chosen.isEmpty()) return chosen;
        return present.stream().filter(m -> !Baseline.informational(m)).sorted().limit(3).toList();
    }

    private static Double baselineValue(String metric, Baseline committed, List<EvalStore.Run> runs) {
        if (committed != null && committed.metrics().containsKey(metric)) return committed.metrics().get(metric).value();
        for (int i = runs.size() - 1; i >= 0; i--) {
            JsonNode gate = runs.get(i).gate();
            if (gate == null) continue;
            for (JsonNode row : gate.path("rows")) {
                if (metric.equals(row.path("metric").asText()) && row.path("baseline").isNumber()) return row.path("baseline").asDouble();
            }
        }
        return null;
    }

    /** Draws one metric of a suite: a line through the runs' values, a dashed line at the baseline, values in [0, 1]. */
    static Chart chart(String suite, String metric, List<EvalStore.Run> runs, Double baseline) {
        int width = 320, height = 150, left = 36, right = 10, top = 10, bottom = 24;
        int plotW = width - left - right, plotH = height - top - bottom;
        List<Point> points = new ArrayList<>();
        List<EvalStore.Run> withMetric = runs.stream().filter(r -> r.metrics().get(metric) != null).toList();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < withMetric.size(); i++) {
            EvalStore.Run r = withMetric.get(i);
            double v = r.metrics().get(metric);
            int x = withMetric.size() == 1 ? left + plotW / 2 : left + (int) Math.round(i * (double) plotW / (withMetric.size() - 1));
            int y = top + (int) Math.round((1 - clamp(v)) * plotH);
            points.add(new Point(x, y, r.startedAt().toString().substring(0, 16).replace('T', ' ') + " · " + metric + " "
                    + String.format(Locale.ROOT, "%.3f", v), r.id()));
            if (line.length() > 0) line.append(' ');
            line.append(x).append(',').append(y);
        }
        List<Tick> ticks = new ArrayList<>();
        for (double t : new double[] {0, 0.5, 1}) ticks.add(new Tick(top + (int) Math.round((1 - t) * plotH), top + (int) Math.round((1 - t) * plotH) + 4, String.format(Locale.ROOT, "%.1f", t)));
        Integer baselineY = baseline == null ? null : top + (int) Math.round((1 - clamp(baseline)) * plotH);
        String latest = withMetric.isEmpty() ? "–" : String.format(Locale.ROOT, "%.3f", withMetric.get(withMetric.size() - 1).metrics().get(metric));
        return new Chart(suite, metric, width, height, left, width - right, line.toString(), points, ticks, baselineY,
                baseline == null ? "" : String.format(Locale.ROOT, "%.3f", baseline), latest, left - 6, height - bottom + 16);
    }

    private Baseline committedBaseline(String suite) {
        try {
            return service.baseline(suite);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    static RunRow row(EvalStore.Run r) {
        boolean live = "queued".equals(r.status()) || "running".equals(r.status());
        int percent = r.casesTotal() == 0 ? 0 : Math.min(100, r.casesDone() * 100 / r.casesTotal());
        List<String> key = new ArrayList<>();
        if (r.metrics() != null) {
            for (String m : KEY_METRICS) {
                if (key.size() < 3 && r.metrics().get(m) != null) key.add(m + " " + String.format(Locale.ROOT, "%.3f", r.metrics().get(m)));
            }
        }
        Object commit = r.config() == null ? null : r.config().get("gitCommit");
        String c = commit == null ? "" : commit.toString();
        return new RunRow(r.id(), r.suite(), r.status(), r.casesDone(), r.casesTotal(), percent, live, r.gatePassed(), key,
                c.length() > 10 && !c.contains("-dirty") ? c.substring(0, 10) : c.length() > 16 ? c.substring(0, 10) + "-dirty" : c,
                r.requestedBy(), r.startedAt(), r.finishedAt(), r.error());
    }

    private static List<Setting> settings(EvalStore.Run run) {
        List<Setting> out = new ArrayList<>();
        Map<String, Object> c = run.config() != null ? run.config() : run.options() != null ? run.options() : Map.of();
        for (String k : List.of("model", "modelEnabled", "embeddingModel", "chunking", "prompts", "mode", "limit", "trials", "judge", "cassette",
                "source", "gitCommit")) {
            if (c.containsKey(k)) out.add(new Setting(k, text(c.get(k))));
        }
        c.forEach((k, v) -> {
            if (out.stream().noneMatch(s -> s.name().equals(k)) && !k.equals("tenant")) out.add(new Setting(k, text(v)));
        });
        return out;
    }

    private static String text(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder();
            m.forEach((k, x) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(x));
            return b.toString();
        }
        return String.valueOf(v);
    }

    private static Gate.Report report(JsonNode gate) {
        if (gate == null || gate.isNull()) return null;
        try {
            return JSON.treeToValue(gate, Gate.Report.class);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable gate report: " + e.getMessage(), e);
        }
    }

    private static FlipRow flip(Gate.Flip f) {
        return new FlipRow(f.id(), f.type(), f.detail() == null ? "" : pretty(f.detail()));
    }

    private static CaseRow caseRow(CaseResult c) {
        StringBuilder m = new StringBuilder();
        List<String> names = new ArrayList<>(c.metrics().keySet());
        names.sort((a, b) -> Integer.compare(rank(a), rank(b)) != 0 ? Integer.compare(rank(a), rank(b)) : a.compareTo(b));
        for (String k : names) {
            if (c.metrics().get(k) == null) continue;
            m.append(m.length() == 0 ? "" : " · ").append(k).append(' ').append(String.format(Locale.ROOT, "%.3f", c.metrics().get(k)));
        }
        String tokens = c.tokensIn() == null && c.tokensOut() == null ? "" : (c.tokensIn() == null ? "–" : c.tokensIn()) + " / "
                + (c.tokensOut() == null ? "–" : c.tokensOut());
        return new CaseRow(c.id(), c.type(), c.passed(), m.toString(), c.latencyMs(), tokens, c.detail() == null ? "" : pretty(c.detail()));
    }

    private static int rank(String metric) {
        int i = KEY_METRICS.indexOf(metric);
        return i < 0 ? KEY_METRICS.size() : i;
    }

    private static Rated rated(FeedbackResource.FeedbackView f) {
        List<String> trace = new ArrayList<>();
        String mode = "";
        if ("chat".equals(f.kind())) {
            mode = f.trace().path("mode").asText("");
            for (JsonNode x : f.trace().path("retrieval")) {
                if (trace.size() == 3) break;
                trace.add(x.path("title").asText() + " (" + x.path("score").asText() + ")");
            }
        } else {
            mode = "agent";
            for (JsonNode t : f.trace()) {
                String args = t.path("arguments").toString();
                trace.add(t.path("name").asText() + " " + (args.length() > 80 ? args.substring(0, 80) + "…" : args));
            }
        }
        String answer = f.answer() == null ? "" : f.answer().length() > 300 ? f.answer().substring(0, 300) + "…" : f.answer();
        return new Rated(f.turnId(), f.kind(), f.username(), f.rating(), f.comment(), f.question(), answer, mode, trace, f.at());
    }

    private static String num(String metric, Double v) {
        if (v == null) return "–";
        if (Baseline.informational(metric)) return String.format(Locale.ROOT, "%.0f", v);
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static double clamp(double v) {
        return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
    }

    private static String pretty(JsonNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (IOException e) {
            return n.toString();
        }
    }

    private static List<String> lines(String text) {
        if (text == null || text.isBlank()) return null;
        List<String> out = Arrays.stream(text.split("\\R")).map(String::strip).filter(l -> !l.isEmpty()).toList();
        return out.isEmpty() ? null : out;
    }

    private static Integer number(String value, String field) {
        if (value == null || value.isBlank()) return null;
        try {
            return Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(field + " must be a whole number");
        }
    }

    private static UUID parseId(String value) {
        try {
            return UUID.fromString(value.strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("no such run: " + value);
        }
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
