package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool an agent can call. Implementations are CDI beans; {@link ToolRegistry} finds them by {@link #name()}.
 * A tool never throws at the user: {@link ToolException} (or any exception) becomes a tool result the model reads.
 */
public interface AgentTool {

    /** Name the model calls, e.g. {@code search_knowledge}: letters, digits, '_' and '-'. */
    String name();

    /** What the tool does and when to use it, for the model. */
    String description();

    /** JSON Schema (an object schema, OpenAI function {@code parameters} format) of the arguments. */
    JsonNode parameters();

    /** True when calling it changes nothing outside Lore (safe to retry and to run in parallel). */
    boolean readOnly();

    /**
     * True when a call must be confirmed by the client before it runs: the turn then ends with a pending action
     * that {@code POST /api/v1/conversations/{id}/pending-action/confirm} (or {@code /reject}) resolves.
     */
    default boolean requiresConfirmation() {
        return false;
    }

    /** Whether agents of {@code tenant} may use this tool (default: every tenant). */
    default boolean availableTo(String tenant) {
        return true;
    }

    /**
     * Runs the tool.
     *
     * @param context who calls, in which conversation, with which agent
     * @param arguments arguments that validated against {@link #parameters()}
     * @return the result as text (JSON or prose) for the model
     * @throws ToolException with a message the model can act on
     */
    String execute(ToolContext context, JsonNode arguments) throws ToolException;

    /** A failure the model should read (bad argument values, nothing found, upstream error). */
    class ToolException extends Exception {
        public ToolException(String message) {
            super(message);
        }
    }

    /**
     * The caller of a tool.
     *
     * @param tenantId tenant of the conversation
     * @param conversationId the conversation, or null outside one
     * @param endUserId the end user the conversation belongs to, or null
     * @param agent the agent calling
     * @param caller whose access applies to what the tool reads (the identity sending the message); never null
     */
    record ToolContext(String tenantId, java.util.UUID conversationId, String endUserId, Agent agent, dev.lore.security.Caller caller) {}
}
