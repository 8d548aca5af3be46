package dev.lore.agent.tool;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Low-level salvage of almost-JSON text written by a model: finds where one JSON value starts and ends inside
 * surrounding text, and rewrites the usual slips so that a strict parser reads it. Package-private; {@link
 * ToolCallRepair} decides what to do with the result and reports the repairs.
 */
final class LenientJson {

    /**
     * A mapper builder whose read and write buffers come from a pool shared by all threads: Jackson's default keeps
     * them per thread, and agent turns run on virtual threads, one per turn.
     */
    static JsonMapper.Builder mapper() {
        return JsonMapper.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());
    }

    /** A whole-text Markdown code fence: {@code ```json ... ```} (the language tag and closing fence optional). */
    private static final Pattern WHOLE_FENCE =
            Pattern.compile("^```[A-Za-z0-9_-]*[ \\t]*\\R?(.*?)\\R?[ \\t]*(?:```)?\\s*$", Pattern.DOTALL);

    private LenientJson() {}

    /**
     * One JSON value cut out of a text, with the slips fixed.
     *
     * @param json the value's text, rewritten (inner quotes escaped, raw control characters escaped, Python literals
     *     {@code True/False/None} turned into JSON); only meaningful when {@code complete}
     * @param start index in the input where the value starts ({@code {} or {@code [})
     * @param end index just after the value's closing bracket (input length when incomplete)
     * @param complete false when the text ended before the brackets closed (truncated output)
     * @param escapedQuotes inner double quotes that were escaped because they could not be closing quotes
     * @param escapedControls raw newlines, tabs and other control characters escaped inside strings
     * @param fixedEscapes backslashes before a character JSON cannot escape ({@code \d}, {@code \U}) that were doubled
     * @param pythonLiterals {@code True}, {@code False}, {@code None} outside strings turned into JSON literals
     */
    record Salvage(String json, int start, int end, boolean complete, int escapedQuotes, int escapedControls,
            int fixedEscapes, int pythonLiterals) {}

    /** The inside of a text that is one Markdown code fence as a whole, or {@code null} when it is not fenced. */
    static String unfence(String text) {
        String t = text.strip();
        if (!t.startsWith("```")) return null;
        Matcher m = WHOLE_FENCE.matcher(t);
        return m.matches() ? m.group(1).strip() : null;
    }

    /** Index of the first {@code {} (or also {@code [} when {@code arrays}) at or after {@code from}, or -1. */
    static int firstOpener(String text, int from, boolean arrays) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{' || (arrays && c == '[')) return i;
        }
        return -1;
    }

    /**
     * Scans one JSON value starting at {@code start} (which must hold {@code {} or {@code [}) up to its matching
     * closing bracket, tracking strings, so brackets inside strings do not count.
     *
     * <p>A double quote inside a string closes it only where JSON can go on after a string: a key's quote must be
     * followed by {@code :}; a value's by the end of the text, the enclosing container's closing bracket, or a comma
     * followed by what can come next (a {@code "} key in an object; any value in an array). Any other double quote is
     * taken as an unescaped inner quote and escaped. Exact JSON is never changed by this rule.
     */
    static Salvage salvage(String text, int start) {
        StringBuilder out = new StringBuilder(text.length() - start + 16);
        Deque<Frame> stack = new ArrayDeque<>();
        boolean inString = false;
        boolean key = false;
        int quotes = 0, controls = 0, escapes = 0, literals = 0;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    if (i + 1 >= text.length()) {
                        out.append("\\\\");
                        escapes++;
                    } else if ("\"\\/bfnrtu".indexOf(text.charAt(i + 1)) >= 0) {
                        out.append(c).append(text.charAt(++i));
                    } else {
                        out.append("\\\\");
                        escapes++;
                    }
                } else if (c == '"') {
                    if (closes(text, i + 1, stack.peek(), key)) {
                        inString = false;
                        out.append(c);
                    } else {
                        out.append("\\\"");
                        quotes++;
                    }
                } else if (c < 0x20) {
                    out.append(switch (c) {
                        case '\n' -> "\\n";
                        case '\r' -> "\\r";
                        case '\t' -> "\\t";
                        default -> String.format("\\u%04x", (int) c);
                    });
                    controls++;
                } else {
                    out.append(c);
                }
                continue;
            }
            Frame top = stack.peek();
            switch (c) {
                case '"' -> {
                    inString = true;
                    key = top != null && top.object && top.expectKey;
                    out.append(c);
                }
                case '{', '[' -> {
                    stack.push(new Frame(c == '{'));
                    out.append(c);
                }
                case '}', ']' -> {
                    out.append(c);
                    if (!stack.isEmpty()) stack.pop();
                    if (stack.isEmpty()) {
                        return new Salvage(out.toString(), start, i + 1, true, quotes, controls, escapes, literals);
                    }
                }
                case ',' -> {
                    if (top != null && top.object) top.expectKey = true;
                    out.append(c);
                }
                case ':' -> {
                    if (top != null && top.object) top.expectKey = false;
                    out.append(c);
                }
                default -> {
                    String literal = pythonLiteral(text, i);
                    if (literal != null) {
                        out.append(literal);
                        i += literal.length() - 1; // Python and JSON spellings have the same length
                        literals++;
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return new Salvage(out.toString(), start, text.length(), false, quotes, controls, escapes, literals);
    }

    private static final class Frame {
        final boolean object;
        boolean expectKey;

        Frame(boolean object) {
            this.object = object;
            this.expectKey = object;
        }
    }

    /** Whether a double quote whose next character is at {@code next} can close the current string. */
    private static boolean closes(String text, int next, Frame frame, boolean key) {
        int k = skipSpace(text, next);
        if (k >= text.length()) return true;
        char c = text.charAt(k);
        if (key) return c == ':';
        if (frame == null) return true;
        if (c == '}') return frame.object;
        if (c == ']') return !frame.object;
        if (c != ',') return false;
        int m = skipSpace(text, k + 1);
        if (m >= text.length()) return true;
        char after = text.charAt(m);
        if (frame.object) return after == '"' || after == '}';
        return "\"{[-0123456789tfnTFN]".indexOf(after) >= 0;
    }

    private static int skipSpace(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
        return i;
    }

    /** {@code true}/{@code false}/{@code null} when a Python literal stands as a whole word at {@code i}. */
    private static String pythonLiteral(String text, int i) {
        for (String[] p : new String[][] {{"True", "true"}, {"False", "false"}, {"None", "null"}}) {
            int end = i + p[0].length();
            if (text.startsWith(p[0], i)
                    && (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)))
                    && (end >= text.length() || !Character.isLetterOrDigit(text.charAt(end)))) {
                return p[1];
            }
        }
        return null;
    }
}
