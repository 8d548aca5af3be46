package dev.lore.web;

import dev.lore.platform.ProblemMappers;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.ForbiddenException;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A signed-in person without the role a page needs gets a readable 403 page (a person of role {@code user} on the
 * console); the API answers the same refusal as {@code application/problem+json}.
 */
public class PageErrors {

    @Inject @Location("forbidden.html") Template forbidden;

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        if (!WebPaths.isPage(uri.getPath())) {
            return ProblemMappers.problem(403, "Forbidden", "the caller's roles do not allow this (Lore's roles: "
                    + String.join(", ", dev.lore.security.KeycloakDirectory.ROLES) + "; the operation's required roles are listed in /q/openapi)", uri);
        }
        return Response.status(403).type(MediaType.TEXT_HTML_TYPE).entity(forbidden.data("path", uri.getPath()).render()).build();
    }
}
