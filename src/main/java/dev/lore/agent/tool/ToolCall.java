package dev.lore.agent.tool;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One clean tool call, ready to validate and run.
 *
 * @param id the call id the tool result must answer to ({@code tool_call_id}); generated ({@code call_…}) when the
 *     model gave none
 * @param name the tool (function) name as the model wrote it; {@link ToolSchemaValidator} may correct it
 * @param arguments always a JSON object ({@code {}} for a call without arguments), never a JSON string
 */
public record ToolCall(String id, String name, JsonNode arguments) {}
