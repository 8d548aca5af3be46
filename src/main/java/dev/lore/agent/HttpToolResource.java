package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.platform.ApiException;
import dev.lore.security.Caller;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * HTTP tools: declare one from a JSON description, or many from an OpenAPI 3 document ({@code /api/v1/tools/http}).
 * Secrets are referenced by name only ({@code authSecret}); their values come from the environment.
 */
@Path("/api/v1/tools/http")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Tools")
@RolesAllowed(Caller.ADMIN)
public class HttpToolResource {

    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");

    @Inject HttpToolStore store;
    @Inject dev.lore.security.Callers callers;
    @Inject ToolRegistry registry;
    @Inject ObjectMapper json;

    /**
     * A JSON description of one HTTP tool.
     *
     * @param name tool name (letters, digits, '_' and '-')
     * @param description for the model: what it does, when to use it
     * @param method GET, POST, PUT, PATCH or DELETE
     * @param url URL template with {@code {argument}} placeholders
     * @param parameters JSON Schema (object) of the arguments
     * @param allowedHosts hosts the tool may call; default: the URL's host
     * @param authHeader header for the secret, e.g. {@code Authorization}
     * @param authSecret secret name (env {@code LORE_SECRET_<NAME>} or config {@code lore.secrets.<name>})
     * @param authPrefix e.g. {@code "Bearer "}
     * @param readOnly default: true for GET
     * @param requiresConfirmation default: false
     * @param timeoutMs default 10,000
     */
    public record HttpToolBody(@NotBlank @Pattern(regexp = "[A-Za-z0-9_-]{1,64}") String name, @NotBlank String description,
                               @NotBlank String method, @NotBlank String url, @NotNull JsonNode parameters, List<String> allowedHosts,
                               String authHeader, String authSecret, String authPrefix, Boolean readOnly,
                               Boolean requiresConfirmation, Integer timeoutMs) {}

    /**
     * An OpenAPI 3 import: each operation with an operationId becomes a tool.
     *
     * @param document the OpenAPI document (JSON)
     * @param baseUrl overrides the document's first server URL
     * @param allowedHosts default: the base URL's host
     * @param authHeader header for the secret
     * @param authSecret secret name
     * @param authPrefix e.g. {@code "Bearer "}
     * @param confirmWrites side-effecting operations (not GET/HEAD) require confirmation; default true
     */
    public record OpenApiImport(@NotNull JsonNode document, String baseUrl, List<String> allowedHosts, String authHeader,
                                String authSecret, String authPrefix, Boolean confirmWrites) {}

    /** A tool as listed (no secret values, only the secret's name; the prefix, e.g. {@code "Bearer "}, as declared). */
    public record HttpToolView(String name, String description, String method, String url, JsonNode parameters,
                               List<String> allowedHosts, String authHeader, String authSecret, String authPrefix, boolean readOnly,
                               boolean requiresConfirmation, int timeoutMs) {}

