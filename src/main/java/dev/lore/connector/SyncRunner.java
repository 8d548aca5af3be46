package dev.lore.connector;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.connector.spi.Checkpoint;
import dev.lore.connector.spi.Connector;
import dev.lore.connector.spi.ConnectorContext;
import dev.lore.connector.spi.ConnectorException;
import dev.lore.connector.spi.ConnectorPage;
import dev.lore.connector.spi.DocumentFailure;
import dev.lore.ingest.ChunkStore;
import dev.lore.ingest.DocumentStatus;
import dev.lore.ingest.IngestionPipeline;
import dev.lore.security.Tenants;
import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Runs syncs in the background: one at a time per source, pages fetched from the connector, ingested, and the
 * run's counts and checkpoint saved after each page. After the last page, documents that vanished from the
 * source are deleted (their chunks leave search as that delete commits).
 *
 * <p>A run that was {@code running} when Lore stopped is resumed from its checkpoint at the next start. A
 * source-wide error (folder gone, connector exception) ends the run as {@code failed} with the message; a
 * per-document problem never does.
 */
@ApplicationScoped
public class SyncRunner {

    private static final Logger LOG = Logger.getLogger(SyncRunner.class);

    @Inject ConnectorRegistry registry;
    @Inject IngestionPipeline pipeline;
    @Inject ChunkStore store;
    @Inject AgroalDataSource dataSource;
    @Inject ObjectMapper json;
    @Inject dev.lore.retrieval.HybridRetriever retriever;

