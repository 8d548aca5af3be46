package dev.lore.web;

import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.WithFormRead;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveContainerRequestContext;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses (403) every page request that changes something ({@code POST}, {@code PUT}, {@code PATCH}, {@code DELETE}
 * under {@link WebPaths}) unless it carries the session's {@link CsrfTokens token} in the {@value CsrfTokens#HEADER}
 * header or the {@value CsrfTokens#FIELD} form field, and, when the browser says where it comes from
 * ({@code Origin}, {@code Sec-Fetch-Site}), comes from this origin. The session cookie is also {@code SameSite=Lax}.
 * {@code /api} is not concerned: it never reads the session cookie.
 */
public class CsrfFilter {

    private static final Logger LOG = Logger.getLogger(CsrfFilter.class);
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    @Inject CsrfTokens tokens;

    @ServerRequestFilter
    @WithFormRead
    public Optional<Response> check(ResteasyReactiveContainerRequestContext ctx, RoutingContext routing) {
        if (SAFE.contains(ctx.getMethod()) || !WebPaths.isPage(routing.normalizedPath())) return Optional.empty();
        String site = ctx.getHeaderString("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) return refuse("request from another site");
        String origin = ctx.getHeaderString("Origin");
        String own = routing.request().scheme() + "://" + routing.request().authority();
        if (origin != null && !origin.equals(own)) return refuse("request from origin " + origin);
        String token = ctx.getHeaderString(CsrfTokens.HEADER);
        if (token == null && ctx.getMediaType() != null && (ctx.getMediaType().isCompatible(MediaType.APPLICATION_FORM_URLENCODED_TYPE)
                || ctx.getMediaType().isCompatible(MediaType.MULTIPART_FORM_DATA_TYPE))) {
            Object field = ((ResteasyReactiveRequestContext) ctx.getServerRequestContext()).getFormParameter(CsrfTokens.FIELD, true, false);
            token = field == null ? null : field.toString();
        }
        if (!tokens.matches(token)) return refuse("missing or wrong CSRF token");
        return Optional.empty();
    }

    private static Optional<Response> refuse(String why) {
        LOG.debugf("page request refused: %s", why);
        return Optional.of(Response.status(403).type(MediaType.TEXT_PLAIN_TYPE)
                .entity("Forbidden: " + why + ". Reload the page and try again.").build());
    }
}
