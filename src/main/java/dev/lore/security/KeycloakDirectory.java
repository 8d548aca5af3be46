package dev.lore.security;

import dev.lore.platform.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import jakarta.annotation.PreDestroy;
import org.keycloak.OAuth2Constants;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.KeycloakBuilder;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.UserResource;
import org.keycloak.representations.idm.CredentialRepresentation;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * Lore's view of Keycloak's users and groups, through keycloak-admin-client (on quarkus-keycloak-admin-rest-client's
 * REST client), authenticated as the {@code lore} client's service account ({@code lore.keycloak.*}).
 *
 * <p>Tenancy: a user belongs to the tenant in its {@code tenant} attribute, a group to the one in its {@code tenant}
 * attribute. Every operation takes the caller's tenant and treats users and groups of other tenants as absent
 * ({@link ApiException} 404), so an admin of one tenant can neither see nor change another tenant's people.
 *
 * <p>Errors: {@link ApiException} 404 for unknown (or other tenants') users and groups, 409 for duplicates, 400 for
 * invalid input, 503 when Keycloak cannot be reached.
 */
@ApplicationScoped
public class KeycloakDirectory {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(KeycloakDirectory.class);

    /** Roles Lore knows; only these can be granted through Lore. */
    public static final List<String> ROLES = List.of(Caller.ADMIN, Caller.CURATOR, Caller.USER);

    @ConfigProperty(name = "lore.keycloak.url")
    String serverUrl;

    @ConfigProperty(name = "lore.keycloak.realm", defaultValue = "lore")
    String realmName;

    @ConfigProperty(name = "lore.keycloak.client-id", defaultValue = "lore")
    String clientId;

    @ConfigProperty(name = "lore.keycloak.client-secret")
    String clientSecret;

    private volatile Keycloak keycloak;

    /**
     * One admin client for the application, authenticated by client credentials (it renews its token itself). Built
     * here rather than injected: the extension's bean is request-scoped, and identities are resolved outside requests.
     */
    private Keycloak keycloak() {
        Keycloak k = keycloak;
        if (k == null) {
            synchronized (this) {
                if (keycloak == null) {
                    keycloak = KeycloakBuilder.builder().serverUrl(serverUrl).realm(realmName).clientId(clientId)
                            .clientSecret(clientSecret).grantType(OAuth2Constants.CLIENT_CREDENTIALS).build();
                }
                k = keycloak;
            }
        }
        return k;
    }

    @PreDestroy
    void close() {
        if (keycloak != null) keycloak.close();
    }

    /**
     * A user's live state.
     *
     * @param enabled false when disabled in Keycloak
     * @param groups names of the groups the user belongs to now
     * @param roles the user's effective Lore roles now ({@link #ROLES})
     */
    public record Membership(boolean enabled, Set<String> groups, Set<String> roles) {}

    /**
     * A user as listed.
     *
     * @param id Keycloak user id
     * @param username login name; the {@code u:} principal in access lists
     * @param email e-mail address, or null
     * @param firstName given name, or null
     * @param lastName family name, or null
     * @param enabled false when disabled
     * @param tenant the user's tenant
     */
    public record User(String id, String username, String email, String firstName, String lastName, boolean enabled, String tenant) {}

    /**
     * A group as listed.
     *
     * @param id Keycloak group id
     * @param name group name; the {@code g:} principal in access lists
     * @param tenant the group's tenant
     */
    public record Group(String id, String name, String tenant) {}

    /**
     * The user's enabled flag, current group names and Lore roles (three Keycloak calls, no cache). A 401 from
     * Keycloak (its admin token no longer valid, e.g. after Keycloak restarted) is retried once with a new client.
     */
    public Membership membership(String userId) {
        for (int attempt = 1; ; attempt++) {
            try {
                return fetchMembership(userId);
            } catch (RuntimeException e) {
                RuntimeException described = unavailable(e); // drops the client on a 401
                if (attempt == 2 || status(e) != 401) throw described;
            }
        }
    }

    /** The HTTP status of a Keycloak client error, or -1. */
    private static int status(RuntimeException e) {
        return e instanceof WebApplicationException w && w.getResponse() != null ? w.getResponse().getStatus() : -1;
    }

    private Membership fetchMembership(String userId) {
        try {
            UserResource user = realm().users().get(userId);
            boolean enabled = Boolean.TRUE.equals(user.toRepresentation().isEnabled());
            Set<String> groups = new HashSet<>();
            for (GroupRepresentation g : user.groups(0, 1000, true)) groups.add(g.getName());
            Set<String> roles = new HashSet<>();
            for (RoleRepresentation r : user.roles().realmLevel().listEffective()) {
                if (ROLES.contains(r.getName())) roles.add(r.getName());
            }
            return new Membership(enabled, groups, roles);
        } catch (NotFoundException e) {
            return new Membership(false, Set.of(), Set.of());
        }
    }

    /** Drops the admin client (and its token); the next call logs in again. */
    private synchronized void resetClient() {
        Keycloak k = keycloak;
        keycloak = null;
        if (k != null) {
            try {
                k.close();
            } catch (RuntimeException ignored) {
                // a client whose connections are already gone
            }
        }
    }

    /** Users of the tenant whose username, e-mail or name contains {@code search} (all when blank), up to {@code max}. */
    public List<User> users(String tenant, String search, int first, int max) {
        try {
            List<UserRepresentation> found = realm().users().searchByAttributes(0, 10_000, null, false, "tenant:" + tenant);
            String s = search == null ? "" : search.strip().toLowerCase(Locale.ROOT);
            return found.stream().map(KeycloakDirectory::user)
                    .filter(u -> tenant.equals(u.tenant()))
                    .filter(u -> s.isEmpty() || contains(u.username(), s) || contains(u.email(), s) || contains(u.firstName(), s) || contains(u.lastName(), s))
                    .sorted(java.util.Comparator.comparing(User::username))
                    .skip(first).limit(max).toList();
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /** One user of the tenant, with its groups and Lore roles. */
    public Map<String, Object> user(String tenant, String userId) {
        UserResource r = tenantUser(tenant, userId);
        try {
            User u = user(r.toRepresentation());
            List<String> groups = r.groups().stream().map(GroupRepresentation::getName).sorted().toList();
            List<String> roles = r.roles().realmLevel().listEffective().stream().map(RoleRepresentation::getName)
                    .filter(ROLES::contains).sorted().toList();
            return Map.of("user", u, "groups", groups, "roles", roles);
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /**
     * The {@link Caller} a user of the tenant is when they sign in: their Lore roles and current groups. Lets an admin
     * see what another person of the tenant may find (the console's search playground).
     *
     * @throws ApiException 404 when no enabled user of that name belongs to the tenant
     */
    public Caller callerOf(String tenant, String username) {
        try {
            UserRepresentation found = realm().users().searchByUsername(username, true).stream()
                    .filter(u -> username.equalsIgnoreCase(u.getUsername())).findFirst()
                    .orElseThrow(() -> ApiException.notFound("user " + username));
            UserResource r = tenantUser(tenant, found.getId());
            if (!Boolean.TRUE.equals(r.toRepresentation().isEnabled())) throw ApiException.notFound("user " + username);
            Set<String> groups = new HashSet<>();
            for (GroupRepresentation g : r.groups(0, 1000, true)) groups.add(g.getName());
            Set<String> roles = new HashSet<>();
            for (RoleRepresentation role : r.roles().realmLevel().listEffective()) {
                if (ROLES.contains(role.getName())) roles.add(role.getName());
            }
            return new Caller(tenant, found.getUsername(), groups, roles);
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /**
     * Creates an enabled user in the tenant.
     *
     * @param password initial password (not temporary), or null to let the user set one through Keycloak
     * @return the new user
     */
    public User createUser(String tenant, String username, String email, String firstName, String lastName, String password) {
        UserRepresentation u = new UserRepresentation();
        u.setUsername(username);
        u.setEmail(email);
        u.setFirstName(firstName);
        u.setLastName(lastName);
        u.setEnabled(true);
        u.setEmailVerified(email != null);
        u.setAttributes(Map.of("tenant", List.of(tenant)));
        if (password != null) {
            CredentialRepresentation c = new CredentialRepresentation();
            c.setType(CredentialRepresentation.PASSWORD);
            c.setValue(password);
            c.setTemporary(false);
            u.setCredentials(List.of(c));
        }
        String id;
        try (Response r = realm().users().create(u)) {
            if (r.getStatus() == 409) throw new ApiException(409, "Conflict", "a user named " + username + " already exists");
            if (r.getStatus() == 400) throw ApiException.badRequest("Keycloak refused the user: " + r.readEntity(String.class));
            if (r.getStatus() != 201) throw new ApiException(502, "Bad Gateway", "Keycloak answered " + r.getStatus() + " when creating a user");
            String location = r.getLocation().getPath();
            id = location.substring(location.lastIndexOf('/') + 1);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
        return user(realm().users().get(id).toRepresentation());
    }

    /** Enables or disables a user of the tenant; a disabled user is refused on the next request. */
    public void setEnabled(String tenant, String userId, boolean enabled) {
        UserResource r = tenantUser(tenant, userId);
        UserRepresentation u = r.toRepresentation();
        u.setEnabled(enabled);
        r.update(u);
    }

    /** Grants ({@code grant=true}) or removes a Lore role ({@link #ROLES}) of a user of the tenant. */
    public void setRole(String tenant, String userId, String role, boolean grant) {
        if (!ROLES.contains(role)) throw ApiException.badRequest("unknown role " + role + "; known: " + String.join(", ", ROLES));
        UserResource r = tenantUser(tenant, userId);
        RoleRepresentation rep = realm().roles().get(role).toRepresentation();
        if (grant) r.roles().realmLevel().add(List.of(rep));
        else r.roles().realmLevel().remove(List.of(rep));
    }

    /** Groups of the tenant, by name. */
    public List<Group> groups(String tenant) {
        try {
            List<Group> out = new ArrayList<>();
            for (GroupRepresentation g : realm().groups().groups(null, 0, 10_000, false)) {
                Group group = group(g);
                if (tenant.equals(group.tenant())) out.add(group);
            }
            out.sort(java.util.Comparator.comparing(Group::name));
            return out;
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /** Creates a group in the tenant. Group names are unique across the realm (409 otherwise). */
    public Group createGroup(String tenant, String name) {
        GroupRepresentation g = new GroupRepresentation();
        g.setName(name);
        g.setAttributes(Map.of("tenant", List.of(tenant)));
        try (Response r = realm().groups().add(g)) {
            if (r.getStatus() == 409) throw new ApiException(409, "Conflict", "a group named " + name + " already exists");
            if (r.getStatus() != 201) throw new ApiException(502, "Bad Gateway", "Keycloak answered " + r.getStatus() + " when creating a group");
            String location = r.getLocation().getPath();
            return new Group(location.substring(location.lastIndexOf('/') + 1), name, tenant);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    /** Deletes a group of the tenant; its members lose its access on their next request. */
    public void deleteGroup(String tenant, String groupId) {
        tenantGroup(tenant, groupId);
        realm().groups().group(groupId).remove();
    }

    /** Members of a group of the tenant. */
    public List<User> members(String tenant, String groupId) {
        tenantGroup(tenant, groupId);
        return realm().groups().group(groupId).members(0, 10_000).stream().map(KeycloakDirectory::user)
                .filter(u -> tenant.equals(u.tenant())).toList();
    }

    /** Adds ({@code join=true}) or removes a user of the tenant to or from a group of the tenant. */
    public void setMembership(String tenant, String userId, String groupId, boolean join) {
        tenantGroup(tenant, groupId);
        UserResource r = tenantUser(tenant, userId);
        if (join) r.joinGroup(groupId);
        else r.leaveGroup(groupId);
    }

    private UserResource tenantUser(String tenant, String userId) {
        try {
            UserResource r = realm().users().get(userId);
            if (!tenant.equals(user(r.toRepresentation()).tenant())) throw ApiException.notFound("user " + userId);
            return r;
        } catch (NotFoundException e) {
            throw ApiException.notFound("user " + userId);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    private void tenantGroup(String tenant, String groupId) {
        try {
            if (!tenant.equals(group(realm().groups().group(groupId).toRepresentation()).tenant())) throw ApiException.notFound("group " + groupId);
        } catch (NotFoundException e) {
            throw ApiException.notFound("group " + groupId);
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
    }

    private RealmResource realm() {
        return keycloak().realm(realmName);
    }

    private static User user(UserRepresentation u) {
        return new User(u.getId(), u.getUsername(), u.getEmail(), u.getFirstName(), u.getLastName(),
                Boolean.TRUE.equals(u.isEnabled()), first(u.getAttributes()));
    }

    private static Group group(GroupRepresentation g) {
        return new Group(g.getId(), g.getName(), first(g.getAttributes()));
    }

    private static String first(Map<String, List<String>> attributes) {
        if (attributes == null) return null;
        List<String> t = attributes.get("tenant");
        return t == null || t.isEmpty() ? null : t.get(0);
    }

    private static boolean contains(String field, String s) {
        return field != null && field.toLowerCase(Locale.ROOT).contains(s);
    }

    private RuntimeException unavailable(RuntimeException e) {
        if (e instanceof ApiException) return e;
        int status = status(e);
        if (status == 404) return new ApiException(404, "Not Found", "no such user or group");
        LOG.warnf("Keycloak admin call failed: %s: %s", e.getClass().getName(), e.getMessage());
        if (status == 401) resetClient(); // a stale admin token (Keycloak restarted): the next call logs in again
        return new ApiException(503, "Service Unavailable", status > 0
                ? "Keycloak refused Lore's admin request (HTTP " + status + "); if Keycloak just restarted, try again"
                : "Keycloak cannot be reached at " + serverUrl + "; try again when it is up");
    }
}
