package dev.lore.web;

/**
 * The paths of the web pages (chat and admin console), which log people in through Keycloak's authorization-code
 * flow (OIDC tenant {@code web}) instead of the API's bearer tokens and API keys.
 */
public final class WebPaths {

    private WebPaths() {}

    /** True for {@code /chat}, {@code /console}, {@code /logout} and everything under the first two. */
    public static boolean isPage(String path) {
        if (path == null) return false;
        return under(path, "/chat") || under(path, "/console") || path.equals("/logout");
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root + "/");
    }
}
