package dev.lore.connector;

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

/** A configured source: one instance of a connector type with its JSON configuration. Table {@code source}. */
@Entity
@Table(name = "source")
public class Source extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(name = "tenant_id", nullable = false)
    public String tenantId;

    @Column(nullable = false)
    public String type;

    @Column(nullable = false)
    public String name;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public Map<String, Object> config;

    /** An admin's access list for every document of this source (principals), or null: the connector's lists apply. */
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "acl_override", columnDefinition = "text[]")
    public String[] aclOverride;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** True for an evaluation corpus (made by an evaluation run): searched only when a search names it. */
    @Column(nullable = false)
    public boolean evaluation;
}
