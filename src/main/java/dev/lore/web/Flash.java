package dev.lore.web;

import dev.lore.platform.ApiException;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Console actions as post-redirect-get: runs an action and sends the browser to a page with a one-line message
 * ({@code ?ok=…} or {@code ?error=…}, shown escaped). The action's own authorisation (roles, tenant) applies as in
 * the API; a refusal (400, 404, 409…) comes back as the error message.
 */
final class Flash {

    private Flash() {}

    /** Runs {@code action}; on success redirects to the URL it returns with {@code ok}, on an API error to {@code back} with the error. */
    static Response run(String back, String ok, Supplier<String> action) {
        return runWithMessage(back, () -> new String[] {action.get(), ok});
    }

    /**
     * Like {@link #run}, for an action whose success message depends on its result: it returns the target URL and the
     * message ({@code {target, message}}).
     */
    static Response runWithMessage(String back, Supplier<String[]> action) {
        String[] result;
        try {
            result = action.get();
        } catch (ApiException e) {
            return redirect(back, "error", e.getMessage());
        } catch (jakarta.validation.ConstraintViolationException e) {
            return redirect(back, "error", e.getConstraintViolations().stream()
                    .map(v -> last(v.getPropertyPath().toString()) + ": " + v.getMessage()).sorted()
                    .collect(java.util.stream.Collectors.joining("; ")));
        }
        return redirect(result[0] == null ? back : result[0], "ok", result[1]);
    }

    private static String last(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    static Response redirect(String path, String kind, String message) {
        String sep = path.contains("?") ? "&" : "?";
        String hash = "";
        int h = path.indexOf('#');
        if (h >= 0) {
            hash = path.substring(h);
            path = path.substring(0, h);
        }
        return Response.seeOther(URI.create(path + sep + kind + "=" + URLEncoder.encode(message, StandardCharsets.UTF_8) + hash)).build();
    }
}
