package dev.lore.security;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The {@link Caller} of the current request, as authenticated by an API key ({@link ApiKeyAuthentication}) or a
 * Keycloak token ({@link KeycloakIdentityAugmentor}).
 */
@ApplicationScoped
public class Callers {

    /** Security identity attribute holding the request's {@link Caller}. */
    public static final String ATTRIBUTE = "lore.caller";

    @Inject SecurityIdentity identity;

    /**
     * The current caller.
     *
     * @throws UnauthorizedException when the request is not authenticated (mapped to 401)
     */
    public Caller current() {
        Caller caller = identity.isAnonymous() ? null : identity.getAttribute(ATTRIBUTE);
        if (caller == null) throw new UnauthorizedException("not authenticated");
        return caller;
    }
}
