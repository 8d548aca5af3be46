package dev.lore.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Who is asking: the identity every read of documents is filtered by.
 *
 * <p>People come from Keycloak tokens (username = {@code preferred_username}, tenant = the {@code tenant} claim, roles
 * from {@code realm_access}, groups looked up live in Keycloak); client applications from API keys (username
 * {@code apikey:<name>}, the key's tenant, roles and groups).
 *
 * @param tenant the tenant the caller belongs to; every read is confined to it
 * @param username the user name ({@code u:} principal in access lists)
 * @param groups group names ({@code g:} principals)
 * @param roles {@code admin}, {@code curator}, {@code user}
 */
public record Caller(String tenant, String username, Set<String> groups, Set<String> roles) {

    /** Role that may read every document of its tenant and manage everything. */
    public static final String ADMIN = "admin";
    /** Role that may manage sources and agents. */
    public static final String CURATOR = "curator";
    /** Role that may search, chat and use agents. */
    public static final String USER = "user";

    public Caller {
        groups = Set.copyOf(groups);
        roles = Set.copyOf(roles);
    }

    /** True for the tenant's admins, who may read every document of the tenant (even ones without an access list). */
    public boolean isAdmin() {
        return roles.contains(ADMIN);
    }

    /**
     * The principals this caller matches in access lists: {@code u:<username>}, {@code g:<group>} per group, and
     * {@code *} (everyone in the tenant).
     */
    public String[] principals() {
        List<String> p = new ArrayList<>(groups.size() + 2);
        p.add("*");
        p.add(AccessList.USER_PREFIX + username);
        for (String g : groups) p.add(AccessList.GROUP_PREFIX + g);
        return p.toArray(String[]::new);
    }
}
