package dev.lore.web;

import dev.lore.agent.AgentResource;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.RestForm;

/** Console: agents (list, create, edit, limits), the tools they may call, and the tenant's recent agent audit trail. */
@Path("/console/agents")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR})
@Produces(MediaType.TEXT_HTML)
public class ConsoleAgents {

    @Inject Pages pages;
    @Inject Callers callers;
    @Inject AgentResource agents;
    @Inject ConsoleQueries queries;
    @Inject dev.lore.agent.AgentService agentService;

    @Inject @Location("console/agents.html") Template list;
    @Inject @Location("console/agent.html") Template edit;

    @GET
    public TemplateInstance agents(@QueryParam("ok") String ok, @QueryParam("error") String error) {
        agentService.ensureDefault(callers.current().tenant());
        return pages.page(list.instance()).data("section", "agents").data("ok", ok).data("error", error)
                .data("agents", agents.list()).data("tools", agents.listTools()).data("audit", queries.audit(callers.current().tenant(), 30));
    }

    @GET
    @Path("new")
    public TemplateInstance create(@QueryParam("error") String error) {
        AgentResource.AgentView blank = new AgentResource.AgentView(null, "", "", "", null, null, List.of("search_knowledge"), null,
                6, 12, 10_000, 120_000, 3000, null, null);
        return form(blank, error);
    }

    @GET
    @Path("{id}")
    public TemplateInstance edit(@PathParam("id") String id, @QueryParam("ok") String ok, @QueryParam("error") String error) {
        return form(agents.get(id), error).data("ok", ok);
    }

    private TemplateInstance form(AgentResource.AgentView a, String error) {
        return pages.page(edit.instance()).data("section", "agents").data("ok", null).data("error", error).data("a", a)
                .data("tools", agents.listTools());
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response save(@RestForm String id, @RestForm String name, @RestForm String description, @RestForm String systemPrompt,
                         @RestForm String model, @RestForm String temperature, @RestForm List<String> tools,
                         @RestForm Integer maxModelCalls, @RestForm Integer maxToolCalls, @RestForm Integer toolTimeoutMs,
                         @RestForm Integer turnTimeoutMs, @RestForm Integer memoryTokens) {
        boolean isNew = id == null || id.isBlank();
        return Flash.run(isNew ? "/console/agents/new" : "/console/agents/" + id, isNew ? "Agent created." : "Agent saved.", () -> {
            Double temp;
            try {
                temp = temperature == null || temperature.isBlank() ? null : Double.valueOf(temperature.strip());
            } catch (NumberFormatException e) {
                throw dev.lore.platform.ApiException.badRequest("temperature must be a number");
            }
            AgentResource.AgentBody body = new AgentResource.AgentBody(trim(name), trim(description), trim(systemPrompt), trim(model), temp,
                    tools == null ? List.of() : tools, isNew ? null : agents.get(id).sourceIds(), maxModelCalls, maxToolCalls, toolTimeoutMs, turnTimeoutMs, memoryTokens);
            if (isNew) {
                AgentResource.AgentView v = (AgentResource.AgentView) agents.create(body).getEntity();
                return "/console/agents/" + v.id();
            }
            return "/console/agents/" + agents.update(id, body).id();
        });
    }

    private static String trim(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
