package dev.lore.security;

import dev.lore.platform.ProblemMappers;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Applies each API key's rate limit ({@code rate_per_minute}, a token bucket): a key over its limit gets 429 with
 * {@code Retry-After} in seconds. Requests authenticated otherwise pass.
 */
public class RateLimitFilter {

    @Inject SecurityIdentity identity;
    @Inject RateLimiter limiter;

    @ServerRequestFilter
    public Optional<Response> limit(ContainerRequestContext ctx) {
        ApiKeys.ApiKey key = identity.isAnonymous() ? null : identity.getAttribute(ApiKeyAuthentication.API_KEY_ATTRIBUTE);
        if (key == null) return Optional.empty();
        long wait = limiter.acquire(key.id(), key.ratePerMinute());
        if (wait <= 0) return Optional.empty();
        Response r = ProblemMappers.problem(429, "Too Many Requests", "rate limit of " + key.ratePerMinute()
                + " requests per minute reached; retry in " + wait + " s", ctx.getUriInfo());
        return Optional.of(Response.fromResponse(r).header("Retry-After", String.valueOf(wait)).build());
    }
}
