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
     * @param acl its effective access list as principals ({@code u:…}, {@code g:…}, {@code *}); empty = admins only
     * @param connectorAcl what the connector last said about access, or null if it never did
     * @param aclPinned true when an admin set the list by hand (connectors and overrides then leave it alone)
     */
    public record StoredDocument(UUID id, String contentHash, String[] acl, String[] connectorAcl, boolean aclPinned) {}

    /** The stored version of {@code documentKey} in {@code sourceId}, if any. */
    public Optional<StoredDocument> find(UUID sourceId, String documentKey) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, content_hash, acl, connector_acl, acl_pinned FROM document WHERE source_id = ? AND document_key = ?")) {
            ps.setObject(1, sourceId);
            ps.setString(2, documentKey);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new StoredDocument(rs.getObject(1, UUID.class), rs.getString(2), (String[]) rs.getArray(3).getArray(),
                        rs.getArray(4) == null ? null : (String[]) rs.getArray(4).getArray(), rs.getBoolean(5)))
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
     * @param connectorAcl what the connector says about access (principals), or null when it says nothing: the
     *     stored one is then kept (a connector update can neither wipe nor widen access)
     * @param aclOverride the source's override (principals), or null
     */
    public record DocumentWrite(String tenantId, UUID sourceId, String documentKey, String uri, ParsedDocument parsed,
                                String contentHash, long sizeBytes, List<Chunk> chunks, List<String> vectors,
                                List<String> textHashes, String[] connectorAcl, String[] aclOverride) {}

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
                // an update without a connector list keeps the stored one: a connector that says nothing about access
                // can neither wipe nor widen it; a pinned list stays as the admin set it
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO document (id, tenant_id, source_id, document_key, uri, title, content_type, language,
                                              content_hash, size_bytes, chunk_count, indexed_at, connector_acl, acl)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?::text[], coalesce(?::text[], ?::text[], '{}'))
                        ON CONFLICT (source_id, document_key) DO UPDATE SET uri = excluded.uri, title = excluded.title,
                            content_type = excluded.content_type, language = excluded.language,
                            content_hash = excluded.content_hash, size_bytes = excluded.size_bytes,
                            chunk_count = excluded.chunk_count, indexed_at = now(),
                            connector_acl = coalesce(excluded.connector_acl, document.connector_acl),
                            acl = CASE WHEN document.acl_pinned THEN document.acl
                                       ELSE coalesce(?::text[], excluded.connector_acl, document.connector_acl, '{}') END
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
                    Array connectorAcl = w.connectorAcl() == null ? null : c.createArrayOf("text", w.connectorAcl());
                    Array override = w.aclOverride() == null ? null : c.createArrayOf("text", w.aclOverride());
                    ps.setArray(12, connectorAcl);
                    ps.setArray(13, override);
                    ps.setArray(14, connectorAcl);
                    ps.setArray(15, override);
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
     * Records what the connector now says about an unchanged document's access and recomputes its effective list
     * (pinned list, else {@code aclOverride}, else the connector's, else empty), on the document and its chunks in one
     * transaction: the next search already filters by it.
     *
     * @param connectorAcl the connector's list (principals), or null when it says nothing (the stored one is kept)
     * @param aclOverride the source's override, or null
     */
    public void refreshAcl(UUID documentId, String[] connectorAcl, String[] aclOverride) {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE document SET connector_acl = coalesce(?::text[], connector_acl),
                        acl = CASE WHEN acl_pinned THEN acl ELSE coalesce(?::text[], ?::text[], connector_acl, '{}') END
                    WHERE id = ?""")) {
                Array conn = connectorAcl == null ? null : c.createArrayOf("text", connectorAcl);
                ps.setArray(1, conn);
                ps.setArray(2, aclOverride == null ? null : c.createArrayOf("text", aclOverride));
                ps.setArray(3, conn);
                ps.setObject(4, documentId);
                ps.executeUpdate();
            }
            copyToChunks(c, "d.id = ?", documentId);
        });
    }

    /**
     * Records that the connector could not determine a document's access (fail closed): its connector list becomes
     * empty (admins only) and the effective list is recomputed (a pin or the source override still apply). No-op for a
     * document not indexed yet.
     */
    public void restrictConnectorAcl(UUID sourceId, String documentKey) {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE document d SET connector_acl = '{}', acl = CASE WHEN d.acl_pinned THEN d.acl ELSE coalesce(s.acl_override, '{}') END
                    FROM source s WHERE s.id = d.source_id AND d.source_id = ? AND d.document_key = ?""")) {
                ps.setObject(1, sourceId);
                ps.setString(2, documentKey);
                ps.executeUpdate();
            }
            copyToChunks(c, "d.source_id = ?", sourceId);
        });
    }

    /**
     * Recomputes the effective lists of a source's unpinned documents after its override changed (set: the override;
     * cleared: each document's connector list, else admins only), documents and chunks in one transaction.
     */
    public void recomputeSourceAcl(UUID sourceId) {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE document d SET acl = coalesce(s.acl_override, d.connector_acl, '{}')
                    FROM source s WHERE s.id = d.source_id AND d.source_id = ? AND NOT d.acl_pinned""")) {
                ps.setObject(1, sourceId);
                ps.executeUpdate();
            }
            copyToChunks(c, "d.source_id = ?", sourceId);
        });
    }

    /**
     * Pins a document's list to {@code acl} (an admin's hand-set list), or unpins it ({@code acl} null): it then gets
     * the source override or the connector's list again at once.
     *
     * @return false when there is no such document (in the current tenant)
     */
    public boolean pinAcl(UUID documentId, String[] acl) {
        boolean[] found = {false};
        inTransaction(c -> {
            String sql = acl != null
                    ? "UPDATE document SET acl_pinned = true, acl = ? WHERE id = ?"
                    : "UPDATE document d SET acl_pinned = false, acl = coalesce(s.acl_override, d.connector_acl, '{}') FROM source s "
                      + "WHERE s.id = d.source_id AND d.id = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (acl != null) ps.setArray(i++, c.createArrayOf("text", acl));
                ps.setObject(i, documentId);
                found[0] = ps.executeUpdate() > 0;
            }
            copyToChunks(c, "d.id = ?", documentId);
        });
        return found[0];
    }

    /** Copies documents' effective lists to their chunks where they differ. */
    private static void copyToChunks(Connection c, String documentCondition, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE chunk ch SET acl = d.acl FROM document d WHERE ch.document_id = d.id AND "
                + documentCondition + " AND ch.acl IS DISTINCT FROM d.acl")) {
            ps.setObject(1, id);
            ps.executeUpdate();
        }
    }

    @FunctionalInterface
    private interface SqlWork {
        void run(Connection c) throws SQLException;
    }

    private void inTransaction(SqlWork work) {
        try (Connection c = dataSource.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                work.run(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot update access lists: " + e.getMessage(), e);
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

    /**
     * Deletes one document (its chunks go with it) of {@code sourceId}.
     *
     * @return whether there was one to delete
     * @throws IllegalStateException when the database refuses
     */
    public boolean delete(UUID sourceId, String documentKey) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM document WHERE source_id = ? AND document_key = ?")) {
            ps.setObject(1, sourceId);
            ps.setString(2, documentKey);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete document " + documentKey + ": " + e.getMessage(), e);
        }
    }

    /** PostgreSQL text cannot hold NUL characters; parsers sometimes emit them. */
    static String clean(String s) {
        return s == null ? null : s.indexOf('\0') >= 0 ? s.replace("\0", "") : s;
    }
}
