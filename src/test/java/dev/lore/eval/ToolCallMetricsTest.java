package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Tool-call metrics against values computed by hand. */
class ToolCallMetricsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ToolCallSpec call(String name, String argumentsJson) {
        try {
            return new ToolCallSpec(name, argumentsJson == null ? null : JSON.readTree(argumentsJson));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final ToolCallSpec FIND = call("find_user", "{\"email\":\"a@x.io\"}");
    private static final ToolCallSpec CANCEL = call("cancel_order", "{\"order_id\":\"#W1\",\"reason\":\"no longer needed\"}");
    private static final ToolCallSpec REFUND = call("refund", "{\"order_id\":\"#W1\",\"amount\":12.5}");

    // ---- exact match ---------------------------------------------------------------------------------------------

    @Test
    void keyOrderAndNumberFormsDoNotMatter() {
        List<ToolCallSpec> expected = List.of(call("refund", "{\"order_id\":\"#W1\",\"amount\":12.5,\"qty\":1}"));
        // keys in another order, 12.50 for 12.5, 1.0 for 1, 1e0 style too
        assertTrue(ToolCallMetrics.exactMatch(expected,
                List.of(call("refund", "{\"qty\":1.0,\"amount\":12.50,\"order_id\":\"#W1\"}")), true));
        assertTrue(ToolCallMetrics.exactMatch(expected,
                List.of(call("refund", "{\"qty\":1E0,\"amount\":1.25e1,\"order_id\":\"#W1\"}")), false));
        // nested objects too
        assertTrue(ToolCallMetrics.exactMatch(List.of(call("f", "{\"a\":{\"x\":1,\"y\":[1,2.0]}}")),
                List.of(call("f", "{\"a\":{\"y\":[1.0,2],\"x\":1.00}}")), true));
    }

    @Test
    void stringsTypesAndArrayOrderAreExact() {
        assertFalse(ToolCallMetrics.exactMatch(List.of(call("f", "{\"n\":1}")), List.of(call("f", "{\"n\":\"1\"}")), false));
        assertFalse(ToolCallMetrics.exactMatch(List.of(call("f", "{\"s\":\"Paris\"}")), List.of(call("f", "{\"s\":\"paris\"}")), false));
        assertFalse(ToolCallMetrics.exactMatch(List.of(call("f", "{\"l\":[1,2]}")), List.of(call("f", "{\"l\":[2,1]}")), false));
        assertFalse(ToolCallMetrics.exactMatch(List.of(call("f", "{\"a\":1}")), List.of(call("f", "{\"a\":1,\"b\":null}")), false));
    }

    @Test
    void absentArgumentsEqualAnEmptyObject() {
        assertTrue(ToolCallMetrics.exactMatch(List.of(call("list_orders", null)), List.of(call("list_orders", "{}")), true));
        assertTrue(ToolCallMetrics.exactMatch(List.of(call("list_orders", "null")), List.of(call("list_orders", "{}")), true));
    }

    @Test
    void orderedComparesSequencesUnorderedMultisets() {
        List<ToolCallSpec> expected = List.of(CANCEL, REFUND);
        List<ToolCallSpec> swapped = List.of(REFUND, CANCEL);
        assertTrue(ToolCallMetrics.exactMatch(expected, expected, true));
        assertFalse(ToolCallMetrics.exactMatch(expected, swapped, true));
        assertTrue(ToolCallMetrics.exactMatch(expected, swapped, false));
    }

    @Test
    void duplicatesCountAsMultisets() {
        // expected REFUND once, made twice: not the same multiset, nor sequence
        assertFalse(ToolCallMetrics.exactMatch(List.of(REFUND), List.of(REFUND, REFUND), false));
        assertFalse(ToolCallMetrics.exactMatch(List.of(REFUND), List.of(REFUND, REFUND), true));
        assertFalse(ToolCallMetrics.exactMatch(List.of(REFUND, REFUND), List.of(REFUND), false));
        assertTrue(ToolCallMetrics.exactMatch(List.of(REFUND, CANCEL, REFUND), List.of(CANCEL, REFUND, REFUND), false));
    }

    @Test
    void emptyLists() {
        assertTrue(ToolCallMetrics.exactMatch(List.of(), List.of(), true));
        assertTrue(ToolCallMetrics.exactMatch(List.of(), List.of(), false));
        assertFalse(ToolCallMetrics.exactMatch(List.of(), List.of(FIND), false));
        assertFalse(ToolCallMetrics.exactMatch(List.of(FIND), List.of(), true));
    }

    @Test
    void ignoredNamesDropOnlyExtraCalls() {
        Set<String> readOnly = Set.of("find_user", "get_order");
        ToolCallSpec getOrder = call("get_order", "{\"order_id\":\"#W1\"}");
        List<ToolCallSpec> expected = List.of(CANCEL, REFUND);
        List<ToolCallSpec> actual = List.of(FIND, getOrder, CANCEL, getOrder, REFUND);
        assertFalse(ToolCallMetrics.exactMatch(expected, actual, true));
        assertTrue(ToolCallMetrics.exactMatch(expected, actual, true, readOnly));
        assertTrue(ToolCallMetrics.exactMatch(expected, actual, false, readOnly));
        // an extra write call is never ignored
        assertFalse(ToolCallMetrics.exactMatch(expected, List.of(FIND, CANCEL, REFUND, REFUND), false, readOnly));
        // an expected read-only call must still be made (with its arguments)
        List<ToolCallSpec> withLookup = List.of(FIND, CANCEL);
        assertTrue(ToolCallMetrics.exactMatch(withLookup, List.of(FIND, FIND, CANCEL), true, readOnly));
        assertTrue(ToolCallMetrics.exactMatch(withLookup, List.of(getOrder, FIND, CANCEL, FIND), false, readOnly));
        assertFalse(ToolCallMetrics.exactMatch(withLookup, List.of(CANCEL), false, readOnly));
        assertFalse(ToolCallMetrics.exactMatch(withLookup,
                List.of(call("find_user", "{\"email\":\"b@x.io\"}"), CANCEL), false, readOnly));
        // ordered: the expected lookup after the write, made before and after it: the later one aligns
        assertTrue(ToolCallMetrics.exactMatch(List.of(CANCEL, FIND), List.of(FIND, CANCEL, FIND), true, readOnly));
        assertFalse(ToolCallMetrics.exactMatch(List.of(CANCEL, FIND), List.of(FIND, CANCEL), true, readOnly));
    }

    // ---- argument match --------------------------------------------------------------------------------------------

    @Test
    void argumentMatchAveragesTheShareOfEqualKeys() {
        // CANCEL vs cancel with reason differing: 1 of 2 keys → 0.5
        // REFUND vs refund with amount 12.50 (= 12.5) and order_id equal: 2 of 2 → 1.0
        // mean = (0.5 + 1.0) / 2 = 0.75
        List<ToolCallSpec> actual = List.of(
                call("refund", "{\"amount\":12.50,\"order_id\":\"#W1\"}"),
                call("cancel_order", "{\"order_id\":\"#W1\",\"reason\":\"ordered by mistake\"}"));
        assertEquals(0.75, ToolCallMetrics.argumentMatch(List.of(CANCEL, REFUND), actual), 1e-12);
    }

    @Test
    void argumentMatchScoresMissingCallsZero() {
        // CANCEL made exactly → 1; REFUND not made → 0; FIND made with another name only → 0: (1 + 0 + 0) / 3 = 0.3333
        List<ToolCallSpec> actual = List.of(CANCEL, call("find_users", "{\"email\":\"a@x.io\"}"));
        assertEquals(1.0 / 3, ToolCallMetrics.argumentMatch(List.of(CANCEL, REFUND, FIND), actual), 1e-12);
    }

    @Test
    void argumentMatchPairsEachActualCallOnceGreedilyByScore() {
        // expected e1 = get(id=1, full=true), e2 = get(id=2, full=true); actual a1 = get(id=2, full=true),
        // a2 = get(id=1, full=false). Scores: e1-a1 = 1/2, e1-a2 = 1/2, e2-a1 = 2/2, e2-a2 = 0/2.
        // Greedy: e2-a1 (1.0) first, then e1-a2 (0.5): mean = (0.5 + 1.0) / 2 = 0.75
        List<ToolCallSpec> expected = List.of(call("get", "{\"id\":1,\"full\":true}"), call("get", "{\"id\":2,\"full\":true}"));
        List<ToolCallSpec> actual = List.of(call("get", "{\"id\":2,\"full\":true}"), call("get", "{\"id\":1,\"full\":false}"));
        assertEquals(0.75, ToolCallMetrics.argumentMatch(expected, actual), 1e-12);
        // the same call expected twice but made once: (1 + 0) / 2 = 0.5
        assertEquals(0.5, ToolCallMetrics.argumentMatch(List.of(REFUND, REFUND), List.of(REFUND)), 1e-12);
    }

    @Test
    void argumentMatchEdgeCases() {
        assertEquals(1.0, ToolCallMetrics.argumentMatch(List.of(), List.of()));
        assertEquals(0.0, ToolCallMetrics.argumentMatch(List.of(), List.of(FIND)));
        assertEquals(0.0, ToolCallMetrics.argumentMatch(List.of(FIND), List.of()));
        // an expected call without arguments scores 1 once a call of that name is made, whatever its arguments
        assertEquals(1.0, ToolCallMetrics.argumentMatch(List.of(call("list", null)), List.of(call("list", "{\"page\":2}"))));
        // extra keys in the actual call do not lower the score; 1 vs 1.0 are equal: 1 of 1 → 1.0
        assertEquals(1.0, ToolCallMetrics.argumentMatch(List.of(call("f", "{\"n\":1}")), List.of(call("f", "{\"n\":1.0,\"x\":0}"))));
    }

    // ---- name recall -------------------------------------------------------------------------------------------

    @Test
    void nameRecallIsAMultisetShare() {
        // expected names refund, refund, cancel_order; made refund once, cancel_order once, find_user:
        // refund 1 of 2 + cancel_order 1 of 1 → 2 of 3 = 0.6667
        List<ToolCallSpec> actual = List.of(call("refund", "{}"), CANCEL, FIND);
        assertEquals(2.0 / 3, ToolCallMetrics.nameRecall(List.of(REFUND, REFUND, CANCEL), actual), 1e-12);
        assertEquals(1.0, ToolCallMetrics.nameRecall(List.of(), List.of(FIND)));
        assertEquals(0.0, ToolCallMetrics.nameRecall(List.of(FIND), List.of()));
    }
}
