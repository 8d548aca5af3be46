package dev.lore.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.agent.Agent;
import dev.lore.agent.Conversation;
import dev.lore.eval.FeedbackResource.CaseRequest;
import dev.lore.eval.FeedbackResource.FeedbackView;
import dev.lore.platform.ApiException;
import dev.lore.security.Caller;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Turns a rated answer into an eval case of a stored suite. A thumbs-up keeps what the turn did as the expectation (the
 * answer as reference and its cited documents, or the agent's tool calls); a thumbs-down needs the expectation in the
 * request, since the turn was wrong. Used by {@code POST /api/v1/feedback/{turnId}/eval-case} and by the console.
 */
@ApplicationScoped
public class FeedbackCases {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject FeedbackStore feedback;
    @Inject EvalStore store;
    @Inject EvaluationService evaluations;

    /**
     * A case made and stored.
     *
     * @param suite the stored suite it was added to
     * @param caseId its id
     * @param body the case, a suite line
     */
    public record Made(String suite, String caseId, ObjectNode body) {}

    /**
     * Builds the case from the rating of {@code turnId} and what {@code request} adds, checks it is a valid suite line
     * and stores it (replacing a case of the same id in the suite).
     *
     * @param caller the admin making it (tenant and author)
     * @param request overrides and expectations; null = none
     * @throws ApiException 404 when the turn was not rated in the caller's tenant, 422 when the expectation is missing
     */
    @RolesAllowed(Caller.ADMIN)
    public Made make(Caller caller, UUID turnId, @Valid CaseRequest request) {
        CaseRequest req = request == null ? new CaseRequest(null, null, null, null, null, null) : request;
        FeedbackView f = feedback.find(caller.tenant(), turnId)
                .orElseThrow(() -> new ApiException(404, "no rating for this turn", turnId.toString()));
        String suite = req.suite() == null ? "feedback" : req.suite();
        if (evaluations.builtIns().contains(suite)) throw new ApiException(409, "suite name taken", "'" + suite + "' is a built-in suite: choose another name");
        String caseId = req.caseId() == null ? "fb-" + turnId.toString().substring(0, 8) : req.caseId();
        ObjectNode c = JSON.createObjectNode();
        c.put("id", caseId);
        if (f.kind().equals("agent")) {
            Conversation conv = Conversation.findById(f.conversationId());
            Agent agent = conv == null ? null : Agent.findById(conv.agentId);
            c.put("type", "agent").put("agent", agent == null ? Agent.DEFAULT_NAME : agent.name);
            c.putArray("messages").add(f.question());
            JsonNode calls = req.expectedCalls();
            if (calls == null && f.rating() > 0) {
                ArrayNode a = JSON.createArrayNode();
                for (JsonNode t : f.trace()) a.addObject().put("name", t.path("name").asText()).set("arguments", t.path("arguments"));
                calls = a;
            }
            if (calls == null || !calls.isArray() || calls.isEmpty()) {
                throw new ApiException(422, "expectation needed", f.rating() > 0 ? "the rated turn made no tool calls: give expectedCalls"
                        : "a thumbs-down turn was wrong: give the expectedCalls it should have made");
            }
            c.set("expectedCalls", calls);
        } else {
            c.put("type", "answer").put("question", f.question());
            List<String> cite = req.cite();
            if (cite == null && f.rating() > 0) {
                cite = new ArrayList<>();
                for (JsonNode ct : f.trace().path("citations")) {
                    if (ct.hasNonNull("uri") && !cite.contains(ct.get("uri").asText())) cite.add(ct.get("uri").asText());
                }
            }
            String reference = req.reference() != null ? req.reference() : f.rating() > 0 ? f.answer() : null;
            List<String> givenFacts = req.facts() == null ? List.of() : req.facts().stream().filter(x -> x != null && !x.isBlank()).toList();
            for (String fact : givenFacts) {
                if (!fact.codePoints().anyMatch(Character::isLetterOrDigit)) {
                    throw new ApiException(422, "invalid fact", "fact \"" + fact + "\" has no words to look for");
                }
            }
            boolean givenCite = req.cite() != null && req.cite().stream().anyMatch(x -> x != null && !x.isBlank());
            if (f.rating() < 0 && givenFacts.isEmpty() && !givenCite) {
                // a reference alone is only read by the LLM judge, which is off by default: the case would test nothing
                throw new ApiException(422, "expectation needed",
                        "a thumbs-down answer was wrong: give the facts it should contain or the documents it should cite");
            }
            if (f.rating() > 0 && "extractive".equals(f.trace().path("mode").asText())) reference = null; // "No language model was used…" is no reference
            if (reference != null) c.put("reference", reference);
            ArrayNode facts = c.putArray("facts");
            givenFacts.forEach(facts::add);
            ArrayNode ca = c.putArray("cite");
            if (cite != null) cite.forEach(ca::add);
        }
        ObjectNode from = c.putObject("from");
        from.put("turnId", turnId.toString()).put("rating", f.rating()).put("ratedBy", f.username());
        if (f.comment() != null) from.put("comment", f.comment());
        try {
            EvalSuite.caseOf(c); // the case must be valid as a suite line
        } catch (IllegalArgumentException e) {
            throw new ApiException(422, "invalid eval case", e.getMessage());
        }
        store.saveCase(caller.tenant(), suite, caseId, c, turnId, caller.username());
        return new Made(suite, caseId, c);
    }
}
