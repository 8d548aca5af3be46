package dev.lore.web;

import io.quarkus.oidc.IdToken;
import io.quarkus.oidc.OidcSession;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Signing in and out of the pages. {@code POST /logout} (a form with the CSRF token, so another site cannot sign
 * someone out) drops the session cookie and sends the browser to Keycloak's logout, which ends the Keycloak session and
 * comes back to {@code /signed-out}. {@code /} leads to the chat.
 */
@Path("/")
public class LogoutPage {

    @Inject OidcSession session;
    @Inject @IdToken JsonWebToken idToken;
    @Inject @Location("signed-out.html") Template signedOut;

    @ConfigProperty(name = "quarkus.oidc.web.client-id")
    String clientId;

    @GET
    @PermitAll
    public Response root() {
        return Response.seeOther(URI.create("/chat")).build();
    }

    @GET
    @Path("signed-out")
    @PermitAll
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance signedOut() {
        return signedOut.instance();
    }

    @POST
    @Path("logout")
    @Authenticated
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> logout(@Context UriInfo uri, @org.jboss.resteasy.reactive.RestForm("_csrf") String csrf) {
        String hint = idToken.getRawToken();
        String back = uri.getBaseUri().resolve("/signed-out").toString();
        URI keycloak = URI.create(KeycloakUrls.logout() + "?client_id=" + enc(clientId) + "&post_logout_redirect_uri=" + enc(back)
                + (hint == null ? "" : "&id_token_hint=" + enc(hint)));
        return session.logout().map(v -> Response.seeOther(keycloak).build());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
