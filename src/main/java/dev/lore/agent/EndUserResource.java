package dev.lore.agent;

import dev.lore.platform.ApiException;
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
public class EndUserResource {

    @Inject UserMemoryStore store;

    @GET
    @Path("memories")
    @Operation(summary = "List an end user's memories, newest first")
    public List<UserMemoryStore.Memory> memories(@PathParam("endUserId") String endUserId) {
        return store.list("default", endUserId);
    }

    @DELETE
    @Path("memories/{memoryId}")
    @Operation(summary = "Delete one memory")
    public void forget(@PathParam("endUserId") String endUserId, @PathParam("memoryId") UUID memoryId) {
        if (!store.forget("default", endUserId, memoryId)) throw ApiException.notFound("memory " + memoryId);
    }

    @DELETE
    @Operation(summary = "Erase an end user (right to be forgotten)",
            description = "Deletes every memory, conversation, message and audit event of the end user.")
    public Map<String, Integer> erase(@PathParam("endUserId") String endUserId) {
        int[] n = store.eraseUser("default", endUserId);
        return Map.of("memoriesDeleted", n[0], "conversationsDeleted", n[1]);
    }
}
