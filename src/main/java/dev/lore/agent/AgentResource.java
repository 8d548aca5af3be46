package dev.lore.agent;

import dev.lore.platform.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
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
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Agents as data: {@code /api/v1/agents}. */
@Path("/api/v1/agents")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Agents")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR, Caller.USER})
public class AgentResource {

    @Inject ToolRegistry tools;
    @Inject AgentService agents;
    @Inject Callers callers;

    /**
     * An agent's definition (create, update and read).
     *
     * @param name unique name
     * @param description what it is for
     * @param systemPrompt its instructions
     * @param model model name at the server, or null for the server default
     * @param temperature sampling temperature, or null
     * @param tools names of the tools it may call (see {@code GET /api/v1/agents/tools})
     * @param sourceIds sources its search may use; null = all
     * @param maxModelCalls model calls per turn (1..50, default 6)
     * @param maxToolCalls tool calls per turn (0..200, default 12)
     * @param toolTimeoutMs per tool call (default 10,000)
     * @param turnTimeoutMs per turn (default 120,000)
     * @param memoryTokens conversation window budget (default 3,000)
     */
    public record AgentBody(@NotBlank @jakarta.validation.constraints.Pattern(regexp = "(?!" + UUID_SHAPE + ")[A-Za-z0-9_.-]{1,64}",
                                    message = "1 to 64 letters, digits, '_', '-' or '.', and not shaped like an id (agents are addressed by id or name)") String name,
                            String description, @NotBlank String systemPrompt, String model,
                            @jakarta.validation.constraints.DecimalMin("0") @jakarta.validation.constraints.DecimalMax("2") Double temperature,
                            List<String> tools, List<UUID> sourceIds,
                            @Min(1) @Max(50) Integer maxModelCalls, @Min(0) @Max(200) Integer maxToolCalls,
                            @Min(100) Integer toolTimeoutMs, @Min(1000) Integer turnTimeoutMs, @Min(200) Integer memoryTokens) {}

    /** An agent as the API shows it. */
    public record AgentView(UUID id, String name, String description, String systemPrompt, String model, Double temperature,
                            List<String> tools, List<UUID> sourceIds, int maxModelCalls, int maxToolCalls, int toolTimeoutMs,
                            int turnTimeoutMs, int memoryTokens, Instant createdAt, Instant updatedAt) {}

    /** A tool as the API shows it. */
    public record ToolView(String name, String description, Object parameters, boolean readOnly) {}

    @GET
    @Operation(summary = "List agents")
    public List<AgentView> list() {
        return QuarkusTransaction.requiringNew().call(() -> Agent.<Agent>list("tenantId = ?1 order by name", tenant())).stream().map(AgentResource::view).toList();
    }

