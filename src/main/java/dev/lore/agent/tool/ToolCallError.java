package dev.lore.agent.tool;

/**
 * A tool call the model meant to make but that could not be read. The agent loop answers it with a tool message
 * ({@code tool_call_id = id}) carrying {@link #message()}, so the model can try again; it is never shown to the user as
 * an exception.
 *
 * @param id the call id (the model's, or a generated {@code call_…} one)
 * @param name the tool name when it could be read, else {@code null}
 * @param raw what the model wrote for this call (arguments text, or the text-form call), cut to 500 characters
 * @param message what was wrong and what to send instead, worded for the model
 */
public record ToolCallError(String id, String name, String raw, String message) {}
