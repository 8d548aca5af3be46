package dev.lore.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** All tools of this Lore by name: built-in beans ({@link AgentTool} implementations) and declared HTTP tools. */
@ApplicationScoped
public class ToolRegistry {

    private final Map<String, AgentTool> byName = new TreeMap<>();
    private final HttpToolStore httpTools;

    @Inject
    public ToolRegistry(Instance<AgentTool> tools, HttpToolStore httpTools) {
        for (AgentTool t : tools) byName.put(t.name(), t);
        this.httpTools = httpTools;
    }

    /** The tool with this name: a built-in bean, else a declared HTTP tool. */
    public Optional<AgentTool> find(String name) {
        AgentTool builtIn = byName.get(name);
        return builtIn != null ? Optional.of(builtIn) : httpTools.find(name).map(t -> (AgentTool) t);
    }

    /** Names of the built-in tools and the declared HTTP tools, sorted. */
    public java.util.Set<String> names() {
        java.util.Set<String> all = new java.util.TreeSet<>(byName.keySet());
        all.addAll(httpTools.names());
        return all;
    }

    /** True when {@code name} is a built-in tool (HTTP tools may not shadow them). */
    public boolean isBuiltIn(String name) {
        return byName.containsKey(name);
    }
}
