package dev.lore.security;

import dev.lore.platform.ApiException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** API keys of client applications: {@code /api/v1/api-keys}. The key is shown once, at creation. */
@Path("/api/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "API keys")
@RolesAllowed(Caller.ADMIN)
public class ApiKeyResource {

    @Inject ApiKeys keys;
    @Inject Callers callers;

    /**
     * A new key.
     *
     * @param name the client application
     * @param ratePerMinute requests per minute (1..100,000, default 60)
     * @param roles roles of the key's service identity ({@code user}, {@code curator}, {@code admin}); default {@code [user]}
     * @param groups groups of the key's service identity, for document access lists; default none
     */
    public record CreateKey(@NotBlank @jakarta.validation.constraints.Size(max = 100)
                            // ':' ends the key's part of its end users' ids (ext:<key name>:<id>): key "a" with end user
                            // "b:c" and key "a:b" with end user "c" would be one person
                            @jakarta.validation.constraints.Pattern(regexp = "[^:]+", message = "must not contain ':'") String name, @Min(1) @Max(100_000) Integer ratePerMinute,
                            List<String> roles, List<String> groups) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API key", description = "201 with the key; it is never shown again (only its hash is kept).")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "201", description = "created; the only time the key itself is returned", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = dev.lore.security.ApiKeys.Created.class)))
    public Response create(@Valid @NotNull CreateKey body) {
        List<String> roles = body.roles() == null || body.roles().isEmpty() ? List.of(Caller.USER) : List.copyOf(new java.util.TreeSet<>(body.roles()));
        for (String r : roles) {
            if (!KeycloakDirectory.ROLES.contains(r)) throw ApiException.badRequest("unknown role " + r + "; known: " + String.join(", ", KeycloakDirectory.ROLES));
        }
        List<String> groups = body.groups() == null ? List.of() : new AccessList(List.of(), body.groups(), false).groups();
        ApiKeys.Created created = keys.create(callers.current().tenant(), body.name().strip(),
                body.ratePerMinute() == null ? 60 : body.ratePerMinute(), roles, groups);
        return Response.status(201).entity(created).build();
    }

    @GET
    @Operation(summary = "List API keys (never the keys themselves)")
    public List<ApiKeys.ApiKey> list() {
        return keys.list(callers.current().tenant());
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Revoke an API key", description = "Takes effect on the next request.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "revoked")
    public Response revoke(@PathParam("id") UUID id) {
        if (!keys.revoke(callers.current().tenant(), id)) throw ApiException.notFound("active API key " + id);
        return Response.noContent().build();
    }
}
