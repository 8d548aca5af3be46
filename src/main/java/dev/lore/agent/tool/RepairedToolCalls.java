package dev.lore.agent.tool;

import java.util.List;

/**
 * What {@link ToolCallRepair} read from one assistant turn.
 *
 * @param calls the tool calls that could be read, in the order the model wrote them
 * @param errors the calls the model meant to make but that could not be read (send each message back to the model)
 * @param repairs one line per fix applied, e.g. {@code get_weather (call_1): arguments were double-encoded as a JSON
 *     string; decoded them}; empty when the model's output was clean
 * @param content the assistant text left once text-form tool calls were taken out of it ({@code ""} when none)
 */
public record RepairedToolCalls(
        List<ToolCall> calls, List<ToolCallError> errors, List<String> repairs, String content) {

    public RepairedToolCalls {
        calls = List.copyOf(calls);
        errors = List.copyOf(errors);
        repairs = List.copyOf(repairs);
        content = content == null ? "" : content;
    }

    /** True when the model asked for at least one tool call, readable or not. */
    public boolean hasToolCalls() {
        return !calls.isEmpty() || !errors.isEmpty();
    }

    /** True when nothing had to be repaired and nothing was unreadable. */
    public boolean clean() {
        return errors.isEmpty() && repairs.isEmpty();
    }
}
