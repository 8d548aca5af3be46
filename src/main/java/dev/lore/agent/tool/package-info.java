/**
 * The tool-call layer of the agent loop, built to survive imperfect local models.
 *
 * <p>{@link dev.lore.agent.tool.ToolCallRepair} turns what a model produced (an OpenAI {@code chat.completion}
 * message, or text in its {@code content}) into clean {@link dev.lore.agent.tool.ToolCall}s and says what it repaired;
 * {@link dev.lore.agent.tool.StreamedToolCallAccumulator} does the same for {@code chat.completion.chunk} streams;
 * {@link dev.lore.agent.tool.ToolSchemaValidator} checks each call against its tool's JSON Schema and words the errors
 * so the model can correct itself. Nothing here throws on bad model output: problems come back as data
 * ({@link dev.lore.agent.tool.ToolCallError}, {@link dev.lore.agent.tool.ValidatedToolCall#errors()}).
 */
package dev.lore.agent.tool;
