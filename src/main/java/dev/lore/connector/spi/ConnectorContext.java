package dev.lore.connector.spi;

import java.util.UUID;

/**
 * What a connector gets to know about the source it works for.
 *
 * @param sourceId the source's id
 * @param tenantId the tenant owning the source
 * @param config the source's configuration record
 * @param <C> the connector's configuration type
 */
public record ConnectorContext<C extends Record>(UUID sourceId, String tenantId, C config) {}
