package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What an evaluation run produced: per case and for the whole suite. */
public final class EvalResults {

    private EvalResults() {}

    /**
     * The outcome of one case (of one trial when a case runs k times: the case passes only when every trial does).
     *
     * @param id case id
     * @param type retrieval, answer or agent
     * @param passed the case's pass rule (see {@code docs/evaluation.md}): retrieval hit@passAt; answer every fact
     *     present and a required document cited; agent end state reached (or, without one, the expected calls made)
     * @param metrics metric name → value in [0, 1] (names as in the suite's aggregate, e.g. {@code hit@5})
     * @param latencyMs wall time of the case in milliseconds (all trials)
     * @param tokensIn prompt tokens reported by the model server (null when no model was called or it reported none)
     * @param tokensOut completion tokens, likewise
     * @param detail what a reader needs to see why: ranked documents, answer text and citations, tool calls, hashes
     */
    public record CaseResult(String id, String type, boolean passed, Map<String, Double> metrics, long latencyMs,
                             Integer tokensIn, Integer tokensOut, JsonNode detail) {}

    /**
     * A whole run.
     *
     * @param id run id
     * @param suite suite name
     * @param startedAt start
     * @param finishedAt end
     * @param config what it ran under: model, embedding model, chunking, prompt versions, git commit, options
     * @param metrics aggregate metric name → value (means over cases; {@code latency_*} in ms and {@code tokens_*} are
     *     informational, never gated)
     * @param cases per-case results in suite order
     */
    public record RunResult(UUID id, String suite, Instant startedAt, Instant finishedAt, Map<String, Object> config,
                            Map<String, Double> metrics, List<CaseResult> cases) {

        /** The case results by id. */
        public Map<String, CaseResult> byId() {
            Map<String, CaseResult> m = new java.util.LinkedHashMap<>();
            cases.forEach(c -> m.put(c.id(), c));
            return m;
        }
    }
}
