package dev.lore.web;

import dev.lore.connector.ConnectorRegistry;
import dev.lore.connector.DocumentResource;
import dev.lore.connector.SourceResource;
import dev.lore.platform.ApiException;
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
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Console: sources (add one through a form generated from its connector's configuration, sync, live progress, runs,
 * per-document failures, delete) and documents (browse, search, chunks, access list, delete). Admins and curators;
 * every action goes through the API's own resource, with its checks.
 */
@Path("/console")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR})
@Produces(MediaType.TEXT_HTML)
public class ConsoleSources {

    @Inject Pages pages;
    @Inject Callers callers;
    @Inject SourceResource sources;
    @Inject DocumentResource documents;
    @Inject ConnectorRegistry connectors;
    @Inject ConsoleQueries queries;

    @Inject @Location("console/sources.html") Template list;
    @Inject @Location("console/source.html") Template detail;
    @Inject @Location("console/runs.html") Template runs;
    @Inject @Location("console/run.html") Template run;
    @Inject @Location("console/documents.html") Template documentList;
    @Inject @Location("console/document.html") Template document;

    @GET
    public Response home() {
        return Response.seeOther(URI.create("/console/sources")).build();
    }

    @GET
    @Path("sources")
    public TemplateInstance sources(@QueryParam("ok") String ok, @QueryParam("error") String error, @QueryParam("type") String type) {
        String chosen = type != null && connectors.find(type).isPresent() ? type : connectors.types().stream().findFirst().orElse(null);
        Map<String, List<ConfigForm.Field>> forms = new LinkedHashMap<>();
        for (String t : connectors.types()) forms.put(t, ConfigForm.fields(configType(t)));
        return page(list, "sources", ok, error).data("sources", sources.list()).data("types", List.copyOf(connectors.types()))
                .data("type", chosen).data("fields", chosen == null ? List.of() : forms.get(chosen))
                .data("lastRun", queries.lastRunStatus(callers.current().tenant()));
    }

    @POST
    @Path("sources")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(MultivaluedMap<String, String> form) {
        Map<String, String> values = new HashMap<>();
        form.forEach((k, v) -> values.put(k, v.isEmpty() ? null : v.get(0)));
        String type = values.getOrDefault("type", "");
        return Flash.run("/console/sources?type=" + type, "Source added.", () -> {
            if (connectors.find(type).isEmpty()) throw ApiException.badRequest("unknown source type " + type);
            Map<String, Object> config = ConfigForm.read(configType(type), values);
            String name = values.get("name") == null ? "" : values.get("name").strip();
            if (name.isEmpty()) throw ApiException.badRequest("a name is needed");
            Response r = sources.create(new SourceResource.CreateSource(type, name, config));
            return "/console/sources/" + ((SourceResource.SourceView) r.getEntity()).id();
        });
    }

    @GET
    @Path("sources/{id}")
    public TemplateInstance source(@PathParam("id") UUID id, @QueryParam("ok") String ok, @QueryParam("error") String error) {
        return runsData(page(detail, "sources", ok, error), id);
    }

    /** The runs section: live progress of a running sync (polled every second while it runs) and the run history. */
    @GET
    @Path("sources/{id}/runs")
    public TemplateInstance runsFragment(@PathParam("id") UUID id) {
        return runsData(pages.page(runs.instance()), id);
    }

    private TemplateInstance runsData(TemplateInstance t, UUID id) {
        SourceResource.SourceView s = sources.get(id);
        List<SourceResource.RunView> history = sources.runs(id, 20);
        SourceResource.RunView current = !history.isEmpty() && "running".equals(history.get(0).status()) ? history.get(0) : null;
        return t.data("source", s).data("runs", history).data("current", current);
    }

    @POST
    @Path("sources/{id}/sync")
    public Response sync(@PathParam("id") UUID id) {
        return Flash.run("/console/sources/" + id, "Sync started.", () -> {
            sources.sync(id);
            return "/console/sources/" + id;
        });
    }

    @POST
    @Path("sources/{id}/runs/{runId}/cancel")
    public Response cancel(@PathParam("id") UUID id, @PathParam("runId") UUID runId) {
        return Flash.run("/console/sources/" + id, "Cancelling: the sync stops after the page in hand.", () -> {
            sources.cancel(id, runId);
            return "/console/sources/" + id;
        });
    }

    @POST
    @Path("sources/{id}/delete")
    public Response delete(@PathParam("id") UUID id) {
        return Flash.run("/console/sources/" + id, "Source deleted.", () -> {
            try {
                sources.delete(id);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "Service Unavailable", "interrupted");
            }
            return "/console/sources";
        });
    }

    @GET
    @Path("sources/{id}/runs/{runId}")
    public TemplateInstance run(@PathParam("id") UUID id, @PathParam("runId") UUID runId, @QueryParam("status") String status) {
        String filter = status == null ? "failed" : status.equals("all") ? null : status;
        return page(run, "sources", null, null).data("source", sources.get(id)).data("run", sources.run(id, runId))
                .data("items", sources.runDocuments(id, runId, filter, 1000, 0)).data("status", filter == null ? "all" : filter)
                .data("statuses", List.of("failed", "indexed", "unchanged", "skipped", "deleted", "all"));
    }

    @GET
    @Path("documents")
    public TemplateInstance documents(@QueryParam("source") UUID source, @QueryParam("q") String q, @QueryParam("offset") Integer offset,
                                      @QueryParam("ok") String ok, @QueryParam("error") String error) {
        int from = offset == null ? 0 : Math.max(0, offset);
        return page(documentList, "documents", ok, error).data("sources", sources.list()).data("source", source).data("q", q == null ? "" : q)
                .data("docs", documents.list(source, q, 51, from)).data("offset", from);
    }

    @GET
    @Path("documents/{id}")
    public TemplateInstance document(@PathParam("id") UUID id) {
        DocumentResource.DocumentView d = documents.get(id);
        return page(document, "documents", null, null).data("doc", d).data("chunks", documents.chunks(id))
                .data("source", sources.get(d.sourceId()));
    }

    @POST
    @Path("documents/{id}/delete")
    public Response deleteDocument(@PathParam("id") UUID id) {
        return Flash.run("/console/documents/" + id, "Document deleted. A later sync indexes it again if the source still has it.", () -> {
            documents.delete(id);
            return "/console/documents";
        });
    }

    private TemplateInstance page(Template t, String section, String ok, String error) {
        return pages.page(t.instance()).data("section", section).data("ok", ok).data("error", error);
    }

    @SuppressWarnings("unchecked")
    private Class<? extends Record> configType(String type) {
        return (Class<? extends Record>) connectors.find(type).orElseThrow().configType();
    }
}
