package dev.lore.platform;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Answers an {@code /api} request whose declared body ({@code Content-Length}) is over
 * {@code quarkus.http.limits.max-body-size} (1 MiB here) with 413 and an {@code application/problem+json} body that
 * names the limit, before the HTTP layer refuses it with an empty 413. A body sent in chunks, without a length, is still
 * cut off by the HTTP layer at the limit (an empty 413).
 */
@ApplicationScoped
public class BodyTooLarge {

    @Inject ObjectMapper json;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M")
    io.quarkus.runtime.configuration.MemorySize limit;

    void install(@Observes Router router) {
        router.route("/api/*").order(Integer.MIN_VALUE).handler(this::check);
    }

    private void check(RoutingContext context) {
        String length = context.request().getHeader("Content-Length");
        long declared;
        try {
            declared = length == null ? -1 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            declared = -1; // the HTTP layer answers a malformed length itself
        }
        if (declared <= limit.asLongValue()) {
            context.next();
            return;
        }
        String body;
        try {
            body = json.writeValueAsString(new Problem("about:blank", "Content Too Large", 413,
                    "the request body is " + declared + " bytes; the API takes at most " + limit.asLongValue()
                            + " bytes (quarkus.http.limits.max-body-size)", context.request().path()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            body = "";
        }
        // the body is not read: the connection is closed after the answer
        context.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("Connection", "close").end(body);
    }
}
