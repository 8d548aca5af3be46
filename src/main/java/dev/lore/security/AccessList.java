package dev.lore.security;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may read a document: named users, members of groups, or everyone in the document's tenant. An empty list
 * (no users, no groups, not everyone) means the tenant's admins only: Lore fails closed.
 *
 * <p>Stored as a PostgreSQL {@code text[]} of principals ({@code u:alice}, {@code g:engineering}, {@code *}) on the
 * document and on each of its chunks; see {@link #toPrincipals()}.
 *
 * @param users user names (Keycloak {@code preferred_username}, or {@code apikey:<name>})
 * @param groups group names (Keycloak group names)
 * @param everyone true when every member of the tenant may read
 */
public record AccessList(List<String> users, List<String> groups, boolean everyone) {

    /** Principal prefix of a user. */
    public static final String USER_PREFIX = "u:";
    /** Principal prefix of a group. */
    public static final String GROUP_PREFIX = "g:";
    /** Principal of everyone in the tenant. */
    public static final String EVERYONE = "*";

    /** Admins only. */
    public static final AccessList ADMINS_ONLY = new AccessList(List.of(), List.of(), false);
    /** Everyone in the tenant. */
    public static final AccessList TENANT = new AccessList(List.of(), List.of(), true);

    public AccessList {
        users = users == null ? List.of() : clean(users, "user");
        groups = groups == null ? List.of() : clean(groups, "group");
    }

    /** The principals as stored, sorted and without duplicates. */
    public String[] toPrincipals() {
        Set<String> out = new java.util.TreeSet<>();
        if (everyone) out.add(EVERYONE);
        for (String u : users) out.add(USER_PREFIX + u);
        for (String g : groups) out.add(GROUP_PREFIX + g);
        return out.toArray(String[]::new);
    }

    /** Reads a stored principal array back; unknown entries are ignored. */
    public static AccessList fromPrincipals(String[] principals) {
        if (principals == null) return ADMINS_ONLY;
        List<String> users = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        boolean everyone = false;
        for (String p : principals) {
            if (EVERYONE.equals(p)) everyone = true;
            else if (p.startsWith(USER_PREFIX)) users.add(p.substring(2));
            else if (p.startsWith(GROUP_PREFIX)) groups.add(p.substring(2));
        }
        return new AccessList(users, groups, everyone);
    }

    private static List<String> clean(List<String> names, String what) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            if (n == null || n.isBlank()) throw new IllegalArgumentException("an access list " + what + " name must not be blank");
            String s = n.strip();
            if (s.length() > 255 || s.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("invalid access list " + what + " name: " + s.substring(0, Math.min(40, s.length())));
            }
            out.add(s);
        }
        return List.copyOf(out);
    }
}
