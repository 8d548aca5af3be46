package dev.lore.embedding;

import dev.lore.ingest.StructuredChunker;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Re-embeds every stored chunk with the configured model when Lore was started with
 * {@code lore.embedding.reembed-on-mismatch=true} on an index built by another model. Runs in the background at
 * start-up, 256 chunks per batch, in chunk-id order; search answers with a clear error until it finishes, then the
 * HNSW index for the new dimension is built and {@code index_meta} records the new model.
 */
@ApplicationScoped
public class Reembedder {

    private static final Logger LOG = Logger.getLogger(Reembedder.class);
    private static final int BATCH = 256;

    @Inject EmbeddingService embeddings;
    @Inject StructuredChunker chunker;
    @Inject AgroalDataSource dataSource;

    void onStart(@Observes StartupEvent event) {
        if (!embeddings.indexNeedsReembed()) return;
        Thread t = new Thread(this::reembedAll, "lore-reembed");
        t.setDaemon(true);
        t.start();
    }

    /** Re-embeds all chunks of every tenant; returns how many. */
    public int reembedAll() {
        try {
            return dev.lore.security.Tenants.call(dev.lore.security.Tenants.ALL, this::reembedEveryTenant);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int reembedEveryTenant() {
        embeddings.dropVectorIndexes();
        int done = 0;
        UUID after = new UUID(Long.MIN_VALUE, Long.MIN_VALUE);
        try (Connection c = dataSource.getConnection()) {
            while (true) {
                List<UUID> ids = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT id, title, heading_path, text FROM chunk WHERE id > ? ORDER BY id LIMIT " + BATCH)) {
                    ps.setObject(1, after);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getObject(1, UUID.class));
                            String heading = rs.getString(3);
                            String crumb = chunker.breadcrumb(rs.getString(2),
                                    heading == null || heading.isEmpty() ? List.of() : Arrays.asList(heading.split(" > ")));
                            texts.add(crumb.isEmpty() ? rs.getString(4) : crumb + "\n" + rs.getString(4));
                        }
                    }
                }
                if (ids.isEmpty()) break;
                List<float[]> vectors = embeddings.embedPassages(texts);
                try (PreparedStatement up = c.prepareStatement("UPDATE chunk SET embedding = ?::vector WHERE id = ?")) {
                    for (int i = 0; i < ids.size(); i++) {
                        up.setString(1, EmbeddingService.toPgVector(vectors.get(i)));
                        up.setObject(2, ids.get(i));
                        up.addBatch();
                    }
                    up.executeBatch();
                }
                done += ids.size();
                after = ids.getLast();
                LOG.infof("re-embedded %d chunks", done);
            }
        } catch (SQLException e) {
            LOG.errorf(e, "re-embedding stopped after %d chunks; restart Lore to resume", done);
            throw new IllegalStateException("re-embedding failed: " + e.getMessage(), e);
        }
        embeddings.markReembedded();
        LOG.infof("re-embedding finished: %d chunks now carry %s vectors", done, embeddings.modelName());
        return done;
    }
}
