package dev.lore.connector.spi;

/**
 * Where a connector's run stands: an opaque cursor (meaningful only to the connector that made it) and
 * whether more pages follow. Stored as JSON in {@code sync_run.checkpoint} after every page.
 *
 * @param cursor connector-specific position, e.g. the last relative path done; {@code null} at the start
 * @param hasMore {@code false} once the connector has returned its last page
 */
public record Checkpoint(String cursor, boolean hasMore) {

    /** The checkpoint of a run that has not fetched anything yet. */
    public static final Checkpoint START = new Checkpoint(null, true);
}
