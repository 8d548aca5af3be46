package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a turn of the {@link AgentLoop} reports while it runs: the sink of the streaming API (server-sent events) and
 * of measurements. Every method has a no-op default; {@link #NONE} is the sink of the plain JSON API.
 *
 * <p>Called on the thread that runs the turn, in the order things happen: for each step (one model call)
 * {@link #token}s as the model writes, then {@link #modelCall}, then {@link #toolCall} for every call of the step
 * before any of them runs, then {@link #toolResult} for each, in call order. Implementations must not throw and
 * should return quickly; the turn waits for them.
 */
public interface TurnListener {

    /** The sink that ignores everything; its turns call the model without streaming. */
    TurnListener NONE = new TurnListener() {};

    /** True to call the model with {@code "stream": true} and receive {@link #token}s; false for one JSON answer. */
    default boolean streaming() {
        return false;
    }

    /**
     * A piece of text the model wrote, as it arrives (streaming only). Text that may be a tool call written as text
     * ({@code <tool_call>…}, a leading JSON object) is held back until the step ends and is never reported when it was
     * one. Text of a step that then calls tools is the model's remark before the calls, not the final answer.
     *
     * @param step the model call of the turn it belongs to, from 1
     * @param text a non-empty piece of text
     */
    default void token(int step, String text) {}

    /**
     * A model call finished (successfully).
     *
     * @param step the model call of the turn, from 1
     * @param nanos time from sending the request to having the complete response, in nanoseconds
     */
    default void modelCall(int step, long nanos) {}

    /**
     * A tool call about to run.
     *
     * @param step the model call that asked for it
     * @param id the call id
     * @param name the tool name (corrected by validation when the model misspelt it)
     * @param arguments the arguments after repair and validation: a JSON object, or the model's text when it could
     *     not be read as one
     */
    default void toolCall(int step, String id, String name, JsonNode arguments) {}

    /**
     * A tool call finished.
     *
     * @param step the model call that asked for it
     * @param id the call id
     * @param name the tool name
     * @param ok true when the tool ran and returned a result
     * @param resultSize characters of the result (or of the error text) the model reads next
     * @param error what went wrong, when not ok; else null
     */
    default void toolResult(int step, String id, String name, boolean ok, int resultSize, String error) {}
}
