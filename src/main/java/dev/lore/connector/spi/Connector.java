package dev.lore.connector.spi;

/**
 * A kind of source Lore can index (a folder, a wiki, a ticket system). Implementations are stateless
 * CDI beans living under {@code connectors/}; everything a run needs to resume lives in its {@link Checkpoint}.
 *
 * <p>The runner calls {@link #fetchPage} repeatedly, persisting the returned checkpoint after each page, until
 * the checkpoint says there is nothing more. A run that dies resumes from the last stored checkpoint.
 *
 * <p>Implementations: {@code dev.lore.connector.filesystem.FilesystemConnector}.
 *
 * @param <C> the per-source configuration, a record deserialised from the source's JSON {@code config}
 */
public interface Connector<C extends Record> {

    /** Stable key of this kind of source, e.g. {@code "filesystem"}; stored with each source. */
    String type();

    /** The configuration record; the source's {@code config} JSON is bound to it with Jackson. */
    Class<C> configType();

    /**
     * Checks a configuration before a source is created or synced.
     *
     * @throws ConnectorException with a message a user can act on, when the configuration cannot work
     */
    void validate(C config) throws ConnectorException;

    /**
     * Checks a configuration for a tenant's source (e.g. that a folder lies inside what the tenant may index). The
     * default checks the configuration alone.
     *
     * @throws ConnectorException with a message for the user when it is not acceptable
     */
    default void validate(ConnectorContext<C> context) throws ConnectorException {
        validate(context.config());
    }

    /**
     * Fetches the next bounded page of documents after {@code checkpoint}.
     *
     * @param context the source's configuration and identity
     * @param checkpoint where the previous page ended; {@link Checkpoint#START} for a fresh run
     * @return documents, per-document failures (never thrown), and the checkpoint after this page
     * @throws ConnectorException when the whole source is unreachable (the run fails and can resume later)
     */
    ConnectorPage fetchPage(ConnectorContext<C> context, Checkpoint checkpoint) throws ConnectorException;

    /**
     * Lists the identities of every document the source holds now, for pruning deleted documents and for
     * the progress total. Cheap compared with {@link #fetchPage}: no content is read.
     */
    java.util.List<String> listDocumentKeys(ConnectorContext<C> context) throws ConnectorException;
}
