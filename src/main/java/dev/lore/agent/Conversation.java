package dev.lore.agent;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A conversation between an end user and an agent (table {@code conversation}); its messages are its memory. */
@Entity
@Table(name = "conversation")
public class Conversation extends PanacheEntityBase {
    public static final String ACTIVE = "active";
    public static final String HANDED_OVER = "handed_over";

    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(name = "agent_id", nullable = false)
    public UUID agentId;

    @Column(name = "end_user_id")
    public String endUserId;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public Map<String, Object> metadata;

    @Column(nullable = false)
    public String status;

    @Column(name = "handover_reason")
    public String handoverReason;

    /** Who started it: a user name or {@code apikey:<name>}. Only they and the tenant's admins may read or continue it. */
    public String owner;

    /** The identity sending the current message; tools read with its access. Set per request, never stored. */
    @jakarta.persistence.Transient
    public dev.lore.security.Caller caller;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
