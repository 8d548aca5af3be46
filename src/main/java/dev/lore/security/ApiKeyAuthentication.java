package dev.lore.security;

import dev.lore.web.WebPaths;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.BaseAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.Set;

/**
 * Authenticates client applications by API key: {@code X-API-Key: lore_…} or {@code Authorization: Bearer lore_…}.
 * Runs before the OIDC bearer-token mechanism; requests without a key fall through to it. An unknown or revoked key
 * is a 401 (the key is never logged). The identity carries the key's {@link Caller} and the key itself (for the
 * per-key rate limit, {@link RateLimitFilter}). The web pages ({@link WebPaths}) ignore keys: people log in there.
 */
@ApplicationScoped
public class ApiKeyAuthentication implements HttpAuthenticationMechanism {

    /** Identity attribute holding the {@link ApiKeys.ApiKey} a request authenticated with. */
    public static final String API_KEY_ATTRIBUTE = "lore.apiKey";

    @Inject com.fasterxml.jackson.databind.ObjectMapper json;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        // the web pages are for people, logged in through Keycloak (OIDC tenant "web"); keys are for /api clients
        if (WebPaths.isPage(context.normalizedPath())) return Uni.createFrom().nullItem();
        String key = context.request().getHeader("X-API-Key");
        String auth = context.request().getHeader("Authorization");
        if (key == null && isKeyBearer(auth)) key = auth.substring(7).strip();
        if (key == null) return Uni.createFrom().nullItem();
        return identityProviderManager.authenticate(new Request(key.strip()));
    }

    /** True when an {@code Authorization} header carries an API key ({@code Bearer lore_…}) rather than a token. */
    static boolean isKeyBearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer lore_", 0, 12);
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        // no 401 for a page: the OIDC mechanism's challenge (redirect to Keycloak's login) answers instead
        if (WebPaths.isPage(context.normalizedPath())) return Uni.createFrom().nullItem();
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    /**
     * The 401 of an {@code /api} call (no credentials, or refused ones) as {@code application/problem+json} with the
     * {@code WWW-Authenticate: Bearer} challenge; this mechanism runs first, so its challenge is the one sent, except
     * for a bearer token the OIDC mechanism tried and refused ({@link RefusedTokenResponses}). Pages get none here
     * (false): the OIDC mechanism redirects to the login page.
     */
    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        if (WebPaths.isPage(context.normalizedPath())) return Uni.createFrom().item(false);
        boolean presented = present(context.request().getHeader("Authorization")) || present(context.request().getHeader("X-API-Key"));
        RefusedTokenResponses.unauthorized(context, json, "Bearer", presented ? RefusedTokenResponses.refused(context)
                : "authentication required: send Authorization: Bearer <Keycloak access token> or X-API-Key: lore_…");
        return Uni.createFrom().item(true);
    }

    private static boolean present(String header) {
        return header != null && !header.isBlank();
    }

    @Override
    public Set<Class<? extends io.quarkus.security.identity.request.AuthenticationRequest>> getCredentialTypes() {
        return Set.of(Request.class);
    }

    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 1000;
    }

    /** An API key presented by a request. */
    public static final class Request extends BaseAuthenticationRequest {
        final String key;

        Request(String key) {
            this.key = key;
        }

        @Override
        public String toString() {
            return "ApiKeyRequest[redacted]";
        }
    }

    /** Turns a presented key into the key's service identity. */
    @ApplicationScoped
    public static class Provider implements IdentityProvider<Request> {

        @Inject ApiKeys keys;

        @Override
        public Class<Request> getRequestType() {
            return Request.class;
        }

        @Override
        public Uni<SecurityIdentity> authenticate(Request request, AuthenticationRequestContext context) {
            return context.runBlocking(() -> {
                Optional<ApiKeys.ApiKey> found = keys.verify(request.key);
                if (found.isEmpty()) throw new AuthenticationFailedException("unknown or revoked API key");
                ApiKeys.ApiKey key = found.get();
                Caller caller = key.caller();
                return QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(caller.username()))
                        .addRoles(caller.roles())
                        .addAttribute(Callers.ATTRIBUTE, caller)
                        .addAttribute(API_KEY_ATTRIBUTE, key)
                        .build();
            });
        }
    }
}
