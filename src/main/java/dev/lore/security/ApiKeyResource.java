package dev.lore.security;

import dev.lore.platform.ApiException;
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
public class ApiKeyResource {

    @Inject ApiKeys keys;

    /**
     * A new key.
     *
     * @param name the client application
     * @param ratePerMinute requests per minute (1..100,000, default 60)
     */
    public record CreateKey(@NotBlank String name, @Min(1) @Max(100_000) Integer ratePerMinute) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API key", description = "201 with the key; it is never shown again (only its hash is kept).")
    public Response create(@Valid @NotNull CreateKey body) {
        ApiKeys.Created created = keys.create("default", body.name(), body.ratePerMinute() == null ? 60 : body.ratePerMinute());
        return Response.status(201).entity(created).build();
    }

    @GET
    @Operation(summary = "List API keys (never the keys themselves)")
    public List<ApiKeys.ApiKey> list() {
        return keys.list("default");
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Revoke an API key", description = "Takes effect on the next request.")
    public Response revoke(@PathParam("id") UUID id) {
        if (!keys.revoke("default", id)) throw ApiException.notFound("active API key " + id);
        return Response.noContent().build();
    }
}
