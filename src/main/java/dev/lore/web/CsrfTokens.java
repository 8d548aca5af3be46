package dev.lore.web;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Synchronizer tokens against cross-site request forgery on the web pages. A page's token is an HMAC of the signed-in
 * person's Keycloak session ({@code sub} and {@code sid} of the ID token) under a server secret, so it needs no
 * server-side storage, changes with every login session, and cannot be computed by another site. Every page carries it
 * (a {@code meta} tag, htmx's {@code hx-headers}, hidden form fields); {@link CsrfFilter} checks it on every request
 * that changes something.
 */
@ApplicationScoped
public class CsrfTokens {

    /** Header that carries the token (htmx and the chat script send it). */
    public static final String HEADER = "X-CSRF-Token";
    /** Form field that carries the token (plain HTML forms). */
    public static final String FIELD = "_csrf";

    private final byte[] key;

    @Inject SecurityIdentity identity;

    @Inject
    public CsrfTokens(@ConfigProperty(name = "lore.web.csrf-secret") java.util.Optional<String> secret,
                      @ConfigProperty(name = "quarkus.oidc.web.credentials.secret") String clientSecret) {
        this.key = ("lore-csrf:" + secret.orElse(clientSecret)).getBytes(StandardCharsets.UTF_8);
    }

    /** The token of the current request's login session, or null when nobody is signed in through the pages. */
    public String current() {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) return null;
        Object sid = jwt.getClaim("sid");
        if (sid == null) sid = jwt.getClaim("session_state");
        if (sid == null) sid = jwt.getIssuedAtTime();
        return hmac(jwt.getSubject() + "|" + sid);
    }

    /** True when {@code presented} is the current session's token (compared in constant time). */
    public boolean matches(String presented) {
        String expected = current();
        return expected != null && presented != null
                && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), presented.strip().getBytes(StandardCharsets.UTF_8));
    }

    private String hmac(String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
