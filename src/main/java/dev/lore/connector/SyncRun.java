package dev.lore.connector;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One sync of a source: status ({@code running}, {@code succeeded}, {@code failed}), per-status document counts and
 * the connector checkpoint it can resume from. Table {@code sync_run}.
 */
@Entity
@Table(name = "sync_run")
public class SyncRun extends PanacheEntityBase {
    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    /** Stopped on request ({@code POST .../runs/{runId}/cancel}) after the page in hand; what it stored stays. */
    public static final String CANCELLED = "cancelled";

    @Id
    public UUID id;

    @Column(name = "source_id", nullable = false)
    public UUID sourceId;

    @Column(nullable = false)
    public String status;

    @Column(name = "started_at", nullable = false)
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    public int total;
    public int done;
    public int indexed;
    public int unchanged;
    public int skipped;
    public int failed;
    public int deleted;
    public int chunks;

    /** Connector checkpoint as JSON ({@code {"cursor":…,"hasMore":…}}), written after each page. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public String checkpoint;

    public String error;
}
