package dev.lore.connector;

import dev.lore.ingest.ChunkStore;
import dev.lore.platform.ApiException;
import dev.lore.security.AccessList;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import io.agroal.api.AgroalDataSource;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Indexed documents: {@code /api/v1/documents}. Listing and reading show only documents the caller may read (its
 * tenant; for non-admins, access lists naming it, its groups or everyone); anything else is a 404. Deleting a
 * document removes it and its chunks in one transaction: the next search no longer sees it. Admins can set a
 * document's access list by hand, which pins it (syncs and source overrides then leave it alone).
 */
@Path("/api/v1/documents")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Caller.ADMIN, Caller.CURATOR, Caller.USER})
@Tag(name = "Documents")
public class DocumentResource {

    private static final String COLUMNS = "id, source_id, document_key, uri, title, content_type, language, size_bytes, chunk_count, indexed_at, acl, acl_pinned";

    @Inject AgroalDataSource dataSource;
    @Inject Callers callers;
    @Inject ChunkStore store;

    /**
     * A document as the API shows it.
     *
     * @param id document id
     * @param sourceId its source
     * @param key identity in the source (relative path for files)
     * @param uri where the original lives
     * @param title title
     * @param contentType media type
     * @param language ISO 639-1 code
     * @param sizeBytes raw size in bytes
     * @param chunks number of chunks
     * @param indexedAt last indexed
     * @param acl who may read it (empty lists and everyone=false: admins only)
     * @param aclPinned true when an admin set the list by hand
     */
    public record DocumentView(UUID id, UUID sourceId, String key, String uri, String title, String contentType, String language,
                               long sizeBytes, int chunks, Instant indexedAt, AccessList acl, boolean aclPinned) {}

    @GET
    @Operation(summary = "List readable documents", description = "Optionally of one source and whose key or title contains q; by key. limit: 1 or more (default 100; at most 1000 are returned); offset: 0 or more.")
    public List<DocumentView> list(@QueryParam("sourceId") UUID sourceId, @QueryParam("q") String q,
                                   @QueryParam("limit") @DefaultValue("100") @jakarta.validation.constraints.Min(1) int limit,
                                   @QueryParam("offset") @DefaultValue("0") @jakarta.validation.constraints.Min(0) int offset) {
        Caller caller = callers.current();
        if (q != null) q = q.replace("\0", ""); // PostgreSQL text cannot hold NUL
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM document WHERE tenant_id = ?");
        List<Object> args = new ArrayList<>(List.of(caller.tenant()));
        if (!caller.isAdmin()) {
            sql.append(" AND acl && ?::text[]");
            args.add(caller.principals());
        }
        if (sourceId != null) {
            sql.append(" AND source_id = ?");
            args.add(sourceId);
        }
        if (q != null && !q.isBlank()) {
            sql.append(" AND (strpos(lower(document_key), lower(?)) > 0 OR strpos(lower(coalesce(title, '')), lower(?)) > 0)");
            args.add(q.strip());
            args.add(q.strip());
        }
        sql.append(" ORDER BY document_key LIMIT ? OFFSET ?");
        args.add(Math.max(1, Math.min(limit, 1000)));
        args.add(Math.max(0, offset));
        return query(sql.toString(), args.toArray());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "A readable document")
    public DocumentView get(@PathParam("id") UUID id) {
        return readable(id);
    }

    @GET
    @Path("{id}/chunks")
    @Operation(summary = "A readable document's chunks, in order", description = "Each: position, heading path, text.")
    public List<java.util.Map<String, Object>> chunks(@PathParam("id") UUID id) {
        readable(id);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT id, position, heading_path, text FROM chunk WHERE document_id = ? AND tenant_id = ? ORDER BY position")) {
            ps.setObject(1, id);
            ps.setString(2, callers.current().tenant());
            List<java.util.Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(java.util.Map.of("id", rs.getObject(1, UUID.class), "position", rs.getInt(2), "headingPath", rs.getString(3), "text", rs.getString(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read chunks: " + e.getMessage(), e);
        }
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed({Caller.ADMIN, Caller.CURATOR})
    @Operation(summary = "Delete a document and its chunks", description = "Gone from every answer once this returns. A later sync indexes it again if the source still has it.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "deleted (a later sync indexes the file again while the source still has it)")
    public Response delete(@PathParam("id") UUID id) {
        readable(id);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("DELETE FROM document WHERE id = ? AND tenant_id = ?")) {
            ps.setObject(1, id);
            ps.setString(2, callers.current().tenant());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot delete the document: " + e.getMessage(), e);
        }
        return Response.noContent().build();
    }

    @PUT
    @Path("{id}/acl")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Set a document's access list by hand", description = "Takes effect on the next request and pins the list. Admins only.")
    public DocumentView setAcl(@PathParam("id") UUID id, @NotNull AccessList acl) {
        readable(id);
        store.pinAcl(id, acl.toPrincipals());
        return readable(id);
    }

    @DELETE
    @Path("{id}/acl")
    @RolesAllowed(Caller.ADMIN)
    @Operation(summary = "Unpin a document's access list", description = "It gets the source override or its connector's list again at once.")
    public DocumentView unpin(@PathParam("id") UUID id) {
        readable(id);
        store.pinAcl(id, null);
        return readable(id);
    }

    private DocumentView readable(UUID id) {
        Caller caller = callers.current();
        List<DocumentView> found = caller.isAdmin()
                ? query("SELECT " + COLUMNS + " FROM document WHERE id = ? AND tenant_id = ?", id, caller.tenant())
                : query("SELECT " + COLUMNS + " FROM document WHERE id = ? AND tenant_id = ? AND acl && ?::text[]", id, caller.tenant(), caller.principals());
        if (found.isEmpty()) throw ApiException.notFound("document " + id);
        return found.get(0);
    }

    private List<DocumentView> query(String sql, Object... args) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            List<DocumentView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new DocumentView(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8), rs.getInt(9), rs.getTimestamp(10).toInstant(),
                            AccessList.fromPrincipals((String[]) rs.getArray(11).getArray()), rs.getBoolean(12)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read documents: " + e.getMessage(), e);
        }
    }
}
