package dev.lore.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Turns a verified Keycloak token into a {@link Caller}: username from {@code preferred_username}, tenant from the
 * {@code tenant} claim (a user attribute only admins can edit). A token without a tenant is refused (403) unless
 * {@code lore.security.tenant-claim-required=false}, which puts it in {@code lore.security.default-tenant}.
 *
 * <p>Groups, roles and the enabled flag are looked up in Keycloak on every request ({@link KeycloakDirectory}), not
 * read from the token, so removing a user from a group, taking a role away or disabling them takes effect on the very
 * next request, not when the token expires. With {@code lore.security.live-groups=false} the token's {@code groups}
 * and {@code realm_access.roles} are used instead (revocation then waits for the token to expire).
 */
@ApplicationScoped
public class KeycloakIdentityAugmentor implements SecurityIdentityAugmentor {

    @Inject KeycloakDirectory directory;

    @ConfigProperty(name = "lore.security.default-tenant", defaultValue = "default")
    String defaultTenant;

    @ConfigProperty(name = "lore.security.live-groups", defaultValue = "true")
    boolean liveGroups;

    @ConfigProperty(name = "lore.security.tenant-claim-required", defaultValue = "true")
    boolean tenantRequired;

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) return Uni.createFrom().item(identity);
        if (identity.getAttribute(Callers.ATTRIBUTE) != null) return Uni.createFrom().item(identity);
        return context.runBlocking(() -> {
            String username = jwt.getClaim("preferred_username");
            if (username == null || username.isBlank()) username = jwt.getSubject();
            String tenant = jwt.getClaim("tenant");
            if (tenant == null || tenant.isBlank()) {
                if (tenantRequired) throw new ForbiddenException("the token names no tenant (the user has no tenant attribute)");
                tenant = defaultTenant;
            }
            if (!Tenants.isValid(tenant)) throw new ForbiddenException("the token's tenant is not a valid tenant name");
            Set<String> groups;
            Set<String> roles;
            if (liveGroups && jwt.getSubject() != null && jwt.getClaim("preferred_username") != null) {
                KeycloakDirectory.Membership m = directory.membership(jwt.getSubject());
                if (!m.enabled()) throw new AuthenticationFailedException("the user is disabled");
                groups = m.groups();
                roles = m.roles();
            } else {
                Set<String> claimed = jwt.getGroups();
                groups = claimed == null ? Set.of() : claimed;
                roles = identity.getRoles();
            }
            Caller caller = new Caller(tenant, username, groups, roles);
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(identity.getPrincipal())
                    .addCredentials(identity.getCredentials())
                    .addAttributes(identity.getAttributes())
                    .addRoles(roles)
                    .addAttribute(Callers.ATTRIBUTE, caller)
                    .build();
        });
    }
}
