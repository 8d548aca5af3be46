package dev.lore.agent.tool;

import java.util.List;

/**
 * Decides which streamed assistant text ({@code delta.content}) can be shown to the user at once, holding back what may
 * turn out to be a tool call written as text, which {@link ToolCallRepair#fromContent} reads at the end of the stream.
 *
 * <p>Held back until {@link #finish()}: everything from the first {@code <tool_call>}, {@code [TOOL_CALLS]},
 * {@code <|python_tag|>} or {@code ```} on, and the whole text when the answer (after any {@code </think>}) starts
 * with {@code {} or {@code [} (a bare JSON call). A tail that could be the start of such a marker waits for the next
 * piece. Everything else is released as it comes, so plain answers stream token by token.
 *
 * <p>Not thread-safe: one instance per streamed response.
 */
public final class StreamedTextGuard {

    private static final List<String> MARKERS = List.of("<tool_call>", "[TOOL_CALLS]", "<|python_tag|>", "```");
    private static final String THINK_END = "</think>";

    private final StringBuilder text = new StringBuilder();
    private int released;
    private boolean holding;

    /**
     * Takes the next piece of streamed text.
     *
     * @return the text that can be shown now (possibly empty)
     */
    public String accept(String piece) {
        if (piece == null || piece.isEmpty()) return "";
        text.append(piece);
        if (holding) return "";
        int end = safeEnd();
        String out = text.substring(released, end);
        released = end;
        return out;
    }

    /** The text held back so far; show it when the stream turned out to hold no tool call. */
    public String finish() {
        String out = text.substring(released);
        released = text.length();
        return out;
    }

    private int safeEnd() {
        int bodyStart = text.lastIndexOf(THINK_END);
        bodyStart = bodyStart < 0 ? 0 : bodyStart + THINK_END.length();
        int first = bodyStart;
        while (first < text.length() && Character.isWhitespace(text.charAt(first))) first++;
        if (first == text.length()) return released; // nothing but white space yet: wait for the first character
        char c = text.charAt(first);
        if (first >= released && (c == '{' || c == '[')) {
            holding = true;
            return released;
        }
        int from = Math.max(0, released - 16);
        int end = text.length();
        for (String marker : MARKERS) {
            int at = text.indexOf(marker, from);
            if (at >= 0 && at < end) {
                end = at;
                holding = true;
            }
        }
        if (holding) return Math.max(released, end);
        // keep back a tail that may be the beginning of a marker
        for (String marker : MARKERS) {
            for (int k = Math.min(marker.length() - 1, text.length()); k > 0; k--) {
                if (text.length() - k >= released && endsWith(marker, k)) {
                    end = Math.min(end, text.length() - k);
                    break;
                }
            }
        }
        return Math.max(released, end);
    }

    /** Whether the text ends with the first {@code k} characters of {@code marker}. */
    private boolean endsWith(String marker, int k) {
        int start = text.length() - k;
        for (int i = 0; i < k; i++) if (text.charAt(start + i) != marker.charAt(i)) return false;
        return true;
    }
}
