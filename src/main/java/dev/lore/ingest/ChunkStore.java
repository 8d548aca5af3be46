package dev.lore.ingest;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Lore's EmbeddingStore: documents and their chunks (text, metadata, vector, full-text vector) in PostgreSQL.
 * Writes are per document and atomic: a reader sees either the old chunks of a document or the new ones.
 * Plain JDBC on the Agroal pool: this is the ingest hot path.
 *
 * <p>Errors: {@link IngestException} (status failed) with the database's message when a write fails.
 */
@ApplicationScoped
public class ChunkStore {

    private final AgroalDataSource dataSource;

    @Inject
    public ChunkStore(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * A stored document's identity and content hash.
     *
     * @param id document id
     * @param contentHash SHA-256 hex of its raw bytes when it was indexed
     * @param acl its access list as stored principals ({@code u:…}, {@code g:…}, {@code *}); empty = admins only
     * @param aclPinned true when an admin set the list by hand (connectors then leave it alone)
     */
    public record StoredDocument(UUID id, String contentHash, String[] acl, boolean aclPinned) {}

    /** The stored version of {@code documentKey} in {@code sourceId}, if any. */
    public Optional<StoredDocument> find(UUID sourceId, String documentKey) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, content_hash, acl, acl_pinned FROM document WHERE source_id = ? AND document_key = ?")) {
            ps.setObject(1, sourceId);
            ps.setString(2, documentKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new StoredDocument(rs.getObject(1, UUID.class), rs.getString(2), (String[]) rs.getArray(3).getArray(), rs.getBoolean(4)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read document " + documentKey + ": " + e.getMessage(), e);
        }
    }

    /**
     * Vectors already stored for any of these embedding-text hashes (identical text embeds identically).
     *
     * @return hash → vector in pgvector text form
     */
    public Map<String, String> existingEmbeddings(Collection<String> textHashes) {
        Map<String, String> out = new HashMap<>();
        if (textHashes.isEmpty()) return out;
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT DISTINCT ON (text_hash) text_hash, embedding::text FROM chunk WHERE text_hash = ANY (?)")) {
            Array arr = c.createArrayOf("text", textHashes.toArray());
            ps.setArray(1, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot look up embeddings: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * A document ready to be stored.
     *
     * @param tenantId owning tenant
     * @param sourceId owning source
     * @param documentKey identity inside the source
     * @param uri where the original lives
     * @param parsed parse result (title, type, language)
     * @param contentHash SHA-256 hex of the raw bytes
     * @param sizeBytes raw size
     * @param chunks the chunks, in order
     * @param vectors one pgvector-text vector per chunk, same order
     * @param textHashes one hash of each chunk's embedding text, same order
     * @param acl the access list as principals, or null to keep the stored one (a new document then gets an empty
     *     list: admins only)
     */
    public record DocumentWrite(String tenantId, UUID sourceId, String documentKey, String uri, ParsedDocument parsed,
                                String contentHash, long sizeBytes, List<Chunk> chunks, List<String> vectors,
                                List<String> textHashes, String[] acl) {}

    /**
     * Inserts or replaces a document and all its chunks in one transaction.
     *
     * @return the document's id (kept across re-indexing)
     */
    public UUID upsert(DocumentWrite w) throws IngestException {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                UUID id;
                Array acl;
                // an update without an access list keeps the stored one: a connector that says nothing about access
                // can neither wipe nor widen it
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO document (id, tenant_id, source_id, document_key, uri, title, content_type, language,
                                              content_hash, size_bytes, chunk_count, indexed_at, acl)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), coalesce(?::text[], '{}'))
                        ON CONFLICT (source_id, document_key) DO UPDATE SET uri = excluded.uri, title = excluded.title,
                            content_type = excluded.content_type, language = excluded.language,
                            content_hash = excluded.content_hash, size_bytes = excluded.size_bytes,
                            chunk_count = excluded.chunk_count, indexed_at = now(),
                            acl = CASE WHEN ? AND NOT document.acl_pinned THEN excluded.acl ELSE document.acl END
                        RETURNING id, acl""")) {
                    ps.setObject(1, UUID.randomUUID());
                    ps.setString(2, w.tenantId());
                    ps.setObject(3, w.sourceId());
                    ps.setString(4, w.documentKey());
                    ps.setString(5, w.uri());
                    ps.setString(6, clean(w.parsed().title()));
                    ps.setString(7, w.parsed().contentType());
                    ps.setString(8, w.parsed().language());
                    ps.setString(9, w.contentHash());
                    ps.setLong(10, w.sizeBytes());
                    ps.setInt(11, w.chunks().size());
                    ps.setArray(12, w.acl() == null ? null : c.createArrayOf("text", w.acl()));
                    ps.setBoolean(13, w.acl() != null);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        id = rs.getObject(1, UUID.class);
                        acl = rs.getArray(2);
                    }
                }
                try (PreparedStatement del = c.prepareStatement("DELETE FROM chunk WHERE document_id = ?")) {
                    del.setObject(1, id);
                    del.executeUpdate();
                }
                try (PreparedStatement ins = c.prepareStatement("""
                        INSERT INTO chunk (id, document_id, tenant_id, source_id, document_key, position, title, heading_path,
                                           uri, content_type, language, text, text_hash, embedding, acl)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::vector, ?)""")) {
                    for (int i = 0; i < w.chunks().size(); i++) {
                        Chunk ch = w.chunks().get(i);
                        ins.setObject(1, UUID.randomUUID());
                        ins.setObject(2, id);
                        ins.setString(3, w.tenantId());
                        ins.setObject(4, w.sourceId());
                        ins.setString(5, w.documentKey());
                        ins.setInt(6, ch.position());
                        ins.setString(7, clean(w.parsed().title()));
                        ins.setString(8, clean(ch.headingPathString()));
                        ins.setString(9, w.uri());
                        ins.setString(10, w.parsed().contentType());
                        ins.setString(11, w.parsed().language());
                        ins.setString(12, clean(ch.text()));
                        ins.setString(13, w.textHashes().get(i));
                        ins.setString(14, w.vectors().get(i));
                        ins.setArray(15, acl);
                        ins.addBatch();
                    }
                    ins.executeBatch();
                }
                c.commit();
                return id;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IngestException(DocumentStatus.FAILED, "cannot store the document: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces one document's access list, on the document and all its chunks in one transaction: the next search
     * already filters by the new list.
     *
     * @param acl principals ({@code u:…}, {@code g:…}, {@code *}); empty = admins only
     */
    public void updateAcl(UUID documentId, String[] acl) {
        updateAcl("document_id", "id", documentId, acl);
    }

    /**
     * Replaces the access list of every document of a source that is not pinned (an admin's override of the source),
     * like {@link #updateAcl}.
     */
    public void updateSourceAcl(UUID sourceId, String[] acl) {
        updateAcl("source_id", "source_id", sourceId, acl);
    }

    /** Sets a document's list by hand and pins it ({@code pinned=false} unpins, keeping the list until the next sync). */
    public boolean pinAcl(UUID documentId, String[] acl, boolean pinned) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("UPDATE document SET acl_pinned = ? WHERE id = ?")) {
            ps.setBoolean(1, pinned);
            ps.setObject(2, documentId);
            if (ps.executeUpdate() == 0) return false;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot pin the access list: " + e.getMessage(), e);
        }
        if (acl != null) updateAcl(documentId, acl);
        return true;
    }

    private void updateAcl(String chunkColumn, String documentColumn, UUID id, String[] acl) {
        boolean bySource = documentColumn.equals("source_id");
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement d = c.prepareStatement("UPDATE document SET acl = ? WHERE " + documentColumn + " = ?"
                         + (bySource ? " AND NOT acl_pinned" : ""));
                 PreparedStatement ch = c.prepareStatement("UPDATE chunk SET acl = ? WHERE " + chunkColumn + " = ?"
                         + (bySource ? " AND document_id IN (SELECT id FROM document WHERE source_id = ? AND NOT acl_pinned)" : ""))) {
                Array a = c.createArrayOf("text", acl);
                d.setArray(1, a);
                d.setObject(2, id);
                d.executeUpdate();
                ch.setArray(1, a);
                ch.setObject(2, id);
                if (bySource) ch.setObject(3, id);
                ch.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot update the access list: " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the documents of a source whose keys are not in {@code keep} (they vanished from the source).
     *
     * @return the deleted documents' keys
     */
    public List<String> deleteMissing(UUID sourceId, Collection<String> keep) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM document WHERE source_id = ? AND NOT (document_key = ANY (?)) RETURNING document_key")) {
            ps.setObject(1, sourceId);
            ps.setArray(2, c.createArrayOf("text", keep.toArray()));
            List<String> deleted = new java.util.ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) deleted.add(rs.getString(1));
            }
            return deleted;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prune deleted documents: " + e.getMessage(), e);
        }
    }

    /** PostgreSQL text cannot hold NUL characters; parsers sometimes emit them. */
    static String clean(String s) {
        return s == null ? null : s.indexOf('\0') >= 0 ? s.replace("\0", "") : s;
    }
}
