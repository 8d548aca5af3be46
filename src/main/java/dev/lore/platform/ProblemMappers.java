package dev.lore.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps every exception that reaches the HTTP layer to {@code application/problem+json}. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response api(ApiException e, UriInfo uri) {
        return problem(e.status(), e.title(), e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri, io.vertx.core.http.HttpServerRequest request) {
        // the JSON reader wraps parse errors into a bare 400 ("HTTP 400 Bad Request"): say what was wrong
        if (e.getCause() instanceof JsonProcessingException jp) return json(jp, uri);
        // a path or query parameter that does not convert (sourceId=xyz, limit=abc) is a 404 by JAX-RS' rules; for
        // callers it is a bad request (a route that does not exist has no cause)
        if (e instanceof jakarta.ws.rs.NotFoundException && e.getCause() instanceof IllegalArgumentException bad) {
            return problem(400, "Bad Request", invalidParameter(bad, uri), uri);
        }
        // RESTEasy's own words name annotations and resource methods: say it for callers
        if (e instanceof jakarta.ws.rs.NotFoundException && e.getCause() == null) {
            return problem(404, "Not Found", "no such endpoint: " + uri.getPath() + " (the API is documented at /q/openapi)", uri);
        }
        if (e.getResponse().getStatus() == 406) { // NotAcceptableException, or the plain type RESTEasy also throws with that status
            return problem(406, "Not Acceptable", "this endpoint cannot answer in a type the request's Accept header allows"
                    + " (the API answers application/json; chat and conversation messages also text/event-stream)", uri);
        }
        if (e.getResponse().getStatus() == 405) { // NotAllowedException, or the plain type RESTEasy also throws with that status
            java.util.Set<String> allowed = AllowedMethods.on(uri.getPath());
            Response r = problem(405, "Method Not Allowed", "this endpoint does not take " + request.method().name()
                    + (allowed.isEmpty() ? " (its methods are listed in /q/openapi)" : "; it takes " + String.join(", ", allowed)), uri);
            if (!allowed.isEmpty()) r.getHeaders().putSingle("Allow", String.join(", ", allowed));
            return r;
        }
        if (e.getResponse().getStatus() == 415) { // NotSupportedException, or the plain type RESTEasy also throws with that status
            return problem(415, "Unsupported Media Type", "this endpoint does not take the request's Content-Type"
                    + " (the API's request bodies are application/json)", uri);
        }
        int status = e.getResponse().getStatus();
        String title = Response.Status.fromStatusCode(status) != null ? Response.Status.fromStatusCode(status).getReasonPhrase() : "Error";
        Response r = problem(status, title, e.getMessage(), uri);
        e.getResponse().getHeaders().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Type")) v.forEach(x -> r.getHeaders().add(k, x));
        });
        return r;
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e, UriInfo uri) {
        String detail = e.getConstraintViolations().stream()
                .map(ProblemMappers::violation)
                .sorted().collect(Collectors.joining("; "));
        return problem(400, "Bad Request", detail, uri);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        return problem(400, "Bad Request", JsonErrors.describe(e, "body"), uri);
    }

    @ServerExceptionMapper
    public Response mismatch(com.fasterxml.jackson.databind.exc.MismatchedInputException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper
    public Response invalidFormat(com.fasterxml.jackson.databind.exc.InvalidFormatException e, UriInfo uri) {
        return mismatch(e, uri);
    }

    @ServerExceptionMapper
    public Response any(Exception e, UriInfo uri) {
        LOG.error("unhandled error on " + uri.getPath(), e);
        return problem(500, "Internal Server Error", "an unexpected error occurred; see the server log", uri);
    }

    /**
     * Says which parameter did not convert: JAX-RS does not tell, so the parameters whose value the converter's
     * message quotes (or ends with) are named ({@code query parameter limit: invalid value 'abc', expected a whole
     * number}); when none or several match, the message stays generic.
     */
    static String invalidParameter(IllegalArgumentException e, UriInfo uri) {
        String message = String.valueOf(e.getMessage());
        java.util.List<String> named = new java.util.ArrayList<>();
        String value = null;
        if (uri != null) {
            for (var kind : java.util.List.of(java.util.Map.entry("path parameter ", uri.getPathParameters()),
                    java.util.Map.entry("query parameter ", uri.getQueryParameters()))) {
                for (var p : kind.getValue().entrySet()) {
                    for (String v : p.getValue()) {
                        // the converters quote the value ("For input string: \"abc\"") or end with it ("Invalid UUID string: xyz")
                        if (!v.isEmpty() && (message.contains("\"" + v + "\"") || message.endsWith(" " + v))) {
                            named.add(kind.getKey() + p.getKey());
                            value = v;
                        }
                    }
                }
            }
        }
        String expected = message.startsWith("Invalid UUID") || message.contains("UUID") ? ", expected a UUID"
                : message.startsWith("For input string") ? (value != null && value.matches("[-+]?\\d+")
                        ? ", out of range (a whole number from -2147483648 to 2147483647)" : ", expected a whole number") : "";
        if (named.size() == 1) return named.get(0) + ": invalid value '" + value + "'" + expected;
        return "a path or query parameter has an invalid value (" + message + ")";
    }

    /**
     * One violation in words. A null method parameter is a missing request body (query and path parameters are
     * never {@code @NotNull} here): "a JSON request body is required" rather than "request: must not be null".
     */
    private static String violation(jakarta.validation.ConstraintViolation<?> v) {
        jakarta.validation.Path.Node leaf = null;
        for (jakarta.validation.Path.Node n : v.getPropertyPath()) leaf = n;
        if (leaf != null && leaf.getKind() == jakarta.validation.ElementKind.PARAMETER && v.getInvalidValue() == null
                && v.getConstraintDescriptor().getAnnotation() instanceof jakarta.validation.constraints.NotNull) {
            return "a JSON request body is required";
        }
        return field(v.getPropertyPath()) + ": " + v.getMessage();
    }

    /**
     * The field's path in the request body, without the Java method and parameter the path starts with
     * ({@code search.request.filters.sourceIds} → {@code filters.sourceIds}, {@code search.request.limit} → {@code limit}).
     */
    private static String field(jakarta.validation.Path path) {
        StringBuilder out = new StringBuilder();
        String last = "";
        for (jakarta.validation.Path.Node n : path) {
            last = n.toString();
            if (n.getKind() == jakarta.validation.ElementKind.METHOD || n.getKind() == jakarta.validation.ElementKind.PARAMETER) continue;
            if (n.getKind() == jakarta.validation.ElementKind.CONTAINER_ELEMENT) { // an element of a list: languages[1]
                if (n.getIndex() != null) out.append('[').append(n.getIndex()).append(']');
                continue;
            }
            if (out.length() > 0) out.append('.');
            out.append(n.getName());
        }
        return out.length() > 0 ? out.toString() : last;
    }

    /** Builds a problem response. */
    public static Response problem(int status, String title, String detail, UriInfo uri) {
        return Response.status(status)
                .type(Problem.MEDIA_TYPE)
                .entity(new Problem("about:blank", title, status, detail, uri == null ? null : uri.getPath()))
                .build();
    }
}
