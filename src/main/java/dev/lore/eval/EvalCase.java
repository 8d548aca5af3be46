package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One evaluation case, read from a suite file (one JSON object per line, see {@code docs/evaluation.md}). Three kinds:
 * retrieval (query → relevant documents), answer (question → required facts and documents to cite) and agent
 * (user messages → expected tool calls and/or the expected end state of a domain database).
 */
public sealed interface EvalCase permits EvalCase.Retrieval, EvalCase.Answer, EvalCase.Agent {

    /** The case id, unique in its suite. */
    String id();

    /** {@code retrieval}, {@code answer} or {@code agent}. */
    String type();

    /**
     * Query → relevant documents.
     *
     * @param id case id
     * @param query the user's words
     * @param relevant document key (path relative to the source root, or a corpus id for BEIR suites) → graded gain
     *     ≥ 1; binary judgments have gain 1
     */
    record Retrieval(String id, String query, Map<String, Integer> relevant) implements EvalCase {
        public String type() {
            return "retrieval";
        }
    }

    /**
     * Question → what a right answer contains.
     *
     * @param id case id
     * @param question the user's words
     * @param reference a reference answer (for the LLM judge), may be null
     * @param facts facts that must appear in the answer ({@code a|b} = either), may be empty
     * @param cite document keys of which at least one must be cited, and against which citation precision is counted;
     *     may be empty
     */
    record Answer(String id, String question, String reference, List<String> facts, List<String> cite) implements EvalCase {
        public String type() {
            return "answer";
        }
    }

    /**
     * A conversation with an agent → the tool calls it should make and/or the database state it should leave.
     *
     * @param id case id
     * @param agent agent name or id (of the run's tenant)
     * @param messages the user's messages, one turn each; a turn that ends asking for confirmation of a tool call is
     *     confirmed (the simulated user says yes)
     * @param expectedCalls the tool calls expected, name + arguments; empty = not checked
     * @param ordered whether {@code expectedCalls} must come in that order
     * @param endState the expected end state, or null: {@code {"domain": "retail", "actions": [{name, arguments}…]}} —
     *     as tau2-bench does, the expected state is what replaying these actions on a fresh database gives
     */
    record Agent(String id, String agent, List<String> messages, List<ToolCallSpec> expectedCalls, boolean ordered,
                 JsonNode endState) implements EvalCase {
        public String type() {
            return "agent";
        }
    }
}
