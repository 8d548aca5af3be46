package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import java.util.ArrayList;
import java.util.List;

/** Converts a JSON Schema (OpenAI function {@code parameters} form) into langchain4j's schema types. */
final class JsonSchemas {

    private JsonSchemas() {}

    /**
     * The object schema of a tool's parameters.
     *
     * @throws IllegalArgumentException when the root is not an object schema
     */
    static JsonObjectSchema object(JsonNode schema) {
        if (!"object".equals(schema.path("type").asText("object"))) {
            throw new IllegalArgumentException("tool parameters must be an object schema, got " + schema.path("type"));
        }
        JsonObjectSchema.Builder b = JsonObjectSchema.builder();
        if (schema.hasNonNull("description")) b.description(schema.get("description").asText());
        schema.path("properties").properties().forEach(e -> b.addProperty(e.getKey(), element(e.getValue())));
        List<String> required = new ArrayList<>();
        schema.path("required").forEach(r -> required.add(r.asText()));
        b.required(required);
        if (schema.has("additionalProperties") && schema.get("additionalProperties").isBoolean()) {
            b.additionalProperties(schema.get("additionalProperties").asBoolean());
        }
        return b.build();
    }

    static JsonSchemaElement element(JsonNode s) {
        String description = s.hasNonNull("description") ? s.get("description").asText() : null;
        if (s.has("enum")) {
            List<String> values = new ArrayList<>();
            s.get("enum").forEach(v -> values.add(v.asText()));
            return JsonEnumSchema.builder().enumValues(values).description(description).build();
        }
        return switch (s.path("type").asText("string")) {
            case "object", "dict" -> object(s);
            case "array", "tuple" -> JsonArraySchema.builder().description(description)
                    .items(s.has("items") ? element(s.get("items")) : JsonStringSchema.builder().build()).build();
            case "integer" -> JsonIntegerSchema.builder().description(description).build();
            case "number", "float" -> JsonNumberSchema.builder().description(description).build();
            case "boolean" -> JsonBooleanSchema.builder().description(description).build();
            default -> JsonStringSchema.builder().description(description).build();
        };
    }
}