    private final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "lore-sync");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService prefetcher = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lore-sync-prefetch");
        t.setDaemon(true);
        return t;
    });
    /** Source id → the run of this process that works on it (one at a time per source). */
    private final Map<UUID, UUID> activeRuns = new ConcurrentHashMap<>();
    /** Runs asked to stop (by run id: a late request never touches the source's next run). */
    private final Set<UUID> cancelled = ConcurrentHashMap.newKeySet();
    /** Run id → what a run of this process is doing: {@link #QUEUED}, {@link #LISTING} or {@link #INGESTING}. */
    private final Map<UUID, String> phases = new ConcurrentHashMap<>();

    /** Phase of a run waiting for a free sync worker (two syncs run at once). */
    public static final String QUEUED = "queued";
    /** Phase of a run asking the connector for the list of documents (the total is not known yet). */
    public static final String LISTING = "listing";
    /** Phase of a run fetching, parsing, embedding and storing documents page by page. */
    public static final String INGESTING = "ingesting";
    /** Phase of a run asked to stop: it ends {@code cancelled} once the page in hand is stored. */
    public static final String CANCELLING = "cancelling";

    void onStart(@Observes StartupEvent event) {
        List<SyncRun> interrupted = QuarkusTransaction.requiringNew().call(() -> SyncRun.<SyncRun>list("status", SyncRun.RUNNING));
        for (SyncRun run : interrupted) resume(run.id, run.sourceId);
    }

    /**
     * Continues a run that was interrupted (its status is still {@code running}) from its stored checkpoint.
     *
     * @throws IllegalStateException when a sync of the run's source is already active
     */
    public void resume(UUID runId, UUID sourceId) {
        if (activeRuns.putIfAbsent(sourceId, runId) != null) throw new IllegalStateException("a sync of source " + sourceId + " is already running");
        LOG.infof("resuming sync run %s of source %s from its checkpoint", runId, sourceId);
        submit(runId, sourceId);
    }

    void onStop(@Observes ShutdownEvent event) {
        executor.shutdownNow();
    }

    /**
     * Starts a sync of a source in the background.
     *
     * @return the new run's id
     * @throws IllegalStateException when a sync of this source is already running (the API answers 409)
     */
    public UUID start(UUID sourceId) {
        UUID runId = UUID.randomUUID();
        if (activeRuns.putIfAbsent(sourceId, runId) != null) {
            throw new IllegalStateException("a sync of source " + sourceId + " is already running");
        }
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                SyncRun run = new SyncRun();
                run.id = runId;
                run.sourceId = sourceId;
                run.status = SyncRun.RUNNING;
                run.startedAt = Instant.now();
                run.persist();
            });
            submit(runId, sourceId);
            return runId;
        } catch (RuntimeException e) {
            phases.remove(runId);
            activeRuns.remove(sourceId, runId);
            throw e;
        }
    }

    /** Queues a run for a sync worker (phase {@code queued} until one takes it). */
    private void submit(UUID runId, UUID sourceId) {
        phases.put(runId, QUEUED);
        executor.submit(() -> execute(runId, sourceId));
    }

    /**
     * What a {@code running} run is doing in this process: {@code queued} (waiting for a free worker), {@code listing}
     * (the connector lists the documents; total still 0), {@code ingesting} or {@code cancelling} (asked to stop; ends
     * {@code cancelled} after the page in hand). Null when no sync of this process works on the run (it ended, or was
     * left {@code running} by a process that stopped).
     */
    public String phase(UUID runId) {
        String phase = phases.get(runId);
        return phase != null && cancelled.contains(runId) ? CANCELLING : phase;
    }

    /** True while a sync of this source runs. */
    public boolean isRunning(UUID sourceId) {
        return activeRuns.containsKey(sourceId);
    }

    /**
     * Asks a running sync of this source to stop after its current page; the run ends {@code cancelled}, keeping what
     * it stored, and deletes nothing (documents missing from the source are only deleted by a run that read it all).
     *
     * @return false when no sync of this source is running in this process
     */
    public boolean cancel(UUID sourceId) {
        UUID runId = activeRuns.get(sourceId);
        return runId != null && cancel(sourceId, runId);
    }

    /**
     * Asks run {@code runId} of this source to stop. A run still waiting for a worker ends {@code cancelled} at once
     * (it read nothing); a working one after the page in hand.
     *
     * @return false when that run is not working or waiting in this process (e.g. left {@code running} by a process
     *     that stopped: mark it with {@link #markCancelled})
     */
    public boolean cancel(UUID sourceId, UUID runId) {
        if (!runId.equals(activeRuns.get(sourceId))) return false;
        cancelled.add(runId);
        if (phases.remove(runId, QUEUED)) { // no worker took it yet: the worker that does finds no phase and leaves it
            finish(runId, SyncRun.CANCELLED, "cancelled on request before it started");
            cancelled.remove(runId);
            activeRuns.remove(sourceId, runId);
        } else if (!runId.equals(activeRuns.get(sourceId))) {
            cancelled.remove(runId); // it ended meanwhile
        }
        return true;
    }

    /** Marks a run cancelled that no sync is working on (left {@code running} by a process that stopped). */
    public void markCancelled(UUID runId) {
        update(runId, "UPDATE sync_run SET status = ?, error = ?, finished_at = now() WHERE id = ? AND status = ?",
                SyncRun.CANCELLED, "cancelled on request (no sync was working on it)", runId, SyncRun.RUNNING);
    }

    /** Thrown inside a run when it was asked to stop. */
    private static final class SyncCancelled extends RuntimeException {
        SyncCancelled() {
            super("cancelled on request", null, false, false);
        }
    }

    /** Waits up to {@code millis} for a sync of this source to stop. */
    public void awaitIdle(UUID sourceId, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (activeRuns.containsKey(sourceId) && System.currentTimeMillis() < end) Thread.sleep(20);
    }

    /** Runs a sync as the source's tenant: row-level security then lets it see and write only that tenant's documents. */
    private void execute(UUID runId, UUID sourceId) {
        if (!phases.replace(runId, QUEUED, LISTING)) return; // cancelled while it waited (cancel() finished it)
        try {
            String tenant = QuarkusTransaction.requiringNew().call(() -> {
                Source s = Source.findById(sourceId);
                return s == null ? "" : s.tenantId;
            });
            Tenants.run(tenant, () -> executeAsTenant(runId));
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "sync run %s failed", runId);
            finish(runId, SyncRun.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            phases.remove(runId);
            cancelled.remove(runId);
            activeRuns.remove(sourceId, runId);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void executeAsTenant(UUID runId) {
        SyncRun run = QuarkusTransaction.requiringNew().call(() -> SyncRun.findById(runId));
        UUID sourceId = run.sourceId;
        try {
            if (cancelled.contains(runId)) throw new SyncCancelled();
            Source source = QuarkusTransaction.requiringNew().call(() -> Source.findById(sourceId));
            if (source == null) throw new ConnectorException("the source was deleted");
            Connector connector = registry.find(source.type)
                    .orElseThrow(() -> new ConnectorException("no connector of type '" + source.type + "' is installed"));
            Record config = (Record) json.convertValue(source.config, connector.configType());
            ConnectorContext ctx = new ConnectorContext(source.id, source.tenantId, config);
            connector.validate(ctx);
            List<String> keys = connector.listDocumentKeys(ctx);
            update(runId, "UPDATE sync_run SET total = ? WHERE id = ?", keys.size(), runId);
            phases.put(runId, INGESTING);
            Checkpoint checkpoint = run.checkpoint == null ? Checkpoint.START : json.readValue(run.checkpoint, Checkpoint.class);
            // pipelined: while page N is embedded (all cores), page N+1 is fetched, parsed and chunked on another thread
            java.util.concurrent.CompletableFuture<Prefetched> ahead = checkpoint.hasMore()
                    ? prefetch(connector, ctx, source, checkpoint) : null;
            // and while page N+1 is embedded, page N is stored and recorded on a third (one page in flight at a time,
            // recorded in order: a checkpoint never passes a page that is not stored)
            java.util.concurrent.CompletableFuture<Void> storing = java.util.concurrent.CompletableFuture.completedFuture(null);
            Map<String, String> previousVectors = Map.of();
            try {
                while (ahead != null) {
                    Prefetched current = ahead.join();
                    if (cancelled.contains(runId)) throw new SyncCancelled();
                    ahead = current.page().next().hasMore() ? prefetch(connector, ctx, source, current.page().next()) : null;
                    List<IngestionPipeline.Outcome> outcomes = new ArrayList<>();
                    for (DocumentFailure f : current.page().failures()) {
                        if (f.accessUnknown()) store.restrictConnectorAcl(source.id, f.documentKey());
                        if (f.skipped() && store.delete(source.id, f.documentKey())) {
                            // it was indexed as a regular file and is now e.g. a link out of the folder: the copy goes
                            outcomes.add(new IngestionPipeline.Outcome(f.documentKey(), DocumentStatus.DELETED,
                                    f.message() + "; the copy indexed earlier was removed", 0));
                            continue;
                        }
                        outcomes.add(new IngestionPipeline.Outcome(f.documentKey(), f.skipped() ? DocumentStatus.SKIPPED : DocumentStatus.FAILED, f.message(), 0));
                    }
                    IngestionPipeline.EmbeddedPage embedded = pipeline.embed(current.prepared(), previousVectors);
                    previousVectors = embedded.vectors();
                    storing.join();
                    String checkpointJson = json.writeValueAsString(current.page().next());
                    storing = java.util.concurrent.CompletableFuture.runAsync(() -> Tenants.run(source.tenantId, () -> {
                        outcomes.addAll(pipeline.store(source.tenantId, source.id, embedded));
                        try {
                            record(runId, outcomes, checkpointJson);
                        } catch (SQLException e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    }), prefetcher);
                }
            } catch (Exception | Error e) {
                // let the page being stored finish before the run is marked failed (its outcomes stay recorded)
                try {
                    storing.join();
                } catch (RuntimeException ignored) {
                    // the first failure is the one reported
                }
                throw e;
            }
            storing.join();
            List<String> deleted = store.deleteMissing(sourceId, keys);
            List<IngestionPipeline.Outcome> gone = deleted.stream()
                    .map(k -> new IngestionPipeline.Outcome(k, DocumentStatus.DELETED, "no longer in the source", 0)).toList();
            if (!gone.isEmpty()) record(runId, gone, null);
            // the index changed: count the new vocabulary once, in the background, rather than term by term in the next
            // searches (started before the run is marked done, so whoever waits for the run finds this renewal as the last)
            retriever.renewStatistics(source.tenantId);
            finish(runId, SyncRun.SUCCEEDED, null);
        } catch (Exception e) {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof SyncCancelled) {
                LOG.infof("sync run %s cancelled", runId);
                finish(runId, SyncRun.CANCELLED, cause.getMessage());
                return;
            }
            LOG.warnf("sync run %s failed: %s", runId, cause.getMessage());
            finish(runId, SyncRun.FAILED, cause.getMessage() == null ? cause.toString() : cause.getMessage());
            return;
        } catch (Error e) {
            LOG.errorf(e, "sync run %s failed", runId);
            finish(runId, SyncRun.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private record Prefetched(ConnectorPage page, IngestionPipeline.PreparedPage prepared) {}

    @SuppressWarnings({"unchecked", "rawtypes"})
    private java.util.concurrent.CompletableFuture<Prefetched> prefetch(Connector connector, ConnectorContext ctx, Source source,
                                                                          Checkpoint checkpoint) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Tenants.call(source.tenantId, () -> {
                    ConnectorPage page = connector.fetchPage(ctx, checkpoint);
                    return new Prefetched(page, pipeline.prepare(source.id, page.documents(), source.aclOverride));
                });
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, prefetcher);
    }

    private void record(UUID runId, List<IngestionPipeline.Outcome> outcomes, String checkpointJson) throws SQLException {
        int[] counts = new int[DocumentStatus.values().length];
        int chunks = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO sync_item (run_id, document_key, status, reason, chunks) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, document_key) DO UPDATE SET status = excluded.status, reason = excluded.reason,
                        chunks = excluded.chunks""")) {
                for (IngestionPipeline.Outcome o : outcomes) {
                    counts[o.status().ordinal()]++;
                    chunks += o.chunks();
                    ps.setObject(1, runId);
                    ps.setString(2, o.documentKey());
                    ps.setString(3, o.status().wire());
                    ps.setString(4, o.reason() == null ? null : truncate(o.reason(), 2000));
                    ps.setInt(5, o.chunks());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            boolean deletion = checkpointJson == null;
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE sync_run SET done = done + ?, indexed = indexed + ?, unchanged = unchanged + ?, skipped = skipped + ?,
                        failed = failed + ?, deleted = deleted + ?, chunks = chunks + ?,
                        checkpoint = coalesce(?::jsonb, checkpoint) WHERE id = ?""")) {
                ps.setInt(1, deletion ? 0 : outcomes.size());
                ps.setInt(2, counts[DocumentStatus.INDEXED.ordinal()]);
                ps.setInt(3, counts[DocumentStatus.UNCHANGED.ordinal()]);
                ps.setInt(4, counts[DocumentStatus.SKIPPED.ordinal()]);
                ps.setInt(5, counts[DocumentStatus.FAILED.ordinal()]);
                ps.setInt(6, counts[DocumentStatus.DELETED.ordinal()]);
                ps.setInt(7, chunks);
                ps.setString(8, checkpointJson);
                ps.setObject(9, runId);
                ps.executeUpdate();
            }
            c.commit();
        }
    }

    private void finish(UUID runId, String status, String error) {
        update(runId, "UPDATE sync_run SET status = ?, error = ?, finished_at = now() WHERE id = ?", status,
                error == null ? null : truncate(error, 2000), runId);
    }

    private void update(UUID runId, String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.errorf(e, "cannot update sync run %s", runId);
        }
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    private volatile ObjectMapper strictJson;

    /** Typed view of a connector config map (used by the API to validate before saving). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public void validate(String type, Map<String, Object> config, String tenant) throws ConnectorException {
        Connector connector = registry.find(type)
                .orElseThrow(() -> new ConnectorException("unknown source type '" + type + "'; installed: " + String.join(", ", new java.util.TreeSet<>(registry.types()))));
        Record typed;
        try {
            // strictly: a misspelt key ("pth", an ACL's "group") or a string for true/false is refused, not ignored
            if (strictJson == null) strictJson = dev.lore.platform.StrictJson.strict(json);
            typed = (Record) strictJson.convertValue(config == null ? Map.of() : config, connector.configType());
        } catch (IllegalArgumentException e) {
            String why = e.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException jp
                    ? dev.lore.platform.JsonErrors.describe(jp, "config") : e.getMessage();
            throw new ConnectorException("invalid config for type '" + type + "': " + why);
        }
        connector.validate(new ConnectorContext(null, tenant, typed));
    }
}
