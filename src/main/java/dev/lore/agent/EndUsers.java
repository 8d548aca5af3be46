package dev.lore.agent;

import dev.lore.platform.ApiException;
import dev.lore.security.Caller;

/**
 * Who an end user is, so that memories cannot be claimed across namespaces. End users of client applications (API
 * keys, which name them by their own ids) are stored as {@code ext:<key name>:<id>}: each key has its own (a key's name
 * is unique in its tenant, revoked keys' too), so one application cannot read, erase or continue another's customers;
 * signed-in people are their own end user, stored as their username (Keycloak does not allow ':' in usernames, so the
 * two never collide). Migration V37 moved the earlier {@code ext:<id>} to the key that started the conversation.
 */
final class EndUsers {

    private static final String EXTERNAL = "ext:";

    private EndUsers() {}

    static boolean isClientApplication(Caller c) {
        return c.username().startsWith(KEY);
    }

    private static final String KEY = "apikey:";

    /** {@code ext:<key name>:}: the namespace of the end users of the key acting as {@code c} (or of owner {@code apikey:<name>}). */
    private static String namespace(String keyIdentity) {
        return EXTERNAL + keyIdentity.substring(KEY.length()) + ":";
    }

    /**
     * The stored end user of a new conversation: a client application's {@code endUserId}, or the signed-in person.
     *
     * @throws ApiException 403 when a person names another end user
     */
    static String forConversation(Caller c, String requested) {
        if (isClientApplication(c)) return requested == null || requested.isBlank() ? null : namespace(c.username()) + requested;
        if (requested != null && !requested.equals(c.username())) {
            throw new ApiException(403, "Forbidden", "a signed-in user talks as themself; endUserId is for client applications");
        }
        return c.username();
    }

    /**
     * The stored end user that {@code /api/v1/end-users/{id}} addresses: an end user of the calling key (admin keys
     * too: a key addresses its own customers), the person themself, or (signed-in admins) a stored id as listed.
     *
     * @throws ApiException 404 for anyone else's
     */
    static String forPath(Caller c, String id) {
        if (isClientApplication(c)) return namespace(c.username()) + id;
        if (c.isAdmin() || id.equals(c.username())) return id;
        throw ApiException.notFound("end user " + id);
    }

    /**
     * The end user as the client application that owns the conversation ({@code owner}, {@code apikey:<name>}) names it
     * (for webhooks); people keep their username.
     */
    static String external(String stored, String owner) {
        return owner != null && owner.startsWith(KEY) ? withoutNamespace(stored, owner) : stored;
    }

    /** The end user as the caller names it (a client application sees its own ids back). */
    static String shown(Caller c, String stored) {
        return isClientApplication(c) ? withoutNamespace(stored, c.username()) : stored;
    }

    /** {@code stored} without the namespace of key identity {@code apikey:<name>}, when it is in it. */
    private static String withoutNamespace(String stored, String keyIdentity) {
        String ns = namespace(keyIdentity);
        return stored != null && stored.startsWith(ns) ? stored.substring(ns.length()) : stored;
    }
}
