package dev.lore.security;

import dev.lore.platform.ProblemMappers;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Authenticates client applications by API key ({@code X-API-Key: lore_…} or {@code Authorization: Bearer lore_…})
 * and applies each key's rate limit: unknown or revoked keys get 401, a key over its limit gets 429 with
 * {@code Retry-After}. With {@code lore.api-keys.required=true}, the bot API ({@code /api/v1/conversations}) needs a key.
 * The key is never logged.
 */
public class ApiKeyFilter {

    @Inject ApiKeys keys;
    @Inject RateLimiter limiter;

    @ConfigProperty(name = "lore.api-keys.required", defaultValue = "false")
    boolean required;

    @ServerRequestFilter
    public Optional<Response> authenticate(ContainerRequestContext ctx) {
        String key = ctx.getHeaderString("X-API-Key");
        String auth = ctx.getHeaderString("Authorization");
        if (key == null && auth != null && auth.startsWith("Bearer lore_")) key = auth.substring(7).strip();
        String path = ctx.getUriInfo().getPath();
        if (key == null) {
            if (required && path.startsWith("/api/v1/conversations")) {
                return Optional.of(withHeader(ProblemMappers.problem(401, "Unauthorized", "an API key is required (X-API-Key)", ctx.getUriInfo()),
                        "WWW-Authenticate", "Bearer"));
            }
            return Optional.empty();
        }
        Optional<ApiKeys.ApiKey> found = keys.verify(key);
        if (found.isEmpty()) {
            return Optional.of(withHeader(ProblemMappers.problem(401, "Unauthorized", "unknown or revoked API key", ctx.getUriInfo()),
                    "WWW-Authenticate", "Bearer"));
        }
        long wait = limiter.acquire(found.get().id(), found.get().ratePerMinute());
        if (wait > 0) {
            return Optional.of(withHeader(ProblemMappers.problem(429, "Too Many Requests", "rate limit of " + found.get().ratePerMinute()
                    + " requests per minute reached; retry in " + wait + " s", ctx.getUriInfo()), "Retry-After", String.valueOf(wait)));
        }
        ctx.setProperty("lore.apiKey", found.get());
        return Optional.empty();
    }

    private static Response withHeader(Response r, String name, String value) {
        return Response.fromResponse(r).header(name, value).build();
    }
}
