package dev.lore.connector;

import dev.lore.connector.spi.ConnectorException;
import dev.lore.ingest.ChunkStore;
import dev.lore.platform.ApiException;
import dev.lore.security.AccessList;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import jakarta.annotation.security.RolesAllowed;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Sources and their syncs: {@code /api/v1/sources}. */
@Path("/api/v1/sources")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Sources", description = "Connect sources, sync them and watch their runs")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR})
public class SourceResource {

    @Inject SyncRunner runner;
    @Inject AgroalDataSource dataSource;
    @Inject Callers callers;
    @Inject ChunkStore store;

    /**
     * Body of {@code POST /api/v1/sources}.
     *
     * @param type connector type, e.g. {@code filesystem}
     * @param name unique name of the source in its tenant
     * @param config connector configuration, e.g. {@code {"path":"/srv/docs"}}
     */
    public record CreateSource(@NotBlank String type, @NotBlank String name, @NotNull Map<String, Object> config) {}

    /** A source as the API shows it; {@code aclOverride} is the admin's access list for all its documents, or null. */
    public record SourceView(UUID id, String type, String name, Map<String, Object> config, Instant createdAt,
                             long documents, long chunks, boolean syncing, AccessList aclOverride) {}

    /**
     * A run as the API shows it; {@code status} is {@code running}, {@code succeeded}, {@code failed} (with
     * {@code error}) or {@code cancelled}; {@code progress} is live while it runs. {@code phase} says what a running
     * run does: {@code queued} (waits for a free worker; two syncs run at once), {@code listing} (the connector lists
     * the documents, total still 0), {@code ingesting} or {@code cancelling}; null once it ended (or when no sync of
     * this process works on it).
     */
    public record RunView(UUID id, UUID sourceId, String status, String phase, Instant startedAt, Instant finishedAt, int total,
                          int done, Map<String, Integer> counts, int chunks, Progress progress, String error) {}

    /**
     * Progress of a run.
     *
     * @param done documents finished
     * @param total documents in the source
     * @param percent done/total in percent, 0..100
     * @param documentsPerSecond average rate since the run started
     * @param etaSeconds estimated seconds left at that rate, or null when unknown
     */
    public record Progress(int done, int total, double percent, double documentsPerSecond, Long etaSeconds) {}

