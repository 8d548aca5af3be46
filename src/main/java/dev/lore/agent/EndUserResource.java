package dev.lore.agent;

import dev.lore.platform.ApiException;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** End users' long-term memory: list, delete one, or erase everything about a user ({@code /api/v1/end-users}). */
@Path("/api/v1/end-users/{endUserId}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "End users")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR, Caller.USER})
public class EndUserResource {

    @Inject Callers callers;

    /**
     * The caller's tenant, if the caller may manage this end user's data: the tenant's admins, client applications
     * (API keys, which speak for their end users), and the end user themself (a signed-in user whose name is the id).
     * Others get 404.
     */
    private String allowed(String endUserId) {
        Caller c = callers.current();
        if (c.isAdmin() || c.username().startsWith("apikey:") || c.username().equals(endUserId)) return c.tenant();
        throw ApiException.notFound("end user " + endUserId);
    }


    @Inject UserMemoryStore store;

    @GET
    @Path("memories")
    @Operation(summary = "List an end user's memories, newest first")
    public List<UserMemoryStore.Memory> memories(@PathParam("endUserId") String endUserId) {
        return store.list(allowed(endUserId), endUserId);
    }

    @DELETE
    @Path("memories/{memoryId}")
    @Operation(summary = "Delete one memory")
    public void forget(@PathParam("endUserId") String endUserId, @PathParam("memoryId") UUID memoryId) {
        if (!store.forget(allowed(endUserId), endUserId, memoryId)) throw ApiException.notFound("memory " + memoryId);
    }

    @DELETE
    @Operation(summary = "Erase an end user (right to be forgotten)",
            description = "Deletes every memory, conversation, message and audit event of the end user.")
    public Map<String, Integer> erase(@PathParam("endUserId") String endUserId) {
        int[] n = store.eraseUser(allowed(endUserId), endUserId);
        return Map.of("memoriesDeleted", n[0], "conversationsDeleted", n[1]);
    }
}
