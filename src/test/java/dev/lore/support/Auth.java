package dev.lore.support;

import static io.restassured.RestAssured.given;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Real identities for tests: tokens from the Keycloak server the test command starts (realm {@code lore} from
 * {@code deploy/keycloak/lore-realm.json}, 127.0.0.1:8180), by the password grant of client {@code lore}.
 * Users of that realm: tenant acme: alice (admin), carol (curator), bob (engineering), erin (sales); tenant globex:
 * dave (admin), frank (staff). Passwords are the user name + {@code -pw}.
 */
public final class Auth {

    /** Keycloak's base URL for tests. */
    public static final String KEYCLOAK = System.getenv().getOrDefault("LORE_KEYCLOAK_URL", "http://127.0.0.1:8180");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Auth() {}

    /** An access token of {@code user} (password {@code user-pw}). */
    public static String token(String user) {
        return token(user, user + "-pw");
    }

    /** An access token by the password grant. */
    public static String token(String user, String password) {
        String form = "grant_type=password&client_id=lore&client_secret=lore-dev-secret&username="
                + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(KEYCLOAK + "/realms/lore/protocol/openid-connect/token"))
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new IllegalStateException("Keycloak refused a token for " + user + ": " + r.statusCode() + " " + r.body());
            return JSON.readTree(r.body()).path("access_token").asText();
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak is not reachable at " + KEYCLOAK + " (deploy/test.sh starts it): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A request as the holder of {@code bearer} (a Keycloak access token or an API key). */
    public static RequestSpecification as(String bearer) {
        return given().header("Authorization", "Bearer " + bearer);
    }

    /** A request as {@code user}, with a fresh token. */
    public static RequestSpecification asUser(String user) {
        return as(token(user));
    }

    /** A request without credentials. */
    public static RequestSpecification anonymous() {
        return given().header("Authorization", "");
    }
}
