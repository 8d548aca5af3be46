package dev.lore.web;

import dev.lore.chat.ModelServer;
import dev.lore.embedding.EmbeddingService;
import dev.lore.platform.ApiException;
import dev.lore.retrieval.HybridRetriever;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchResult;
import dev.lore.security.Caller;
import dev.lore.security.Callers;
import dev.lore.security.KeycloakDirectory;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.ForbiddenException;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Console: the search playground (an admin runs a query as any person of the tenant and sees the vector, full-text and
 * fused scores) and the system page (model server reachability and latency, embedding model, index size, recent errors).
 */
@Path("/console")
@RolesAllowed({Caller.ADMIN, Caller.CURATOR})
@Produces(MediaType.TEXT_HTML)
public class ConsoleSearch {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Inject Pages pages;
    @Inject Callers callers;
    @Inject HybridRetriever retriever;
    @Inject KeycloakDirectory directory;
    @Inject ModelServer models;
    @Inject EmbeddingService embeddings;
    @Inject ConsoleQueries queries;

    @Inject @Location("console/search.html") Template search;
    @Inject @Location("console/system.html") Template system;

    @GET
    @Path("search")
    public TemplateInstance search(@QueryParam("q") String q, @QueryParam("as") String as, @QueryParam("mode") String mode) {
        Caller me = callers.current();
        String chosenMode = mode == null || mode.isBlank() ? "hybrid" : mode.toLowerCase(Locale.ROOT);
        TemplateInstance t = pages.page(search.instance()).data("section", "search").data("ok", null).data("q", q == null ? "" : q)
                .data("as", as == null ? "" : as.strip()).data("mode", chosenMode).data("modes", List.of("hybrid", "vector", "fulltext"));
        List<SearchResult> results = List.of();
        Caller who = me;
        String error = null;
        try {
            if (as != null && !as.isBlank() && !as.strip().equals(me.username())) {
                if (!me.isAdmin()) throw new ForbiddenException("only admins may search as another person");
                who = directory.callerOf(me.tenant(), as.strip());
            }
            if (q != null && !q.isBlank()) {
                SearchMode m = SearchMode.valueOf(chosenMode.toUpperCase(Locale.ROOT));
                results = retriever.search(q.strip(), 10, SearchFilters.NONE, m, who);
            }
        } catch (ApiException e) {
            error = e.getMessage();
        } catch (IllegalArgumentException e) {
            error = "mode must be hybrid, vector or fulltext";
        }
        List<KeycloakDirectory.User> users = me.isAdmin() ? directory.users(me.tenant(), null, 0, 500) : List.of();
        return t.data("error", error).data("results", results).data("who", who).data("users", users);
    }

    @GET
    @Path("system")
    public TemplateInstance system() {
        Caller me = callers.current();
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("baseUrl", models.config().baseUrl());
        model.put("enabled", models.config().enabled());
        model.put("configuredName", models.config().name().orElse("(first model the server lists)"));
        model.putAll(probe(models.config().baseUrl()));
        model.put("name", models.modelName().orElse("–"));
        Map<String, Object> embedding = Map.of("name", embeddings.modelName(), "dimension", embeddings.dimension(),
                "reembedNeeded", embeddings.indexNeedsReembed());
        return pages.page(system.instance()).data("section", "system").data("ok", null).data("error", null).data("model", model)
                .data("embedding", embedding).data("index", queries.indexStats(me.tenant())).data("errors", queries.recentErrors(me.tenant(), 30));
    }

    /** GET {base}/models: reachable?, HTTP status, latency in ms. */
    private static Map<String, Object> probe(String baseUrl) {
        Map<String, Object> out = new LinkedHashMap<>();
        long start = System.nanoTime();
        try {
            String url = (baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl) + "/models";
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            out.put("reachable", r.statusCode() < 500);
            out.put("status", "HTTP " + r.statusCode());
        } catch (java.io.IOException | IllegalArgumentException e) {
            out.put("reachable", false);
            out.put("status", e instanceof java.net.ConnectException ? "connection refused" : e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.put("reachable", false);
            out.put("status", "interrupted");
        }
        out.put("latencyMs", (System.nanoTime() - start) / 1_000_000);
        return out;
    }
}
