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

    private String tenant() {
        return callers.current().tenant();
    }

    /** The stored end user the path names for this caller ({@link EndUsers#forPath}); 404 for anyone else's. */
    private String user(String endUserId) {
        return EndUsers.forPath(callers.current(), endUserId);
    }


    @Inject UserMemoryStore store;

    @GET
    @Path("memories")
    @Operation(summary = "List an end user's memories, newest first")
    public List<UserMemoryStore.Memory> memories(@PathParam("endUserId") String endUserId) {
        return store.list(tenant(), user(endUserId));
    }

    @DELETE
    @Path("memories/{memoryId}")
    @Operation(summary = "Delete one memory")
    public void forget(@PathParam("endUserId") String endUserId, @PathParam("memoryId") UUID memoryId) {
        if (!store.forget(tenant(), user(endUserId), memoryId)) throw ApiException.notFound("memory " + memoryId);
    }

    @DELETE
    @Operation(summary = "Erase an end user (right to be forgotten)",
            description = "Deletes every memory, conversation, message, audit event and rating of the end user, and the eval cases made from the user's turns.")
    public Map<String, Integer> erase(@PathParam("endUserId") String endUserId) {
        int[] n = store.eraseUser(tenant(), user(endUserId));
        return Map.of("memoriesDeleted", n[0], "conversationsDeleted", n[1], "evalCasesDeleted", n[2]);
    }
}
