package dev.lore.ingest;

import java.util.Locale;

/** How a document ended a sync. Stored lower-case in {@code sync_item.status}. */
public enum DocumentStatus {
    /** Parsed, chunked, embedded and stored. */
    INDEXED,
    /** Same content hash as the stored version: nothing done. */
    UNCHANGED,
    /** Nothing to index (empty, no text, unsupported, too large), with the reason. */
    SKIPPED,
    /** The parser or the source broke on it, with the error. */
    FAILED,
    /** It disappeared from the source, so it was removed from the index. */
    DELETED;

    /** The lower-case name used in the API and the database. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
