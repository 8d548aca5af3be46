package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.Objects;

/**
 * One tool call, expected by a test case or made by an agent, as {@link ToolCallMetrics} compares them.
 *
 * @param name the tool (function) name, compared exactly
 * @param arguments the arguments, normally a JSON object; {@code null}, a missing node or JSON {@code null} mean no
 *     arguments (an empty object)
 */
public record ToolCallSpec(String name, JsonNode arguments) {

    /** Checks the name and replaces absent arguments with an empty object. */
    public ToolCallSpec {
        Objects.requireNonNull(name, "name");
        if (arguments == null || arguments.isNull() || arguments.isMissingNode()) {
            arguments = JsonNodeFactory.instance.objectNode();
        }
    }
}
