package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;

/** The memory tools an agent uses to keep long-term memory of the end user it talks to. */
public final class MemoryTools {

    private MemoryTools() {}

    static ObjectNode schema(ObjectMapper json, String property, String description) {
        ObjectNode s = json.createObjectNode().put("type", "object");
        s.putObject("properties").putObject(property).put("type", "string").put("description", description);
        s.putArray("required").add(property);
        s.put("additionalProperties", false);
        return s;
    }

    static String user(AgentTool.ToolContext ctx) throws AgentTool.ToolException {
        if (ctx.endUserId() == null || ctx.endUserId().isBlank()) {
            throw new AgentTool.ToolException("this conversation has no end user, so nothing can be remembered");
        }
        return ctx.endUserId();
    }

    /** {@code remember}: stores one fact about the end user. Side-effecting. */
    @ApplicationScoped
    public static class Remember implements AgentTool {
        @Inject UserMemoryStore store;
        @Inject ObjectMapper json;

        @Override public String name() { return "remember"; }
        @Override public String description() { return "Remember a lasting fact or preference about the user (one short sentence) for future conversations."; }
        @Override public JsonNode parameters() { return schema(json, "fact", "the fact to remember, one sentence"); }
        @Override public boolean readOnly() { return false; }

        @Override
        public String execute(ToolContext ctx, JsonNode args) throws ToolException {
            String fact = args.path("fact").asText("").strip();
            if (fact.isEmpty() || fact.length() > 1000) throw new ToolException("fact must be 1 to 1000 characters");
            UUID id = store.remember(ctx.tenantId(), user(ctx), fact, ctx.conversationId());
            return "{\"remembered\":true,\"memoryId\":\"" + id + "\"}";
        }
    }

    /** {@code recall}: the user's memories closest in meaning to a query. Read-only. */
    @ApplicationScoped
    public static class Recall implements AgentTool {
        @Inject UserMemoryStore store;
        @Inject ObjectMapper json;

        @Override public String name() { return "recall"; }
        @Override public String description() { return "Recall what you remembered about the user that relates to a topic."; }
        @Override public JsonNode parameters() { return schema(json, "query", "the topic to recall"); }
        @Override public boolean readOnly() { return true; }

        @Override
        public String execute(ToolContext ctx, JsonNode args) throws ToolException {
            List<UserMemoryStore.Memory> found = store.recall(ctx.tenantId(), user(ctx), args.path("query").asText(""), 5);
            ArrayNode out = json.createArrayNode();
            for (UserMemoryStore.Memory m : found) {
                out.addObject().put("memoryId", m.id().toString()).put("fact", m.text()).put("similarity", Math.round(m.score() * 1000) / 1000.0);
            }
            return out.toString();
        }
    }

    /** {@code forget}: deletes one memory by id. Side-effecting. */
    @ApplicationScoped
    public static class Forget implements AgentTool {
        @Inject UserMemoryStore store;
        @Inject ObjectMapper json;

        @Override public String name() { return "forget"; }
        @Override public String description() { return "Forget one remembered fact, by the memoryId that recall returned."; }
        @Override public JsonNode parameters() { return schema(json, "memoryId", "id of the memory to delete"); }
        @Override public boolean readOnly() { return false; }

        @Override
        public String execute(ToolContext ctx, JsonNode args) throws ToolException {
            UUID id;
            try {
                id = UUID.fromString(args.path("memoryId").asText(""));
            } catch (IllegalArgumentException e) {
                throw new ToolException("memoryId must be an id returned by recall");
            }
            if (!store.forget(ctx.tenantId(), user(ctx), id)) throw new ToolException("no memory " + id + " for this user");
            return "{\"forgotten\":true}";
        }
    }
}
