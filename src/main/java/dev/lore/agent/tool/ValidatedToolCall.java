package dev.lore.agent.tool;

import java.util.List;

/**
 * The outcome of checking one call against its tool's schema ({@link ToolSchemaValidator#validate}).
 *
 * @param call the call to run: the input call, or a copy with the safe coercions in {@link #repairs()} applied (only
 *     when the coerced call validates); never {@code null}
 * @param errors precise errors a model can act on, e.g. {@code $.unit: must be one of [celsius, fahrenheit], got
 *     "kelvin"}; empty when the call is valid
 * @param repairs the coercions applied, e.g. {@code $.days: converted string "3" to integer 3}; empty when the call was
 *     valid as sent or is invalid
 */
public record ValidatedToolCall(ToolCall call, List<String> errors, List<String> repairs) {

    public ValidatedToolCall {
        errors = List.copyOf(errors);
        repairs = List.copyOf(repairs);
    }

    /** True when the call (after the reported coercions) satisfies the tool's schema. */
    public boolean valid() {
        return errors.isEmpty();
    }

    /** The errors as one message for the model's tool result, naming the tool; {@code ""} when valid. */
    public String errorMessage() {
        if (errors.isEmpty()) return "";
        return "Invalid arguments for tool \"" + call.name() + "\":\n- " + String.join("\n- ", errors)
                + "\nFix these and call the tool again.";
    }
}
