package dev.lore.retail;

import dev.lore.platform.ApiException;
import dev.lore.security.Caller;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.nio.file.Files;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The retail customer-service demo (tau2-bench retail): {@code /api/v1/demo/retail}. */
@Path("/api/v1/demo/retail")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Demo")
@RolesAllowed(Caller.ADMIN)
public class RetailResource {

    @Inject dev.lore.security.Callers callers;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "lore.security.default-tenant", defaultValue = "default")
    String demoTenant;

    @Inject RetailImporter importer;
    @Inject RetailState state;

    /** @param path a db.json on the server's disk; policy.md next to it becomes the agent's prompt */
    public record ImportBody(String path) {}

    @POST
    @Path("/import")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace the retail tables with a tau2 retail db.json and (re)create the retail-support agent")
    public RetailImporter.Result importDb(ImportBody body) {
        // the demo's tables are shared, not per tenant: only the default tenant's admins may replace them
        if (!demoTenant.equals(callers.current().tenant())) throw ApiException.notFound("the retail demo");
        if (body == null || body.path() == null || body.path().isBlank()) throw ApiException.badRequest("path is required");
        java.nio.file.Path p = java.nio.file.Path.of(body.path());
        if (!p.getFileName().toString().endsWith(".json") || !Files.isRegularFile(p)) {
            throw ApiException.badRequest("path must name a tau2 retail db.json file");
        }
        try {
            return importer.importFile(p);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            // never echo the file's content (a parse error quotes it)
            throw ApiException.badRequest("not a tau2 retail db.json: " + e.getClass().getSimpleName());
        }
    }

    @GET
    @Path("/state")
    @Operation(summary = "SHA-256 of the retail database's canonical JSON")
    public Map<String, String> hash() {
        return Map.of("hash", state.hash());
    }
}
