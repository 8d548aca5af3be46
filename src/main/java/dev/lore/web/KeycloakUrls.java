package dev.lore.web;

import org.eclipse.microprofile.config.ConfigProvider;

/** Where Keycloak is, as the pages need it (logout redirect, the Content-Security-Policy's form targets). */
final class KeycloakUrls {

    private KeycloakUrls() {}

    /** {@code lore.keycloak.url}, without a trailing slash. */
    static String base() {
        String url = ConfigProvider.getConfig().getValue("lore.keycloak.url", String.class);
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The realm's RP-initiated logout endpoint. */
    static String logout() {
        String realm = ConfigProvider.getConfig().getOptionalValue("lore.keycloak.realm", String.class).orElse("lore");
        return base() + "/realms/" + realm + "/protocol/openid-connect/logout";
    }
}
