package dev.lore.platform;

import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses a query parameter the API endpoint does not take: JAX-RS ignores it, so {@code ?stat=failed} (for
 * {@code status}) listed every document of a run instead of the failed ones, and a misspelt filter widens what a caller
 * gets. A 400 names the parameter and the ones the endpoint takes. Only under {@code /api}; the pages keep their own
 * parameters (htmx adds some).
 */
public class UnknownQueryParameters {

    private static final ConcurrentHashMap<Method, Set<String>> TAKEN = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public Response check(ContainerRequestContext request, ResourceInfo resource) {
        if (!request.getUriInfo().getPath().startsWith("/api/") || resource == null || resource.getResourceMethod() == null) return null;
        Set<String> known = TAKEN.computeIfAbsent(resource.getResourceMethod(), UnknownQueryParameters::queryParameters);
        for (String name : request.getUriInfo().getQueryParameters().keySet()) {
            if (!known.contains(name)) {
                return ProblemMappers.problem(400, "Bad Request", "unknown query parameter '" + name + "'"
                        + (known.isEmpty() ? "; this endpoint takes none" : "; this endpoint takes " + String.join(", ", known)),
                        request.getUriInfo());
            }
        }
        return null;
    }

    /** The names of the method's {@code @QueryParam} parameters, sorted. */
    private static Set<String> queryParameters(Method method) {
        Set<String> names = new TreeSet<>();
        for (Annotation[] annotations : method.getParameterAnnotations()) {
            for (Annotation a : annotations) if (a instanceof QueryParam q) names.add(q.value());
        }
        return names;
    }
}
