package dev.lore.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lore.platform.Problem;
import io.quarkus.security.AuthenticationFailedException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Gives the 401 of an {@code /api} call whose credentials were refused (a bearer token the OIDC mechanism refused:
 * expired, signed by another realm, not a token at all; or an unknown or revoked API key) the same {@code application/problem+json} body as the other 401s
 * ({@link ApiKeyAuthentication#sendChallenge}), with {@code WWW-Authenticate: Bearer error="invalid_token"} (RFC
 * 6750): Quarkus authenticates before any resource runs and would otherwise send that mechanism's bare challenge.
 * Other failures, and the pages (which redirect to the login page), pass on untouched.
 */
@ApplicationScoped
public class RefusedTokenResponses {

    @Inject ObjectMapper json;

    void install(@Observes Router router) {
        router.route("/api/*").failureHandler(this::handle);
    }

    private void handle(RoutingContext context) {
        var response = context.response();
        if (!(context.failure() instanceof AuthenticationFailedException) || response.ended() || response.headWritten()) {
            context.next();
            return;
        }
        unauthorized(context, json, "Bearer error=\"invalid_token\"", refused(context));
    }

    /**
     * Ends the request with a 401: {@code challenge} as {@code WWW-Authenticate} and {@code detail} in a
     * problem+json body; does nothing when the response has already begun.
     */
    static void unauthorized(RoutingContext context, ObjectMapper json, String challenge, String detail) {
        var response = context.response();
        if (response.ended() || response.headWritten()) return;
        String body;
        try {
            body = json.writeValueAsString(new Problem("about:blank", "Unauthorized", 401, detail, context.request().path()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            body = "";
        }
        response.setStatusCode(401).putHeader("WWW-Authenticate", challenge).putHeader("Content-Type", Problem.MEDIA_TYPE).end(body);
    }

    /** What was refused, by what the request presented: an API key ({@code X-API-Key}, {@code Bearer lore_…}) or a token. */
    static String refused(RoutingContext context) {
        String auth = context.request().getHeader("Authorization");
        String key = context.request().getHeader("X-API-Key");
        boolean apiKey = (key != null && !key.isBlank()) || ApiKeyAuthentication.isKeyBearer(auth);
        if (!apiKey && auth != null && !auth.isBlank() && !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "the Authorization scheme is not supported: send Authorization: Bearer <Keycloak access token> or X-API-Key: lore_…";
        }
        return apiKey ? "the API key was refused (unknown or revoked)"
                : "the bearer token was refused (expired, not issued by this server's Keycloak realm, or not a token);"
                        + " get a new access token, or send an API key as X-API-Key: lore_…";
    }
}
