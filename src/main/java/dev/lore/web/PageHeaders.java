package dev.lore.web;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Response headers of the web pages: a Content-Security-Policy that lets a page load and connect to nothing but this
 * origin (no inline script, no remote image, style or font; forms may post only here, and to Keycloak for logout),
 * and no caching of pages that show documents.
 */
public class PageHeaders {

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        if (!WebPaths.isPage(request.getUriInfo().getPath())) return;
        response.getHeaders().putSingle("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'self'; "
                + "script-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                + "form-action 'self' " + KeycloakUrls.base());
        response.getHeaders().putSingle("Cache-Control", "no-store");
    }
}
