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

    static final String DEFAULT_PROMPT = """
            You are Lore, the company's knowledge assistant. Use the search_knowledge tool to find passages in the \
            company's documents before answering questions about them, and answer only from what it returns. Cite \
            the passages you use with their titles. If the documents do not answer the question, say so plainly.""";

    void onStart(@Observes StartupEvent event) {
        QuarkusTransaction.requiringNew().run(() -> {
            if (Agent.count("tenantId = ?1 and name = ?2", "default", Agent.DEFAULT_NAME) > 0) return;
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
