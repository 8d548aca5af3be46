package dev.lore.agent;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * An agent, stored as data (table {@code agent}): its instructions, model settings, the tools it may call, the
 * knowledge sources it may search, and the limits of one turn.
 */
@Entity
@Table(name = "agent")
public class Agent extends PanacheEntityBase {
    /** Name of the agent that backs {@code /api/v1/chat} and conversations that name no agent. */
    public static final String DEFAULT_NAME = "knowledge-assistant";

    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(nullable = false)
    public String name;

    public String description;

    @Column(name = "system_prompt", nullable = false)
    public String systemPrompt;

    /** Model name sent to the server; null = the server default. */
    public String model;

    public Double temperature;

    /** Tool names this agent may call. */
    @Column(nullable = false)
    public String[] tools;

    /** Sources {@code search_knowledge} may search; null = every source of the tenant. */
    @Column(name = "source_ids")
    public UUID[] sourceIds;

    @Column(name = "max_model_calls", nullable = false)
    public int maxModelCalls;

    @Column(name = "max_tool_calls", nullable = false)
    public int maxToolCalls;

    @Column(name = "tool_timeout_ms", nullable = false)
    public int toolTimeoutMs;

    @Column(name = "turn_timeout_ms", nullable = false)
    public int turnTimeoutMs;

    /** Token budget of the conversation window sent to the model. */
    @Column(name = "memory_tokens", nullable = false)
    public int memoryTokens;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
