package dev.lore.connector;

import dev.lore.connector.spi.Connector;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Finds connector beans by their {@link Connector#type()}. */
@ApplicationScoped
public class ConnectorRegistry {

    private final Map<String, Connector<?>> byType = new TreeMap<>();

    @Inject
    public ConnectorRegistry(Instance<Connector<?>> connectors) {
        for (Connector<?> c : connectors) byType.put(c.type(), c);
    }

    /** The connector of this type, if one is installed. */
    public Optional<Connector<?>> find(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    /** The installed connector types, sorted. */
    public java.util.Set<String> types() {
        return byType.keySet();
    }
}
