package dev.lore.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** All tools installed in this Lore, by name. */
@ApplicationScoped
public class ToolRegistry {

    private final Map<String, AgentTool> byName = new TreeMap<>();

    @Inject
    public ToolRegistry(Instance<AgentTool> tools) {
        for (AgentTool t : tools) byName.put(t.name(), t);
    }

    /** The tool with this name, if installed. */
    public Optional<AgentTool> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Installed tool names, sorted. */
    public java.util.Set<String> names() {
        return byName.keySet();
    }
}
