package dev.lore.ingest;

/**
 * A document could not be ingested. {@link #status()} says whether it was {@code skipped} (nothing to index,
 * e.g. empty or unsupported) or {@code failed} (the parser broke); the message is the reason shown in the run.
 */
public class IngestException extends Exception {
    private final DocumentStatus status;

    public IngestException(DocumentStatus status, String message) {
        super(message);
        this.status = status;
    }

    public IngestException(DocumentStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** {@link DocumentStatus#SKIPPED} or {@link DocumentStatus#FAILED}. */
    public DocumentStatus status() {
        return status;
    }
}
