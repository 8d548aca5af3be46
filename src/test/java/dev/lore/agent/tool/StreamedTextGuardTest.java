package dev.lore.agent.tool;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which streamed text is shown at once, and which waits because it may be a tool call written as text. */
class StreamedTextGuardTest {

    private final ToolCallRepair repair = new ToolCallRepair();

    @Test
    void plainAnswersAreReleasedPieceByPiece() {
        StreamedTextGuard g = new StreamedTextGuard();
        assertEquals(List.of("Visitors ", "park in ", "bay 7."), feed(g, "Visitors ", "park in ", "bay 7."));
        assertEquals("", g.finish());
    }

    @Test
    void hermesCallAfterARemarkIsHeldFromItsMarker() {
        StreamedTextGuard g = new StreamedTextGuard();
        List<String> shown = feed(g, "Let me look. <tool", "_call>{\"name\": \"search\", ", "\"arguments\": {}}</tool_call>");
        assertEquals(List.of("Let me look. "), shown);
        String all = "Let me look. <tool_call>{\"name\": \"search\", \"arguments\": {}}</tool_call>";
        RepairedToolCalls read = repair.fromContent(all, Set.of("search"));
        assertEquals(1, read.calls().size(), "the held text is the call");
    }

    @Test
    void aPossibleMarkerAtTheEndWaitsForTheNextPiece() {
        StreamedTextGuard g = new StreamedTextGuard();
        assertEquals(List.of("Use the "), feed(g, "Use the `"));
        assertEquals(List.of("`code` form."), feed(g, "code` form."));
        StreamedTextGuard h = new StreamedTextGuard();
        assertEquals(List.of("x ", "[TOOL-y]"), feed(h, "x [TOOL", "-y]"));
    }

    @Test
    void answersThatStartLikeJsonOrMarkersAreHeldUntilTheEnd() {
        for (String[] pieces : List.of(
                new String[] {"{\"name\": \"search\", ", "\"arguments\": {\"q\": \"x\"}}"},
                new String[] {"  [TOOL_CALLS]", "[{\"name\": \"search\", \"arguments\": {}}]"},
                new String[] {"<|python_tag|>", "{\"name\": \"search\", \"parameters\": {}}"},
                new String[] {"```json\n", "{\"name\": \"search\", \"arguments\": {}}\n```"},
                new String[] {"<think>pick a tool</think>", "{\"name\": \"search\", \"arguments\": {}}"})) {
            StreamedTextGuard g = new StreamedTextGuard();
            List<String> shown = feed(g, pieces);
            String whole = String.join("", pieces);
            assertEquals(1, repair.fromContent(whole, Set.of("search")).calls().size(), whole);
            String released = String.join("", shown);
            assertEquals(false, released.contains("\"name\""), "no part of the call is shown: " + shown);
        }
    }

    @Test
    void heldTextThatWasNoCallComesOutAtTheEnd() {
        StreamedTextGuard g = new StreamedTextGuard();
        List<String> shown = feed(g, "[1] says ", "bay 7.");
        assertEquals(List.of(), shown, "a leading [ may start a call");
        assertEquals("[1] says bay 7.", g.finish());
    }

    private static List<String> feed(StreamedTextGuard g, String... pieces) {
        List<String> out = new ArrayList<>();
        for (String p : pieces) {
            String s = g.accept(p);
            if (!s.isEmpty()) out.add(s);
        }
        return out;
    }
}
