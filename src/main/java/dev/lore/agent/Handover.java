package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Hands a conversation over to a human: status {@code handed_over} with the reason, and, when
 * {@code lore.handover.webhook-url} is set, a POST of {@code {"event":"conversation.handed_over","conversationId",
 * "endUserId","agentId","reason","at"}} to it (in the background, 3 attempts, 10 s timeout each).
 */
@ApplicationScoped
public class Handover {

    private static final Logger LOG = Logger.getLogger(Handover.class);

    @Inject ObjectMapper json;
    @ConfigProperty(name = "lore.handover.webhook-url") Optional<String> webhookUrl;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Marks the conversation handed over and notifies the webhook; returns the updated conversation. */
    public Conversation handOver(UUID conversationId, String reason) {
        Conversation c = QuarkusTransaction.requiringNew().call(() -> {
            Conversation conv = Conversation.findById(conversationId);
            conv.status = Conversation.HANDED_OVER;
            conv.handoverReason = reason;
            conv.updatedAt = Instant.now();
            return conv;
        });
        webhookUrl.filter(u -> !u.isBlank()).ifPresent(url -> notify(url, c));
        return c;
    }

    private void notify(String url, Conversation c) {
        ObjectNode body = json.createObjectNode().put("event", "conversation.handed_over").put("conversationId", c.id.toString())
                .put("endUserId", EndUsers.external(c.endUserId, c.owner)).put("agentId", c.agentId.toString()).put("reason", c.handoverReason)
                .put("at", c.updatedAt.toString());
        Thread.ofVirtual().start(() -> {
            for (int attempt = 1; attempt <= 3; attempt++) {
                try {
                    HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() / 100 == 2) return;
                    LOG.warnf("hand-over webhook answered %d (attempt %d)", r.statusCode(), attempt);
                } catch (Exception e) {
                    LOG.warnf("hand-over webhook failed (attempt %d): %s", attempt, e.getClass().getSimpleName());
                }
                try {
                    Thread.sleep(1000L * attempt);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** {@code hand_over_to_human}: the agent hands the conversation to a human agent, with its reason. Side-effecting. */
    @ApplicationScoped
    public static class Tool implements AgentTool {
        @Inject Handover handover;
        @Inject ObjectMapper json;

        @Override public String name() { return "hand_over_to_human"; }
        @Override public String description() {
            return "Hand the conversation over to a human agent when you cannot help, the user asks for a person, or policy requires it.";
        }
        @Override public JsonNode parameters() { return MemoryTools.schema(json, "reason", "why a human should take over, one sentence"); }
        @Override public boolean readOnly() { return false; }

        @Override
        public String execute(ToolContext ctx, JsonNode args) throws ToolException {
            if (ctx.conversationId() == null) throw new ToolException("there is no conversation to hand over");
            handover.handOver(ctx.conversationId(), args.path("reason").asText("").strip());
            return "{\"handedOver\":true,\"note\":\"A human agent will take over; tell the user so and stop.\"}";
        }
    }
}