    @GET
    @Operation(summary = "List HTTP tools")
    public List<HttpToolView> list() {
        return store.all(callers.current().tenant()).stream().map(HttpToolResource::view).toList();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Declare (or replace) an HTTP tool from a JSON description")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "201", description = "created; Location names the tool", content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = "application/json", schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = HttpToolView.class)))
    public Response create(@Valid @NotNull HttpToolBody b) {
        HttpTool t = build(b.name(), b.description(), b.method(), b.url(), b.parameters(), b.allowedHosts(), b.authHeader(),
                b.authSecret(), b.authPrefix(), b.readOnly(), b.requiresConfirmation(), b.timeoutMs());
        store.save(callers.current().tenant(), t);
        return Response.created(URI.create("/api/v1/tools/http/" + t.name())).entity(view(t)).build();
    }

    @POST
    @Path("openapi")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Declare HTTP tools from an OpenAPI 3 document", description = "One tool per operation with an operationId.")
    public List<HttpToolView> importOpenApi(@Valid @NotNull OpenApiImport body) {
        JsonNode doc = body.document();
        if (!doc.isObject() || !doc.path("openapi").asText("").startsWith("3.")) {
            throw ApiException.badRequest("document must be an OpenAPI 3 document as a JSON object"
                    + (doc.has("swagger") ? " (this is Swagger " + doc.path("swagger").asText() + "; convert it to OpenAPI 3 first)"
                    : doc.isTextual() ? " (a string was sent: send the document itself, not its text)" : " (no \"openapi\": \"3.x\" field)"));
        }
        String base = body.baseUrl() != null ? body.baseUrl() : doc.path("servers").path(0).path("url").asText(null);
        if (base == null || base.isBlank()) throw ApiException.badRequest("the document has no servers[0].url; give baseUrl");
        List<HttpTool> tools = new ArrayList<>();
        doc.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            String method = op.getKey().toUpperCase(Locale.ROOT);
            JsonNode o = op.getValue();
            if (!METHODS.contains(method) || !o.hasNonNull("operationId")) return;
            ObjectNode schema = json.createObjectNode().put("type", "object");
            ObjectNode props = schema.putObject("properties");
            ArrayNode required = schema.putArray("required");
            List<JsonNode> params = new ArrayList<>();
            path.getValue().path("parameters").forEach(params::add);
            o.path("parameters").forEach(params::add);
            for (JsonNode p : params) {
                p = resolve(doc, p);
                if (!Set.of("path", "query").contains(p.path("in").asText())) continue;
                ObjectNode ps = resolve(doc, p.path("schema")).deepCopy();
                if (p.hasNonNull("description")) ps.put("description", p.get("description").asText());
                props.set(p.path("name").asText(), ps);
                if (p.path("required").asBoolean(false) || "path".equals(p.path("in").asText())) required.add(p.path("name").asText());
            }
            JsonNode bodySchema = resolve(doc, o.path("requestBody").path("content").path("application/json").path("schema"));
            bodySchema.path("properties").properties().forEach(e -> props.set(e.getKey(), resolve(doc, e.getValue())));
            bodySchema.path("required").forEach(required::add);
            String description = o.path("summary").asText(o.path("description").asText(o.get("operationId").asText()));
            boolean readOnly = method.equals("GET");
            tools.add(build(o.get("operationId").asText().replaceAll("[^A-Za-z0-9_-]", "_"), description, method, base + path.getKey(),
                    schema, body.allowedHosts(), body.authHeader(), body.authSecret(), body.authPrefix(), readOnly,
                    !readOnly && (body.confirmWrites() == null || body.confirmWrites()), null));
        }));
        if (tools.isEmpty()) throw ApiException.badRequest("the document has no operations with an operationId");
        String tenant = callers.current().tenant();
        tools.forEach(t -> store.save(tenant, t));
        return tools.stream().map(HttpToolResource::view).toList();
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete an HTTP tool", description = "409 while an agent lists it: its turns would fail and its definition could not be PUT back.")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "204", description = "deleted")
    public Response delete(@PathParam("name") String name) {
        String tenant = callers.current().tenant();
        List<String> users = io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> Agent.<Agent>list("tenantId", tenant).stream()
                .filter(a -> a.tools != null && java.util.Arrays.asList(a.tools).contains(name)).map(a -> a.name).sorted().toList());
        if (!users.isEmpty()) {
            throw ApiException.conflict("HTTP tool " + name + " is used by agent" + (users.size() == 1 ? " " : "s ") + String.join(", ", users)
                    + "; remove it from " + (users.size() == 1 ? "that agent" : "them") + " first");
        }
        if (!store.delete(tenant, name)) throw ApiException.notFound("HTTP tool " + name);
        return Response.noContent().build();
    }

    private HttpTool build(String name, String description, String method, String url, JsonNode parameters, List<String> allowedHosts,
                           String authHeader, String authSecret, String authPrefix, Boolean readOnly, Boolean confirm, Integer timeoutMs) {
        String verb = method.toUpperCase(Locale.ROOT);
        if (!METHODS.contains(verb)) throw ApiException.badRequest("method must be one of " + METHODS);
        if (registry.isBuiltIn(name)) throw ApiException.conflict("'" + name + "' is a built-in tool");
        if (!"object".equals(parameters.path("type").asText())) throw ApiException.badRequest("parameters must be a JSON Schema of type object");
        URI uri;
        try {
            uri = URI.create(url.replaceAll("\\{[A-Za-z0-9_]+}", "x"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("url is not a valid URL template: " + e.getMessage());
        }
        if (!Set.of("http", "https").contains(String.valueOf(uri.getScheme())) || uri.getHost() == null) {
            throw ApiException.badRequest("url must be an absolute http(s) URL");
        }
        if ((authHeader == null) != (authSecret == null)) throw ApiException.badRequest("authHeader and authSecret go together");
        checkSchema(name, description, parameters);
        // a placeholder no argument fills would be sent as written, on every call
        java.util.regex.Matcher placeholder = java.util.regex.Pattern.compile("\\{([A-Za-z0-9_]+)}").matcher(url);
        while (placeholder.find()) {
            if (!parameters.path("properties").has(placeholder.group(1))) {
                throw ApiException.badRequest("url placeholder {" + placeholder.group(1) + "} is not one of the parameters' properties");
            }
        }
        if (timeoutMs != null && (timeoutMs < 1 || timeoutMs > 120_000)) {
            throw ApiException.badRequest("timeoutMs must be from 1 to 120000 (milliseconds), not " + timeoutMs);
        }
        String host = uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost();
        List<String> hosts = allowedHosts == null || allowedHosts.isEmpty() ? List.of(host) : allowedHosts;
        boolean templatedHost = url.replaceFirst("^[A-Za-z]+://", "").split("/", 2)[0].contains("{");
        if (!templatedHost && !hosts.contains(host) && !hosts.contains(uri.getHost())) {
            // every call would be refused by the host check (HttpTool)
            throw ApiException.badRequest("the url's host " + host + " is not in allowedHosts " + hosts);
        }
        return new HttpTool(name, description, verb, url, parameters, hosts, authHeader, authSecret, authPrefix,
                readOnly != null ? readOnly : verb.equals("GET"), confirm != null && confirm, timeoutMs == null ? 10_000 : timeoutMs);
    }

    /**
     * Refuses a parameters schema the agent loop could not validate arguments against: one it cannot compile, or a
     * {@code type} that names no JSON type as the loop's validator reads them ({@code "strng"}: compiled, but every
     * call then failed; {@code "int"} or {@code "String"} are read as integer and string).
     */
    private static void checkSchema(String name, String description, JsonNode parameters) {
        List<String> bad = new java.util.ArrayList<>();
        unknownTypes(parameters, "parameters", bad);
        if (!bad.isEmpty()) throw ApiException.badRequest(bad.getFirst() + " is not a JSON Schema type (object, array, string, integer, number, boolean, null)");
        try {
            new dev.lore.agent.tool.ToolSchemaValidator(List.of(new dev.lore.agent.tool.ToolDefinition(name, description, parameters)));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("parameters: " + e.getMessage());
        }
    }

    private static void unknownTypes(JsonNode node, String path, List<String> bad) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) unknownTypes(node.get(i), path + "[" + i + "]", bad);
            return;
        }
        if (!node.isObject()) return;
        for (var e : node.properties()) {
            JsonNode v = e.getValue();
            String at = path + "." + e.getKey();
            if (e.getKey().equals("type") && (v.isTextual() || v.isArray())) {
                for (JsonNode t : v.isArray() ? v : List.of(v)) {
                    if (!t.isTextual() || !dev.lore.agent.tool.ToolSchemaValidator.isKnownType(t.asText())) bad.add(at + " '" + t.asText() + "'");
                }
            } else {
                unknownTypes(v, at, bad);
            }
        }
    }

    private static JsonNode resolve(JsonNode doc, JsonNode node) {
        for (int depth = 0; depth < 10 && node.has("$ref"); depth++) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/")) break;
            node = doc.at(ref.substring(1));
        }
        return node;
    }

    private static HttpToolView view(HttpTool t) {
        return new HttpToolView(t.name(), t.description(), t.method(), t.urlTemplate(), t.parameters(), t.allowedHosts(),
                t.authHeader(), t.authSecret(), t.authPrefix(), t.readOnly(), t.requiresConfirmation(), t.timeoutMs());
    }
}
