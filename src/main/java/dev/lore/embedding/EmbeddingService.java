package dev.lore.embedding;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The embedding model of this Lore instance (in process, ONNX) and the guard that keeps the index consistent
 * with it.
 *
 * <p>At start-up the model name and dimension are compared with {@code index_meta}. An empty index adopts the
 * configured model. A different model is refused with {@link IllegalStateException} (Lore does not start)
 * unless {@code lore.embedding.reembed-on-mismatch=true}, in which case the stored chunks must be re-embedded
 * ({@link #indexNeedsReembed()}), which the ingest package does. Vectors of two models are never mixed.
 *
 * <p>Embeddings are float vectors of {@link #dimension()} values, compared by cosine distance. Batches are
 * embedded on {@code lore.embedding.threads} threads (default: all cores).
 */
@Startup
@ApplicationScoped
public class EmbeddingService {

    private static final Logger LOG = Logger.getLogger(EmbeddingService.class);

    private final String modelName;
    private final EmbeddingModels.Spec spec;
    private final EmbeddingModel model;
    private final ExecutorService executor;
    private final AgroalDataSource dataSource;
    private volatile boolean needsReembed;

    @Inject
    public EmbeddingService(@ConfigProperty(name = "lore.embedding.model", defaultValue = "bge-small-en-v1.5-q") String modelName,
                            @ConfigProperty(name = "lore.embedding.threads", defaultValue = "0") int threads,
                            @ConfigProperty(name = "lore.embedding.reembed-on-mismatch", defaultValue = "false") boolean reembed,
                            @ConfigProperty(name = "lore.embedding.query-prefix") java.util.Optional<String> queryPrefix,
                            AgroalDataSource dataSource) {
        this.modelName = modelName;
        EmbeddingModels.Spec known = EmbeddingModels.spec(modelName);
        this.spec = queryPrefix.isEmpty() ? known : new EmbeddingModels.Spec(known.className(), known.dimension(),
                queryPrefix.get().equals("none") ? "" : queryPrefix.get(), known.passagePrefix(), known.artifact());
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        AtomicInteger count = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "lore-embed-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.dataSource = dataSource;
        this.needsReembed = checkIndex(dataSource, modelName, spec.dimension(), reembed);
        this.model = EmbeddingModels.create(modelName, executor);
        ensureVectorIndex();
    }

    /** The configured model's name, e.g. {@code bge-small-en-v1.5-q}. */
    public String modelName() {
        return modelName;
    }

    /** Vector length of the model, e.g. 384. */
    public int dimension() {
        return spec.dimension();
    }

    /** True when the index was built by another model and must be re-embedded before it is searched. */
    public boolean indexNeedsReembed() {
        return needsReembed;
    }

    /** Called once every stored chunk carries a vector of this model. */
    public void markReembedded() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE index_meta SET embedding_model = ?, dimension = ?, created_at = now()")) {
            ps.setString(1, modelName);
            ps.setInt(2, dimension());
            ps.executeUpdate();
            needsReembed = false;
            ensureVectorIndex();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot update index_meta: " + e.getMessage(), e);
        }
    }

    /**
     * Embeds passages (document chunks) in parallel.
     *
     * @param texts passage texts, each within the model's token limit
     * @return one vector per text, same order
     */
    public List<float[]> embedPassages(List<String> texts) {
        if (texts.isEmpty()) return List.of();
        List<TextSegment> segments = new ArrayList<>(texts.size());
        for (String t : texts) segments.add(TextSegment.from(spec.passagePrefix() + t));
        List<Embedding> embeddings = model.embedAll(segments).content();
        List<float[]> out = new ArrayList<>(embeddings.size());
        for (Embedding e : embeddings) out.add(e.vector());
        return out;
    }

    /** Embeds a search query (with the model's query instruction, if any). */
    public float[] embedQuery(String query) {
        return model.embed(spec.queryPrefix() + query).content().vector();
    }

    /** The underlying langchain4j model (for benchmarks comparing against the bare model). */
    public EmbeddingModel model() {
        return model;
    }

    /** Formats a vector as pgvector's text input, e.g. {@code [0.1,0.2]}. */
    public static String toPgVector(float[] v) {
        StringBuilder sb = new StringBuilder(v.length * 10);
        sb.append('[');
        for (int i = 0; i < v.length; i++) {
            if (i > 0) sb.append(',');
            sb.append(v[i]);
        }
        return sb.append(']').toString();
    }

    /**
     * Compares the configured model with the one the index was built with ({@code index_meta}).
     *
     * @return true when the index holds vectors of another model and {@code reembed} allows re-embedding them
     * @throws IllegalStateException with instructions, when the models differ, the index is not empty and
     *     {@code reembed} is false
     */
    static boolean checkIndex(javax.sql.DataSource dataSource, String modelName, int dimension, boolean reembed) {
        // the check must see every tenant's chunks (row-level security hides them from an unnamed tenant)
        try {
            return dev.lore.security.Tenants.call(dev.lore.security.Tenants.ALL,
                    () -> checkIndexAllTenants(dataSource, modelName, dimension, reembed));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean checkIndexAllTenants(javax.sql.DataSource dataSource, String modelName, int dimension, boolean reembed) {
        try (Connection c = dataSource.getConnection();
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT embedding_model, dimension FROM index_meta")) {
            if (!rs.next()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO index_meta (id, embedding_model, dimension) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING")) {
                    ps.setString(1, modelName);
                    ps.setInt(2, dimension);
                    ps.executeUpdate();
                }
                return false;
            }
            String stored = rs.getString(1);
            int storedDim = rs.getInt(2);
            if (stored.equals(modelName) && storedDim == dimension) return false;
            boolean empty;
            try (ResultSet r2 = c.createStatement().executeQuery("SELECT NOT EXISTS (SELECT 1 FROM chunk)")) {
                r2.next();
                empty = r2.getBoolean(1);
            }
            if (empty) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE index_meta SET embedding_model = ?, dimension = ?")) {
                    ps.setString(1, modelName);
                    ps.setInt(2, dimension);
                    ps.executeUpdate();
                }
                return false;
            }
            if (!reembed) {
                throw new IllegalStateException("The index was built with embedding model '" + stored + "' (" + storedDim
                        + " dims) but Lore is configured with '" + modelName + "' (" + dimension + " dims). Vectors of two models"
                        + " cannot be mixed. Either set lore.embedding.model=" + stored + ", or start with"
                        + " lore.embedding.reembed-on-mismatch=true to re-embed every chunk with the new model.");
            }
            LOG.warnf("index built with %s; re-embedding all chunks with %s", stored, modelName);
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read index_meta: " + e.getMessage(), e);
        }
    }

    /** Drops the HNSW indexes of every dimension (before re-embedding with another model). */
    void dropVectorIndexes() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT indexname FROM pg_indexes WHERE tablename = 'chunk' AND indexname LIKE 'chunk_embedding_hnsw_%'")) {
            while (rs.next()) st.execute("DROP INDEX IF EXISTS " + rs.getString(1));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop the vector indexes: " + e.getMessage(), e);
        }
    }

    /** Creates the HNSW (cosine) expression index for this dimension when it is missing. */
    private void ensureVectorIndex() {
        if (needsReembed) return;
        int d = dimension();
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE INDEX IF NOT EXISTS chunk_embedding_hnsw_" + d + " ON chunk USING hnsw ((embedding::vector(" + d
                    + ")) vector_cosine_ops) WITH (m = 16, ef_construction = 64)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the vector index: " + e.getMessage(), e);
        }
    }

    @PreDestroy
    void close() {
        executor.shutdownNow();
    }
}
