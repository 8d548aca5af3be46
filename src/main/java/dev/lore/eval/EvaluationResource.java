package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lore.eval.EvalResults.CaseResult;
import dev.lore.eval.replay.CassetteMode;
import dev.lore.platform.ApiException;
import dev.lore.retrieval.SearchMode;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Evaluations against the live system: {@code /api/v1/evaluations}. Admins start a run of a suite (built in, stored
 * from feedback, a server path or inline cases); it runs in the background, one run at a time, and its progress,
 * metrics, configuration, gate verdict against the suite's baseline and per-case results are read back here.
 */
@Path("/api/v1/evaluations")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Caller.ADMIN)
@Tag(name = "Evaluations")
public class EvaluationResource {

    @Inject EvaluationService service;
    @Inject EvalStore store;
    @Inject Callers callers;
    @Inject com.fasterxml.jackson.databind.ObjectMapper json;

    /**
     * A run request.
     *
     * @param suite suite name (built-in, stored, or the name for {@code cases}/{@code path})
     * @param cases suite lines (JSONL text), optional
     * @param path server path of a JSONL file, BEIR folder or tau2 folder inside {@code lore.eval.data-roots}, optional
     * @param split BEIR split
     * @param source source name the suite's retrieval and answer cases search
     * @param maxCases only the first n cases
     * @param mode retrieval mode: vector, fulltext or hybrid (default)
     * @param limit chunks fetched per retrieval case (default 100)
     * @param trials runs per agent case for pass^k (default 1)
     * @param judge also judge answers with the model (default false)
     * @param agent agent answer cases use (default: the tenant's default agent)
     * @param instructions system prompt to evaluate instead of the agent's
     * @param cassette off (default), record or replay: model calls through {@code <lore.eval.cassette-dir>/<suite>.json}
     * @param baseline a baseline to compare with instead of the suite's committed one
     */
    public record RunRequest(@Size(max = 100) String suite, @Size(max = 1_000_000) String cases, @Size(max = 1000) String path, String split,
                             String source, @Min(1) Integer maxCases, String mode, @Min(1) @Max(1000) Integer limit, @Min(1) @Max(20) Integer trials,
                             Boolean judge, String agent, @Size(max = 20_000) String instructions, String cassette, JsonNode baseline) {}

    /** A run as listed. */
    public record RunView(UUID id, String suite, String status, String requestedBy, int casesTotal, int casesDone, Boolean gatePassed,
                          Map<String, Double> metrics, Map<String, Object> options, Map<String, Object> config, String error,
                          java.time.Instant startedAt, java.time.Instant finishedAt) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run a suite", description = "202 with the run id; GET the run for progress and results.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "202", description = "queued: {\"id\", \"suite\", \"status\", \"casesTotal\"}; Location names the run (GET it for {\"run\", \"gate\"})")
    public Response start(@Valid RunRequest body) {
        if (body == null) throw new ApiException(400, "no body", "give at least suite");
        Caller caller = callers.current();
        EvalSuite suite = service.resolve(new EvaluationService.Request(body.suite(), body.cases(), body.path(), body.split(), body.source(),
                body.maxCases(), body.baseline()), caller.tenant());
        CassetteMode cassette = parseEnum(CassetteMode.class, body.cassette(), CassetteMode.OFF, "cassette");
        EvalRunner.Options options;
        try {
            options = new EvalRunner.Options(parseEnum(SearchMode.class, body.mode(), SearchMode.HYBRID, "mode"),
                    body.limit() == null ? 100 : body.limit(), body.trials() == null ? 1 : body.trials(), Boolean.TRUE.equals(body.judge()),
                    body.agent(), body.instructions(), cassette, service.cassetteFile(caller.tenant(), suite.name(), cassette));
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "invalid options", e.getMessage());
        }
        UUID id = service.start(suite, options, EvaluationService.parseBaseline(body.baseline()), caller);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("suite", suite.name());
        out.put("status", "queued");
        out.put("casesTotal", suite.cases().size());
        return Response.accepted(out).location(URI.create("/api/v1/evaluations/" + id)).build();
    }

    @GET
    @Operation(summary = "List runs", description = "Newest first; optionally of one suite.")
    public List<RunView> list(@QueryParam("suite") String suite, @QueryParam("limit") @DefaultValue("50") @Min(1) @Max(500) int limit) {
        return store.runs(callers.current().tenant(), suite, limit).stream().map(EvaluationResource::view).toList();
    }

    @GET
    @Path("suites")
    @Operation(summary = "Suites", description = "Built-in suites and the tenant's stored suites (cases made from feedback) with case counts.")
    public Map<String, Object> suites() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("builtIn", service.builtIns());
        out.put("stored", store.storedSuites(callers.current().tenant()));
        return out;
    }

    @GET
    @Path("suites/{suite}/cases")
    @Produces("application/x-ndjson")
    @Operation(summary = "A stored suite as JSONL", description = "The cases made from feedback, one per line, ready to commit as a suite file.")
    public String storedCases(@PathParam("suite") String suite) {
        List<JsonNode> cases = store.storedCases(callers.current().tenant(), suite);
        if (cases.isEmpty()) throw new ApiException(404, "no such stored suite", suite);
        StringBuilder sb = new StringBuilder();
        sb.append("{\"suite\":\"").append(suite.replace("\"", "")).append("\"}\n");
        cases.forEach(c -> sb.append(c).append('\n'));
        return sb.toString();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "A run", description = "Status, progress, metrics, configuration and the gate report (baseline, delta, flipped cases).")
    public Map<String, Object> get(@PathParam("id") UUID id) {
        EvalStore.Run r = run(id);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("run", view(r));
        out.put("gate", r.gate());
        return out;
    }

    @GET
    @Path("{id}/cases")
    @Operation(summary = "Per-case results of a run")
    public List<CaseResult> cases(@PathParam("id") UUID id) {
        run(id);
        return store.cases(callers.current().tenant(), id);
    }

    @GET
    @Path("{id}/report")
    @Produces("text/markdown")
    @Operation(summary = "The gate report as Markdown", description = "404 while the run is not finished or was not compared with a baseline.")
    public String report(@PathParam("id") UUID id) {
        EvalStore.Run r = run(id);
        if (r.gate() == null) throw new ApiException(404, "no gate report", "run " + id + " is " + r.status() + " and has no comparison with a baseline");
        try {
            return json.treeToValue(r.gate(), Gate.Report.class).markdown();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private EvalStore.Run run(UUID id) {
        return store.run(callers.current().tenant(), id).orElseThrow(() -> new ApiException(404, "no such evaluation run", id.toString()));
    }

    private static RunView view(EvalStore.Run r) {
        return new RunView(r.id(), r.suite(), r.status(), r.requestedBy(), r.casesTotal(), r.casesDone(), r.gatePassed(), r.metrics(), r.options(),
                r.config(), r.error(), r.startedAt(), r.finishedAt());
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String value, E dflt, String field) {
        if (value == null || value.isBlank()) return dflt;
        try {
            return Enum.valueOf(type, value.strip().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "invalid " + field, "'" + value + "' is not one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase());
        }
    }
}
