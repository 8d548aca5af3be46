package dev.lore.ingest;

import dev.lore.connector.spi.SourceDocument;
import dev.lore.embedding.EmbeddingService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Connector output → parsed → chunked → embedded → stored, one page of documents at a time.
 *
 * <p>Per document: a file over {@code lore.ingest.max-file-bytes} (default 20 MiB) is skipped with the reason;
 * an unchanged content hash skips all work; otherwise it is parsed ({@link DocumentParser}), chunked
 * ({@link StructuredChunker}) and its chunks embedded. All chunks of a page are embedded in one parallel batch;
 * a chunk whose embedding text is already stored (a copy of a file, an unchanged section of an edited file)
 * reuses the stored vector. Each document is then stored atomically ({@link ChunkStore#upsert}), so it is
 * searchable as soon as its page is done. A document that is skipped or fails loses the version indexed earlier, if
 * any (its reason says so): the index never keeps content the source no longer has. Nothing one document does can fail another: every outcome is
 * returned as an {@link Outcome}.
 */
@ApplicationScoped
public class IngestionPipeline {

    private static final Logger LOG = Logger.getLogger(IngestionPipeline.class);

    private final DocumentParser parser;
    private final StructuredChunker chunker;
    private final EmbeddingService embeddings;
    private final ChunkStore store;
    private final long maxFileBytes;
    /** Nanoseconds spent, since start-up, in each step of ingestion (diagnostics: {@link #timings}). */
    private final java.util.concurrent.atomic.LongAdder lookupNanos = new java.util.concurrent.atomic.LongAdder(),
            embedNanos = new java.util.concurrent.atomic.LongAdder(), storeNanos = new java.util.concurrent.atomic.LongAdder(),
            prepareNanos = new java.util.concurrent.atomic.LongAdder();

    /**
     * Seconds spent since start-up (all sources together) in: {@code prepare} (read, hash, parse, chunk), {@code lookup}
     * (stored vectors for identical texts), {@code embed} (the embedding model) and {@code store} (writing documents and
     * chunks). A diagnostic for benchmarks: differences between two calls say where a sync's time went.
     */
    public Map<String, Double> timings() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("prepare", prepareNanos.sum() / 1e9);
        out.put("lookup", lookupNanos.sum() / 1e9);
        out.put("embed", embedNanos.sum() / 1e9);
        out.put("store", storeNanos.sum() / 1e9);
        return out;
    }

    @Inject
    public IngestionPipeline(DocumentParser parser, StructuredChunker chunker, EmbeddingService embeddings, ChunkStore store,
                             @ConfigProperty(name = "lore.ingest.max-file-bytes", defaultValue = "20971520") long maxFileBytes) {
        this.parser = parser;
        this.chunker = chunker;
        this.embeddings = embeddings;
        this.store = store;
        this.maxFileBytes = maxFileBytes;
    }

    /**
     * What happened to one document.
     *
     * @param documentKey the document's identity in its source
     * @param status how it ended
     * @param reason why (for skipped and failed), else {@code null}
     * @param chunks how many chunks were stored
     */
    public record Outcome(String documentKey, DocumentStatus status, String reason, int chunks) {}

    /**
     * A page after reading, hashing, parsing and chunking, before embedding: {@link #prepare}, {@link #embed} and {@link #store}
     * let the sync runner parse the next page on one thread while this one is embedded on all cores.
     */
    public static final class PreparedPage {
        private final List<Outcome> outcomes;
        private final List<Prepared> prepared;

        private PreparedPage(List<Outcome> outcomes, List<Prepared> prepared) {
            this.outcomes = outcomes;
            this.prepared = prepared;
        }
    }

    /**
     * First half of ingesting a page: read, hash, skip unchanged, parse and chunk. Never throws for a document.
     *
     * @param aclOverride an admin's access list for every document of the source (principals), or null to use what
     *     the connector supplies; an unchanged document whose access changed gets its new list right away
     */
    public PreparedPage prepare(UUID sourceId, List<SourceDocument> documents, String[] aclOverride) {
        long t0 = System.nanoTime();
        try {
            return prepareTimed(sourceId, documents, aclOverride);
        } finally {
            prepareNanos.add(System.nanoTime() - t0);
        }
    }

    private PreparedPage prepareTimed(UUID sourceId, List<SourceDocument> documents, String[] aclOverride) {
        List<Outcome> outcomes = new ArrayList<>(documents.size());
        List<Prepared> prepared = new ArrayList<>();
        for (SourceDocument doc : documents) {
            try {
                Prepared p = prepare(sourceId, doc, doc.acl() == null ? null : doc.acl().toPrincipals(), aclOverride);
                if (p == null) {
                    outcomes.add(new Outcome(doc.key(), DocumentStatus.UNCHANGED, null, 0));
                } else {
                    prepared.add(p);
                    outcomes.add(null); // filled after embedding
                }
            } catch (IngestException e) {
                // the file can no longer be indexed (emptied, over the size limit, now unparsable): a version indexed
                // earlier would stay searchable with content the file no longer has, under an access list no longer applied
                boolean removed = store.delete(sourceId, doc.key());
                outcomes.add(new Outcome(doc.key(), e.status(), removed ? e.getMessage() + "; the version indexed earlier was removed" : e.getMessage(), 0));
            } catch (RuntimeException | StackOverflowError e) {
                LOG.warnf(e, "unexpected error on %s", doc.key());
                outcomes.add(new Outcome(doc.key(), DocumentStatus.FAILED, "unexpected error: " + e, 0));
            }
        }
        return new PreparedPage(outcomes, prepared);
    }

    /** A page whose new chunk texts have vectors: ready for {@link #store}. */
    public static final class EmbeddedPage {
        private final PreparedPage page;
        private final Map<String, String> vectors;

        private EmbeddedPage(PreparedPage page, Map<String, String> vectors) {
            this.page = page;
            this.vectors = vectors;
        }

        /** Embedding-text hash → vector (pgvector text) of every chunk of the page: lets the next page reuse them. */
        public Map<String, String> vectors() {
            return vectors;
        }
    }

    /**
     * Embeds the page's chunk texts in one parallel batch (all cores), except texts already stored or in {@code known}
     * (hash → vector, e.g. the previous page's while it is still being stored). Never throws: when the model fails,
     * the page's documents end {@code failed} in {@link #store}.
     */
    public EmbeddedPage embed(PreparedPage page, Map<String, String> known) {
        Map<String, String> vectors;
        try {
            vectors = embedAll(page.prepared, known);
        } catch (RuntimeException e) {
            LOG.warnf(e, "embedding failed for a page of %d documents", page.prepared.size());
            vectors = Map.of();
        }
        return new EmbeddedPage(page, vectors);
    }

    /** Stores each document of an embedded page (one transaction per document); returns every document's outcome, in order. */
    public List<Outcome> store(String tenantId, UUID sourceId, EmbeddedPage embedded) {
        List<Outcome> outcomes = new ArrayList<>(embedded.page.outcomes);
        List<Prepared> prepared = embedded.page.prepared;
        Map<String, String> vectors = embedded.vectors;
        long t0 = System.nanoTime();
        int next = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) != null) continue;
            Prepared p = prepared.get(next++);
            outcomes.set(i, store(tenantId, sourceId, p, vectors));
        }
        storeNanos.add(System.nanoTime() - t0);
        return outcomes;
    }

    private record Prepared(SourceDocument doc, byte[] bytes, String hash, ParsedDocument parsed, List<Chunk> chunks,
                            List<String> textHashes, String[] connectorAcl, String[] aclOverride) {}

    /**
     * Reads, hashes, parses and chunks; {@code null} when the stored version has the same hash (its access list is
     * then recomputed in place when the connector's list or the override changed it).
     */
    private Prepared prepare(UUID sourceId, SourceDocument doc, String[] connectorAcl, String[] aclOverride) throws IngestException {
        if (doc.sizeBytes() > maxFileBytes) {
            throw new IngestException(DocumentStatus.SKIPPED, String.format(
                    "file is %.1f MB, over the %.1f MB limit (lore.ingest.max-file-bytes)", doc.sizeBytes() / 1048576.0,
                    maxFileBytes / 1048576.0));
        }
        byte[] bytes;
        try (InputStream in = doc.content().open()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, maxFileBytes + 1));
        } catch (IOException e) {
            throw new IngestException(DocumentStatus.FAILED, "cannot read: " + e.getMessage(), e);
        }
        if (bytes.length > maxFileBytes) {
            throw new IngestException(DocumentStatus.SKIPPED, "file is over the " + maxFileBytes + " byte limit (lore.ingest.max-file-bytes)");
        }
        // the chunking settings are part of the hash: changing them re-indexes (identical chunk texts keep their vectors)
        String hash = sha256(bytes) + "-c" + chunker.maxTokens() + "." + chunker.overlapTokens();
        var stored = store.find(sourceId, doc.key());
        if (stored.isPresent() && stored.get().contentHash().equals(hash)) {
            ChunkStore.StoredDocument d = stored.get();
            String[] kept = connectorAcl != null ? connectorAcl : d.connectorAcl();
            String[] effective = aclOverride != null ? aclOverride : kept != null ? kept : new String[0];
            boolean connectorChanged = connectorAcl != null && !java.util.Arrays.equals(connectorAcl, d.connectorAcl());
            if (connectorChanged || (!d.aclPinned() && !java.util.Arrays.equals(effective, d.acl()))) {
                store.refreshAcl(d.id(), connectorAcl, aclOverride);
            }
            return null;
        }
        ParsedDocument parsed = parser.parse(bytes, doc.fileName());
        if (doc.title() != null) parsed = new ParsedDocument(doc.title(), parsed.contentType(), parsed.language(), parsed.sections());
        List<Chunk> chunks = chunker.chunk(parsed);
        if (chunks.isEmpty()) throw new IngestException(DocumentStatus.SKIPPED, "no indexable text (only whitespace or symbols)");
        List<String> textHashes = chunks.stream().map(c -> sha256(c.embeddingText().getBytes(StandardCharsets.UTF_8))).toList();
        return new Prepared(doc, bytes, hash, parsed, chunks, textHashes, connectorAcl, aclOverride);
    }

    /** Embeds every distinct chunk text of the page that has no stored vector yet; returns hash → vector. */
    private Map<String, String> embedAll(List<Prepared> prepared, Map<String, String> known) {
        LinkedHashMap<String, String> textByHash = new LinkedHashMap<>();
        for (Prepared p : prepared) {
            for (int i = 0; i < p.chunks().size(); i++) textByHash.putIfAbsent(p.textHashes().get(i), p.chunks().get(i).embeddingText());
        }
        long t0 = System.nanoTime();
        LinkedHashSet<String> unknown = new LinkedHashSet<>(textByHash.keySet());
        Map<String, String> vectors = new java.util.HashMap<>();
        for (String h : textByHash.keySet()) {
            String v = known.get(h);
            if (v != null) {
                vectors.put(h, v);
                unknown.remove(h);
            }
        }
        vectors.putAll(store.existingEmbeddings(unknown));
        long t1 = System.nanoTime();
        lookupNanos.add(t1 - t0);
        List<String> hashes = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (var e : textByHash.entrySet()) {
            if (!vectors.containsKey(e.getKey())) {
                hashes.add(e.getKey());
                texts.add(e.getValue());
            }
        }
        List<float[]> embedded = embeddings.embedPassages(texts);
        embedNanos.add(System.nanoTime() - t1);
        for (int i = 0; i < hashes.size(); i++) vectors.put(hashes.get(i), EmbeddingService.toPgVector(embedded.get(i)));
        return vectors;
    }

    private Outcome store(String tenantId, UUID sourceId, Prepared p, Map<String, String> vectors) {
        try {
            List<String> v = p.textHashes().stream().map(vectors::get).toList();
            if (v.contains(null)) throw new IngestException(DocumentStatus.FAILED, "the embedding model failed on this document");
            store.upsert(new ChunkStore.DocumentWrite(tenantId, sourceId, p.doc().key(), p.doc().uri(), p.parsed(), p.hash(),
                    p.bytes().length, p.chunks(), v, p.textHashes(), p.connectorAcl(), p.aclOverride()));
            return new Outcome(p.doc().key(), DocumentStatus.INDEXED, null, p.chunks().size());
        } catch (IngestException e) {
            return new Outcome(p.doc().key(), e.status(), e.getMessage(), 0);
        }
    }

    /** SHA-256 of bytes as lower-case hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
