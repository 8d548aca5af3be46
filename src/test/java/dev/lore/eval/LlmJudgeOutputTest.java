package dev.lore.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lore.eval.LlmJudge.Verdict;
import org.junit.jupiter.api.Test;

/** How {@link LlmJudge} reads the model's output, without a model. */
class LlmJudgeOutputTest {

    @Test
    void validOutputIsJudged() {
        Verdict v = LlmJudge.parse("{\"reason\":\"States both facts.\",\"score\":0.75,\"verdict\":\"partially_correct\"}");
        assertEquals(new Verdict(Verdict.Status.JUDGED, 0.75, "partially_correct", "States both facts."), v);
        // integer scores at both ends are numbers in [0, 1]
        assertEquals(1.0, LlmJudge.parse("{\"verdict\":\"correct\",\"score\":1,\"reason\":\"ok\"}").score());
        assertEquals(0.0, LlmJudge.parse(" {\"verdict\":\"incorrect\",\"score\":0,\"reason\":\"\"}\n").score());
    }

    @Test
    void emptyOrNonJsonOutputCannotBeJudged() {
        assertCouldNotJudge(LlmJudge.parse(null), "empty");
        assertCouldNotJudge(LlmJudge.parse("  "), "empty");
        assertCouldNotJudge(LlmJudge.parse("The answer is correct."), "not JSON");
        assertCouldNotJudge(LlmJudge.parse("{\"verdict\":\"correct\",\"score\":1,"), "not JSON");
        assertCouldNotJudge(LlmJudge.parse("{\"verdict\":\"correct\",\"score\":1,\"reason\":\"x\"} trailing"), "not JSON");
    }

    @Test
    void outputBreakingTheSchemaCannotBeJudged() {
        assertCouldNotJudge(LlmJudge.parse("{\"verdict\":\"mostly_correct\",\"score\":0.8,\"reason\":\"x\"}"), "verdict");
        assertCouldNotJudge(LlmJudge.parse("{\"verdict\":\"correct\",\"score\":1.5,\"reason\":\"x\"}"), "score");
        assertCouldNotJudge(LlmJudge.parse("{\"verdict\":\"correct\",\"score\":-0.1,\"reason\":\"x\"}"), "score");
        assertCouldNotJudge(LlmJudge.parse("{\"verdict\":\"correct\",\"score\":\"0.9\",\"reason\":\"x\"}"), "score");
        assertCouldNotJudge(LlmJudge.parse("{\"verdict\":\"correct\",\"score\":0.9}"), "reason");
        assertCouldNotJudge(LlmJudge.parse("{\"verdict\":\"correct\",\"score\":0.9,\"reason\":\"x\",\"extra\":1}"), "extra");
        assertCouldNotJudge(LlmJudge.parse("[0.9]"), "schema");
    }

    private static void assertCouldNotJudge(Verdict v, String reasonMentions) {
        assertEquals(Verdict.Status.COULD_NOT_JUDGE, v.status(), v.toString());
        assertTrue(Double.isNaN(v.score()), v.toString());
        assertNull(v.verdict());
        assertTrue(v.reason().contains(reasonMentions), v.reason());
    }
}