    @GET
    @Path("tools")
    @Operation(summary = "List the tools agents can use")
    public List<ToolView> listTools() {
        return tools.names(tenant()).stream().map(n -> tools.find(tenant(), n).orElseThrow())
                .map(t -> new ToolView(t.name(), t.description(), t.parameters(), t.readOnly())).toList();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get an agent by id or name")
    public AgentView get(@PathParam("id") String id) {
        return view(agents.find(tenant(), id));
    }

    @POST
    @RolesAllowed({Caller.ADMIN, Caller.CURATOR})
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an agent")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "201", description = "created; Location names the agent", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = AgentView.class)))
    public Response create(@Valid @NotNull AgentBody body) {
        validateTools(body);
        Agent a = new Agent();
        a.id = UUID.randomUUID();
        a.tenantId = tenant();
        a.createdAt = Instant.now();
        apply(a, body);
        QuarkusTransaction.requiringNew().run(() -> {
            if (Agent.count("tenantId = ?1 and name = ?2", a.tenantId, a.name) > 0) {
                throw ApiException.conflict("an agent named '" + a.name + "' already exists");
            }
            a.persist();
        });
        return Response.created(URI.create("/api/v1/agents/" + a.id)).entity(view(a)).build();
    }

    @PUT
    @RolesAllowed({Caller.ADMIN, Caller.CURATOR})
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replace an agent's definition")
    public AgentView update(@PathParam("id") String id, @Valid @NotNull AgentBody body) {
        validateTools(body);
        UUID agentId = agents.find(tenant(), id).id;
        return QuarkusTransaction.requiringNew().call(() -> {
            Agent a = Agent.findById(agentId);
            if (!a.name.equals(body.name()) && Agent.count("tenantId = ?1 and name = ?2", a.tenantId, body.name()) > 0) {
                throw ApiException.conflict("an agent named '" + body.name() + "' already exists");
            }
            apply(a, body);
            return view(a);
        });
    }

    @DELETE
    @RolesAllowed({Caller.ADMIN, Caller.CURATOR})
    @Path("{id}")
    @Operation(summary = "Delete an agent (not the default one, nor one with conversations)")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "deleted")
    public Response delete(@PathParam("id") String id) {
        Agent a = agents.find(tenant(), id);
        if (Agent.DEFAULT_NAME.equals(a.name)) throw ApiException.conflict("the default agent cannot be deleted");
        QuarkusTransaction.requiringNew().run(() -> {
            if (Conversation.count("agentId", a.id) > 0) {
                throw ApiException.conflict("agent '" + a.name + "' has conversations; it cannot be deleted");
            }
            Agent.deleteById(a.id);
        });
        return Response.noContent().build();
    }

    /** A UUID's shape: a name like that would be taken for another agent's id in {@code /agents/{id}}. */
    static final String UUID_SHAPE = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

    private void validateTools(AgentBody body) {
        if (body.tools() != null) {
            for (String t : body.tools()) {
                if (tools.find(tenant(), t).isEmpty()) throw ApiException.badRequest("unknown tool '" + t + "'; available: " + tools.names(tenant()));
            }
            if (new java.util.HashSet<>(body.tools()).size() != body.tools().size()) throw ApiException.badRequest("tools: a tool is listed twice");
        }
        if (body.sourceIds() != null && !body.sourceIds().isEmpty()) {
            // another tenant's or a deleted source would silently search nothing
            String tenant = tenant();
            List<UUID> unknown = QuarkusTransaction.requiringNew().call(() -> body.sourceIds().stream()
                    .filter(id -> dev.lore.connector.Source.count("id = ?1 and tenantId = ?2", id, tenant) == 0).toList());
            if (!unknown.isEmpty()) throw ApiException.badRequest("sourceIds: no source " + unknown.getFirst() + " in this tenant");
        }
    }

    private static void apply(Agent a, AgentBody b) {
        a.name = b.name();
        a.description = b.description();
        a.systemPrompt = b.systemPrompt();
        a.model = b.model();
        a.temperature = b.temperature();
        a.tools = b.tools() == null ? new String[0] : b.tools().toArray(String[]::new);
        a.sourceIds = b.sourceIds() == null ? null : b.sourceIds().toArray(UUID[]::new);
        a.maxModelCalls = b.maxModelCalls() == null ? 6 : b.maxModelCalls();
        a.maxToolCalls = b.maxToolCalls() == null ? 12 : b.maxToolCalls();
        a.toolTimeoutMs = b.toolTimeoutMs() == null ? 10_000 : b.toolTimeoutMs();
        a.turnTimeoutMs = b.turnTimeoutMs() == null ? 120_000 : b.turnTimeoutMs();
        a.memoryTokens = b.memoryTokens() == null ? 3_000 : b.memoryTokens();
        a.updatedAt = Instant.now();
    }

    static AgentView view(Agent a) {
        return new AgentView(a.id, a.name, a.description, a.systemPrompt, a.model, a.temperature, List.of(a.tools),
                a.sourceIds == null ? null : List.of(a.sourceIds), a.maxModelCalls, a.maxToolCalls, a.toolTimeoutMs,
                a.turnTimeoutMs, a.memoryTokens, a.createdAt, a.updatedAt);
    }

    private String tenant() {
        return callers.current().tenant();
    }
}
