package dev.lore.agent;

import dev.lore.platform.ApiException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Agents' lifecycle: each tenant's default knowledge assistant, lookups by id or name within a tenant. */
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

    @ConfigProperty(name = "lore.security.default-tenant", defaultValue = "default")
    String defaultTenant;

    void onStart(@Observes StartupEvent event) {
        QuarkusTransaction.requiringNew().run(() -> {
            // an unedited prompt of the first release is replaced by the current default
            Agent.<Agent>find("name = ?1 and systemPrompt = ?2", Agent.DEFAULT_NAME, FIRST_DEFAULT_PROMPT).list()
                    .forEach(a -> a.systemPrompt = DEFAULT_PROMPT);
        });
        ensureDefault(defaultTenant);
    }

    /** Creates the tenant's default knowledge assistant unless it exists; returns it. */
    public Agent ensureDefault(String tenant) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Agent existing = Agent.<Agent>find("tenantId = ?1 and name = ?2", tenant, Agent.DEFAULT_NAME).firstResult();
            if (existing != null) return existing;
            Agent a = new Agent();
            a.id = UUID.randomUUID();
            a.tenantId = tenant;
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
            return a;
        });
    }

    /**
     * An agent of the tenant by id (UUID text) or by name. The default agent's name always resolves (it is created for
     * the tenant on first use). Another tenant's agent is not found.
     *
     * @throws ApiException 404 when there is none
     */
    public Agent find(String tenant, String idOrName) {
        if (Agent.DEFAULT_NAME.equals(idOrName)) return ensureDefault(tenant);
        Agent a = QuarkusTransaction.requiringNew().call(() -> {
            try {
                Agent byId = Agent.<Agent>findById(UUID.fromString(idOrName));
                return byId != null && tenant.equals(byId.tenantId) ? byId : null;
            } catch (IllegalArgumentException notUuid) {
                return Agent.<Agent>find("tenantId = ?1 and name = ?2", tenant, idOrName).firstResult();
            }
        });
        if (a == null) throw ApiException.notFound("agent " + idOrName);
        return a;
    }
}
