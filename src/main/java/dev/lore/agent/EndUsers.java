package dev.lore.agent;

import dev.lore.platform.ApiException;
import dev.lore.security.Caller;

/**
 * Who an end user is, so that memories cannot be claimed across namespaces. End users of client applications (API
 * keys, which name them by their own ids) are stored as {@code ext:<id>}; signed-in people are their own end user,
 * stored as their username (Keycloak does not allow ':' in usernames, so the two never collide).
 */
final class EndUsers {

    private static final String EXTERNAL = "ext:";

    private EndUsers() {}

    static boolean isClientApplication(Caller c) {
        return c.username().startsWith("apikey:");
    }

    /**
     * The stored end user of a new conversation: a client application's {@code endUserId}, or the signed-in person.
     *
     * @throws ApiException 403 when a person names another end user
     */
    static String forConversation(Caller c, String requested) {
        if (isClientApplication(c)) return requested == null || requested.isBlank() ? null : EXTERNAL + requested;
        if (requested != null && !requested.equals(c.username())) {
            throw new ApiException(403, "Forbidden", "a signed-in user talks as themself; endUserId is for client applications");
        }
        return c.username();
    }

    /**
     * The stored end user that {@code /api/v1/end-users/{id}} addresses: a client application's end user, the person
     * themself, or (admins) a stored id as listed.
     *
     * @throws ApiException 404 for anyone else's
     */
    static String forPath(Caller c, String id) {
        if (isClientApplication(c)) return EXTERNAL + id;
        if (c.isAdmin() || id.equals(c.username())) return id;
        throw ApiException.notFound("end user " + id);
    }

    /** The end user as its client application names it (for webhooks); people keep their username. */
    static String external(String stored) {
        return stored != null && stored.startsWith(EXTERNAL) ? stored.substring(EXTERNAL.length()) : stored;
    }

    /** The end user as the caller names it (client applications see their own ids back). */
    static String shown(Caller c, String stored) {
        return stored != null && isClientApplication(c) && stored.startsWith(EXTERNAL) ? stored.substring(EXTERNAL.length()) : stored;
    }
}