    /** One document's outcome in a run. */
    public record RunDocument(String documentKey, String status, String reason, int chunks) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a source", description = "Validates the connector configuration; 201 with the source's id.")
    @APIResponse(responseCode = "201", description = "created; Location names the source", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = SourceView.class)))
    @APIResponse(responseCode = "400", description = "invalid configuration (application/problem+json)")
    @APIResponse(responseCode = "409", description = "a source with this name exists")
    public Response create(@Valid @NotNull CreateSource body) {
        // who may read a source's documents is an admin's decision: a curator cannot widen access through config.acl
        if (body.config() != null && body.config().get("acl") != null && !callers.current().isAdmin()) {
            throw new ApiException(403, "Forbidden", "only admins may set config.acl (who may read the documents)");
        }
        try {
            runner.validate(body.type(), body.config(), callers.current().tenant());
        } catch (ConnectorException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        Source s = new Source();
        s.id = UUID.randomUUID();
        s.tenantId = callers.current().tenant();
        s.type = body.type();
        s.name = body.name();
        s.config = body.config();
        s.createdAt = Instant.now();
        QuarkusTransaction.requiringNew().run(() -> {
            if (Source.count("tenantId = ?1 and name = ?2", s.tenantId, s.name) > 0) {
                throw ApiException.conflict("a source named '" + s.name + "' already exists");
            }
            s.persist();
        });
        return Response.created(URI.create("/api/v1/sources/" + s.id)).entity(view(s)).build();
    }

    @GET
    @Operation(summary = "List sources")
    public List<SourceView> list() {
        List<Source> sources = QuarkusTransaction.requiringNew().call(() -> Source.<Source>list("tenantId = ?1 order by createdAt", callers.current().tenant()));
        return sources.stream().map(this::view).toList();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get a source")
    public SourceView get(@PathParam("id") UUID id) {
        return view(load(id));
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Delete a source", description = "Stops its sync, then removes the source, its documents and chunks.")
    @APIResponse(responseCode = "204", description = "deleted")
    @APIResponse(responseCode = "404", description = "no such source")
    public Response delete(@PathParam("id") UUID id) throws InterruptedException {
        load(id);
        runner.cancel(id);
        runner.awaitIdle(id, 60_000);
        QuarkusTransaction.requiringNew().run(() -> Source.deleteById(id));
        return Response.noContent().build();
    }

    @POST
    @Path("{id}/sync")
    @Operation(summary = "Start a sync", description = "202 with the run; 409 when one is already running.")
    @APIResponse(responseCode = "202", description = "started; the body is the run, Location names it", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = RunView.class)))
    @APIResponse(responseCode = "404", description = "no such source")
    @APIResponse(responseCode = "409", description = "a sync of this source is already running")
    public Response sync(@PathParam("id") UUID id) {
        load(id);
        UUID runId;
        try {
            runId = runner.start(id);
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        }
        return Response.accepted(run(id, runId)).location(URI.create("/api/v1/sources/" + id + "/runs/" + runId)).build();
    }

    @GET
    @Path("{id}/runs")
    @Operation(summary = "List a source's runs, newest first", description = "limit: 1 or more (default 20; at most 200 are returned).")
    public List<RunView> runs(@PathParam("id") UUID id, @QueryParam("limit") @DefaultValue("20") @jakarta.validation.constraints.Min(1) int limit) {
        load(id);
        List<SyncRun> runs = QuarkusTransaction.requiringNew().call(() ->
                SyncRun.<SyncRun>find("sourceId = ?1 order by startedAt desc", id).page(0, Math.max(1, Math.min(limit, 200))).list());
        return runs.stream().map(this::view).toList();
    }

    @GET
    @Path("{id}/runs/{runId}")
    @Operation(summary = "Get a run: status, counts per document status, live progress")
    public RunView run(@PathParam("id") UUID id, @PathParam("runId") UUID runId) {
        load(id);
        SyncRun run = QuarkusTransaction.requiringNew().call(() -> SyncRun.<SyncRun>findById(runId));
        if (run == null || !run.sourceId.equals(id)) throw ApiException.notFound("run " + runId);
        return view(run);
    }

    @POST
    @Path("{id}/runs/{runId}/cancel")
    @Operation(summary = "Cancel a running sync",
            description = "The run stops after the page in hand and ends with status cancelled; the documents it stored stay "
                    + "indexed and nothing is deleted. A later sync starts over, skipping unchanged documents by their hash.")
    @APIResponse(responseCode = "202", description = "cancellation requested; the body is the run (status running, phase cancelling, until the page in hand is stored)", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = RunView.class)))
    @APIResponse(responseCode = "404", description = "no such source or run")
    @APIResponse(responseCode = "409", description = "the run is not running")
    public Response cancel(@PathParam("id") UUID id, @PathParam("runId") UUID runId) {
        RunView run = run(id, runId);
        if (!SyncRun.RUNNING.equals(run.status())) throw ApiException.conflict("run " + runId + " is " + run.status() + ", not running");
        if (!runner.cancel(id, runId)) runner.markCancelled(runId);
        return Response.accepted(run(id, runId)).build();
    }

    /** The statuses a run's documents can be listed by (the wire names of {@link dev.lore.ingest.DocumentStatus}). */
    private static final java.util.SortedSet<String> RUN_DOCUMENT_STATUSES = java.util.Arrays.stream(dev.lore.ingest.DocumentStatus.values())
            .map(dev.lore.ingest.DocumentStatus::wire).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));

    @GET
    @Path("{id}/runs/{runId}/documents")
    @Operation(summary = "List a run's documents, optionally by status (failed, skipped, indexed, unchanged, deleted)",
            description = "By document key; limit: 1 or more (default 1000; at most 10,000 are returned); offset: 0 or more (the next page starts at offset + the rows returned).")
    public List<RunDocument> runDocuments(@PathParam("id") UUID id, @PathParam("runId") UUID runId,
                                          @QueryParam("status") String status,
                                          @QueryParam("limit") @DefaultValue("1000") @jakarta.validation.constraints.Min(1) int limit,
                                          @QueryParam("offset") @DefaultValue("0") @jakarta.validation.constraints.Min(0) int offset) {
        run(id, runId);
        if (status != null && !RUN_DOCUMENT_STATUSES.contains(status)) {
            throw ApiException.badRequest("status must be one of " + String.join(", ", RUN_DOCUMENT_STATUSES) + ", not '" + status + "'");
        }
        String sql = "SELECT document_key, status, reason, chunks FROM sync_item WHERE run_id = ?"
                + (status == null ? "" : " AND status = ?") + " ORDER BY document_key LIMIT ? OFFSET ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setObject(i++, runId);
            if (status != null) ps.setString(i++, status);
            ps.setInt(i++, Math.max(1, Math.min(limit, 10_000)));
            ps.setInt(i, offset);
            List<RunDocument> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(new RunDocument(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void setOverride(UUID id, String[] principals) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("UPDATE source SET acl_override = ? WHERE id = ?")) {
            ps.setArray(1, principals == null ? null : c.createArrayOf("text", principals));
            ps.setObject(2, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the access override: " + e.getMessage(), e);
        }
    }

    /** The source, if it belongs to the caller's tenant (404 otherwise: other tenants' ids give nothing away). */
    private Source load(UUID id) {
        Source s = QuarkusTransaction.requiringNew().call(() -> Source.<Source>findById(id));
        if (s == null || !s.tenantId.equals(callers.current().tenant())) throw ApiException.notFound("source " + id);
        return s;
    }

    @PUT
    @Path("{id}/acl")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Override the access list of every document of the source",
            description = "Applies at once to all documents except those whose list an admin pinned, and to every later sync. Admins only.")
    public SourceView overrideAcl(@PathParam("id") UUID id, @NotNull AccessList acl) {
        Source s = load(id);
        String[] principals = acl.toPrincipals();
        setOverride(id, principals);
        store.recomputeSourceAcl(id);
        s.aclOverride = principals;
        return view(s);
    }

    @DELETE
    @Path("{id}/acl")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Remove the source's access override",
            description = "Each unpinned document gets its connector's list again at once (none: admins only).")
    public SourceView clearAcl(@PathParam("id") UUID id) {
        Source s = load(id);
        setOverride(id, null);
        store.recomputeSourceAcl(id);
        s.aclOverride = null;
        return view(s);
    }

    private SourceView view(Source s) {
        long docs = 0, chunks = 0;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT count(*), coalesce(sum(chunk_count), 0) FROM document WHERE source_id = ?")) {
            ps.setObject(1, s.id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                docs = rs.getLong(1);
                chunks = rs.getLong(2);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return new SourceView(s.id, s.type, s.name, s.config, s.createdAt, docs, chunks, runner.isRunning(s.id),
                s.aclOverride == null ? null : AccessList.fromPrincipals(s.aclOverride));
    }

    private RunView view(SyncRun r) {
        Instant end = r.finishedAt != null ? r.finishedAt : Instant.now();
        double seconds = Math.max(0.001, Duration.between(r.startedAt, end).toMillis() / 1000.0);
        double rate = r.done / seconds;
        Long eta = SyncRun.RUNNING.equals(r.status) && rate > 0 ? Math.round((r.total - r.done) / rate) : null;
        if (!SyncRun.RUNNING.equals(r.status)) eta = 0L;
        double pct = r.total == 0 ? (SyncRun.SUCCEEDED.equals(r.status) ? 100 : 0) : Math.min(100, 100.0 * r.done / r.total); // an empty source synced is done; a run cancelled before it listed anything is not
        Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        counts.put("indexed", r.indexed);
        counts.put("unchanged", r.unchanged);
        counts.put("skipped", r.skipped);
        counts.put("failed", r.failed);
        counts.put("deleted", r.deleted);
        String phase = SyncRun.RUNNING.equals(r.status) ? runner.phase(r.id) : null;
        return new RunView(r.id, r.sourceId, r.status, phase, r.startedAt, r.finishedAt, r.total, r.done, counts, r.chunks,
                new Progress(r.done, r.total, Math.round(pct * 10) / 10.0, Math.round(rate * 100) / 100.0, eta), r.error);
    }
}
