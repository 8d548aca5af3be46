package dev.lore.agent.tool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A tool the model may call: a name and the JSON Schema of its arguments.
 *
 * @param name the function name; not blank
 * @param description what the tool does (may be empty)
 * @param parameters the arguments' schema in OpenAI function {@code parameters} form (an object schema); BFCL's
 *     non-standard types ({@code dict}, {@code float}, {@code tuple}, {@code any}) are accepted
 */
public record ToolDefinition(String name, String description, JsonNode parameters) {

    public ToolDefinition {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("tool name is blank");
        description = description == null ? "" : description;
        if (parameters == null || parameters.isNull() || parameters.isMissingNode()) {
            ObjectNode empty = JsonNodeFactory.instance.objectNode();
            empty.put("type", "object");
            parameters = empty;
        }
    }

    /**
     * Reads a tool from either an OpenAI {@code tools[]} entry
     * ({@code {"type":"function","function":{name, description, parameters}}}) or a bare function document
     * ({@code {name, description, parameters}}, as BFCL and most tool catalogs write it).
     *
     * @throws IllegalArgumentException when the entry has no {@code name}
     */
    public static ToolDefinition of(JsonNode tool) {
        JsonNode fn = tool.path("function").isObject() ? tool.path("function") : tool;
        String name = fn.path("name").asText("");
        if (name.isBlank()) throw new IllegalArgumentException("tool definition without a name: " + tool);
        return new ToolDefinition(name, fn.path("description").asText(""), fn.get("parameters"));
    }
}
