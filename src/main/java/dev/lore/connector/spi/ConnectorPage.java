package dev.lore.connector.spi;

import java.util.List;

/**
 * One page of a connector's output.
 *
 * @param documents documents read in this page, in the connector's order
 * @param failures documents that could not even be read (their content never reached the parser)
 * @param next the checkpoint after this page
 */
public record ConnectorPage(List<SourceDocument> documents, List<DocumentFailure> failures, Checkpoint next) {}
