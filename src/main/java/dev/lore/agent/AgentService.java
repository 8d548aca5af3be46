package dev.lore.agent;

import dev.lore.platform.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.UUID;

/** Agents' lifecycle: the default knowledge assistant at start-up, lookups by id or name. */
@ApplicationScoped
public class AgentService {

    /** The default agent's instructions; they suit both its conversations (with the tool) and /api/v1/chat (numbered sources). */
    static final String DEFAULT_PROMPT = """
            You are Lore, the company's knowledge assistant. Answer questions from the company's documents only: the \
            passages you are given, or those the search_knowledge tool finds when you have it; look things up before \
            answering. Cite the passages you use. If the documents do not answer the question, say so plainly. Be \
            concise; use Markdown for lists and code.""";
    /** The first default prompt, which named the tool only; replaced at start-up when nobody edited it. */
    private static final String FIRST_DEFAULT_PROMPT = """
            You are Lore, the company's knowledge assistant. Use the search_knowledge tool to find passages in the \
            company's documents before answering questions about them, and answer only from what it returns. Cite \
            the passages you use with their titles. If the documents do not answer the question, say so plainly.""";

    void onStart(@Observes StartupEvent event) {
        QuarkusTransaction.requiringNew().run(() -> {
            Agent existing = Agent.<Agent>find("tenantId = ?1 and name = ?2", "default", Agent.DEFAULT_NAME).firstResult();
            if (existing != null) {
                if (FIRST_DEFAULT_PROMPT.equals(existing.systemPrompt)) existing.systemPrompt = DEFAULT_PROMPT;
                return;
            }
            Agent a = new Agent();
            a.id = UUID.randomUUID();
            a.tenantId = "default";
            a.name = Agent.DEFAULT_NAME;
            a.description = "Answers employees' questions from the indexed documents";
            a.systemPrompt = DEFAULT_PROMPT;
            a.tools = new String[] {"search_knowledge"};
            a.maxModelCalls = 6;
            a.maxToolCalls = 12;
            a.toolTimeoutMs = 10_000;
            a.turnTimeoutMs = 120_000;
            a.memoryTokens = 3_000;
            a.createdAt = a.updatedAt = Instant.now();
            a.persist();
        });
    }

    /**
     * An agent by id (UUID text) or by name, in the default tenant.
     *
     * @throws ApiException 404 when there is none
     */
    public Agent find(String idOrName) {
        Agent a = QuarkusTransaction.requiringNew().call(() -> {
            try {
                return Agent.<Agent>findById(UUID.fromString(idOrName));
            } catch (IllegalArgumentException notUuid) {
                return Agent.<Agent>find("tenantId = ?1 and name = ?2", "default", idOrName).firstResult();
            }
        });
        if (a == null) throw ApiException.notFound("agent " + idOrName);
        return a;
    }
}
