package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Metrics comparing the tool calls an agent made with the calls a test case expects. Pure functions.
 *
 * <p>Arguments are compared as JSON values after canonicalisation: object key order is ignored, numbers are compared
 * by value ({@code 1} = {@code 1.0} = {@code 1e0}), strings, booleans and {@code null} exactly, arrays element by
 * element in order. A call's identity is its name plus its canonical arguments.
 */
public final class ToolCallMetrics {

    private ToolCallMetrics() {}

    /**
     * Whether the agent made exactly the expected calls.
     *
     * @param expected the calls the case expects
     * @param actual the calls the agent made, in the order made
     * @param ordered true: the same sequence; false: the same multiset (each distinct call as many times)
     * @return true when they match
     */
    public static boolean exactMatch(List<ToolCallSpec> expected, List<ToolCallSpec> actual, boolean ordered) {
        return exactMatch(expected, actual, ordered, Set.of());
    }

    /**
     * Whether the agent made exactly the expected calls, ignoring additional calls to the tools named in
     * {@code ignoreNames} (typically read-only look-ups). An actual call with an ignored name is dropped unless it is
     * needed to match an expected call; when {@code ordered}, the expected sequence must be what remains of the actual
     * sequence after dropping some calls with ignored names.
     *
     * @param expected the calls the case expects
     * @param actual the calls the agent made, in the order made
     * @param ordered true: compare sequences; false: compare multisets
     * @param ignoreNames tool names whose extra calls do not count; empty for a strict comparison
     * @return true when they match
     */
    public static boolean exactMatch(List<ToolCallSpec> expected, List<ToolCallSpec> actual, boolean ordered,
            Set<String> ignoreNames) {
        List<String> e = expected.stream().map(ToolCallMetrics::key).toList();
        List<String> a = actual.stream().map(ToolCallMetrics::key).toList();
        if (ordered) {
            // greedy alignment: matching an equal call as early as possible is never worse than skipping it, since a
            // skipped call has an ignored name and so would the later equal call that replaced it
            int j = 0;
            for (int i = 0; i < a.size(); i++) {
                if (j < e.size() && a.get(i).equals(e.get(j))) j++;
                else if (!ignoreNames.contains(actual.get(i).name())) return false;
            }
            return j == e.size();
        }
        Map<String, Integer> counts = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < e.size(); i++) {
            counts.merge(e.get(i), 1, Integer::sum);
            names.put(e.get(i), expected.get(i).name());
        }
        for (int i = 0; i < a.size(); i++) {
            counts.merge(a.get(i), -1, Integer::sum);
            names.put(a.get(i), actual.get(i).name());
        }
        for (Map.Entry<String, Integer> c : counts.entrySet()) {
            int missing = c.getValue(); // > 0: expected more often than made; < 0: made more often than expected
            if (missing > 0) return false;
            if (missing < 0 && !ignoreNames.contains(names.get(c.getKey()))) return false;
        }
        return true;
    }

    /**
     * How well the arguments of the actual calls match the expected ones. Each expected call is paired with an
     * actual call of the same name, each actual call used at most once, pairs chosen greedily by descending score
     * (ties: earlier expected call, then earlier actual call). A pair scores the share of the expected call's
     * top-level argument keys whose values are equal in the actual call (1 when the expected call has no
     * arguments; for non-object arguments, 1 if equal else 0). An expected call left unpaired scores 0.
     *
     * @param expected the calls the case expects
     * @param actual the calls the agent made
     * @return the mean score over expected calls; with no expected calls, 1 when no call was made, else 0
     */
    public static double argumentMatch(List<ToolCallSpec> expected, List<ToolCallSpec> actual) {
        if (expected.isEmpty()) return actual.isEmpty() ? 1.0 : 0.0;
        List<JsonNode> ea = expected.stream().map(c -> canonical(c.arguments())).toList();
        List<JsonNode> aa = actual.stream().map(c -> canonical(c.arguments())).toList();
        record Pair(int e, int a, double score) {}
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            for (int j = 0; j < actual.size(); j++) {
                if (expected.get(i).name().equals(actual.get(j).name())) {
                    pairs.add(new Pair(i, j, argumentScore(ea.get(i), aa.get(j))));
                }
            }
        }
        pairs.sort(Comparator.comparingDouble(Pair::score).reversed()
                .thenComparingInt(Pair::e).thenComparingInt(Pair::a));
        boolean[] expectedUsed = new boolean[expected.size()];
        boolean[] actualUsed = new boolean[actual.size()];
        double sum = 0;
        for (Pair p : pairs) {
            if (expectedUsed[p.e()] || actualUsed[p.a()]) continue;
            expectedUsed[p.e()] = true;
            actualUsed[p.a()] = true;
            sum += p.score();
        }
        return sum / expected.size();
    }

    /**
     * Share of the expected call names found among the actual calls, as multisets (a name expected twice needs two
     * calls).
     *
     * @param expected the calls the case expects
     * @param actual the calls the agent made
     * @return matched names / expected calls, or 1 when no call is expected
     */
    public static double nameRecall(List<ToolCallSpec> expected, List<ToolCallSpec> actual) {
        if (expected.isEmpty()) return 1.0;
        Map<String, Integer> made = new HashMap<>();
        for (ToolCallSpec c : actual) made.merge(c.name(), 1, Integer::sum);
        int matched = 0;
        for (ToolCallSpec c : expected) {
            Integer left = made.get(c.name());
            if (left != null && left > 0) {
                matched++;
                made.put(c.name(), left - 1);
            }
        }
        return (double) matched / expected.size();
    }

    /**
     * The canonical form of a JSON value: object keys sorted, numbers as {@code BigDecimal}s without trailing zeros,
     * recursively; equal canonical forms mean equal values in the sense of this class.
     *
     * @param value any JSON value; {@code null} stays {@code null}
     * @return a new tree (the input is not changed)
     */
    public static JsonNode canonical(JsonNode value) {
        if (value == null) return null;
        if (value.isNumber()) return DecimalNode.valueOf(value.decimalValue().stripTrailingZeros());
        if (value.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            value.properties().forEach(p -> sorted.put(p.getKey(), canonical(p.getValue())));
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            sorted.forEach(out::set);
            return out;
        }
        if (value.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            value.forEach(v -> out.add(canonical(v)));
            return out;
        }
        return value.deepCopy();
    }

    private static double argumentScore(JsonNode expected, JsonNode actual) {
        if (!expected.isObject()) return expected.equals(actual) ? 1.0 : 0.0;
        if (expected.isEmpty()) return 1.0;
        int equal = 0;
        for (Map.Entry<String, JsonNode> p : expected.properties()) {
            if (p.getValue().equals(actual.get(p.getKey()))) equal++;
        }
        return (double) equal / expected.size();
    }

    private static String key(ToolCallSpec call) {
        return call.name() + '\u0000' + canonical(call.arguments());
    }
}
