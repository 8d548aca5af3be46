package dev.lore.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.eval.EvalCase;
import dev.lore.eval.EvalSuite;
import dev.lore.eval.ToolCallSpec;
import dev.lore.support.ScriptedOpenAiServer.Step;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scripted model the committed cassettes were recorded from (no GPU here): a responder for
 * {@link ScriptedOpenAiServer#setResponder} that plays a simple, honest part over the real wire format.
 *
 * <ul>
 *   <li>A knowledge answer (a request without tools whose user message holds numbered sources): an extractive
 *       "model" that picks the two sentences of the sources sharing the most words with the question and cites them
 *       as {@code [n]}. It does not know the expected facts: whether they appear depends on what Lore retrieved.</li>
 *   <li>An agent step (a request with tools): the reference policy: for the conversation whose first user message
 *       opens a known agent case, it calls the case's expected actions one per step, in order, then answers
 *       "Done.". So a recorded agent baseline measures Lore's loop, tools, confirmation and end-state checking, not a
 *       model's skill; re-recording against a real model server (deploy/eval.sh record) measures the model.</li>
 * </ul>
 */
public final class OracleModel implements Function<ObjectNode, Step> {

    private static final Pattern SOURCE = Pattern.compile("(?m)^\\[(\\d+)] .*\\n([\\s\\S]*?)(?=\\n\\[\\d+] |\\nQuestion: |\\z)");
    private static final Set<String> STOP = Set.of("the", "a", "an", "of", "to", "in", "and", "or", "is", "are", "how", "do", "i", "what",
            "can", "my", "it", "for", "on", "with", "that", "this", "be", "does", "which", "when", "why", "get", "you", "from", "as", "by",
            "at", "if", "there", "way", "so", "me", "we", "into", "without", "should", "want", "need");

    private final Map<String, List<ToolCallSpec>> plans = new HashMap<>();

    /** An oracle that knows the agent cases of these suites (by their first user message). */
    public OracleModel(EvalSuite... suites) {
        for (EvalSuite s : suites) {
            for (EvalCase c : s.cases()) if (c instanceof EvalCase.Agent a) plans.put(a.messages().get(0), a.expectedCalls());
        }
    }

    @Override
    public Step apply(ObjectNode request) {
        JsonNode messages = request.path("messages");
        return request.path("tools").isArray() && !request.path("tools").isEmpty() ? agentStep(messages) : answer(messages);
    }

    private Step agentStep(JsonNode messages) {
        String first = null;
        int made = 0;
        for (JsonNode m : messages) {
            if (first == null && "user".equals(m.path("role").asText())) first = m.path("content").asText();
            if ("assistant".equals(m.path("role").asText())) made += m.path("tool_calls").size();
        }
        List<ToolCallSpec> plan = first == null ? null : plans.get(first);
        if (plan == null || made >= plan.size()) return Step.answer("Done.");
        ToolCallSpec next = plan.get(made);
        ObjectNode msg = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("role", "assistant");
        msg.putNull("content");
        ObjectNode call = msg.putArray("tool_calls").addObject().put("id", "call_" + made).put("type", "function");
        call.putObject("function").put("name", next.name()).put("arguments", next.arguments().toString());
        return Step.message(msg.toString(), "tool_calls");
    }

    private Step answer(JsonNode messages) {
        String user = "";
        for (JsonNode m : messages) if ("user".equals(m.path("role").asText())) user = m.path("content").asText();
        int q = user.lastIndexOf("\nQuestion: ");
        if (q < 0) return Step.answer("I cannot find the answer in the sources.");
        Set<String> question = words(user.substring(q + 11));
        record Scored(int source, String sentence, double score) {}
        List<Scored> scored = new ArrayList<>();
        Matcher m = SOURCE.matcher(user.substring(0, q + 1));
        while (m.find()) {
            int n = Integer.parseInt(m.group(1));
            for (String s : m.group(2).split("(?<=[.!?])\\s+|\\n+")) {
                String t = s.strip();
                if (t.length() < 20 || t.length() > 400) continue;
                Set<String> w = words(t);
                long shared = w.stream().filter(question::contains).count();
                if (shared > 0) scored.add(new Scored(n, t, shared + 0.1 / n));
            }
        }
        scored.sort((a, b) -> Double.compare(b.score(), a.score()));
        if (scored.isEmpty()) return Step.answer("The sources do not say.");
        StringBuilder out = new StringBuilder();
        for (Scored s : scored.subList(0, Math.min(2, scored.size()))) {
            String t = s.sentence().replaceAll("[.!?]+$", "");
            out.append(t).append(" [").append(s.source()).append("]. ");
        }
        return Step.answer(out.toString().strip());
    }

    private static Set<String> words(String s) {
        Set<String> out = new java.util.HashSet<>();
        for (String w : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_]+")) if (w.length() > 2 && !STOP.contains(w)) out.add(w);
        return out;
    }
}
