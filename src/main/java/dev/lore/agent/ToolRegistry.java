package dev.lore.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** All tools by tenant and name: built-in beans ({@link AgentTool} implementations) and each tenant's declared HTTP tools. */
@ApplicationScoped
public class ToolRegistry {

    private final Map<String, AgentTool> byName = new TreeMap<>();
    private final HttpToolStore httpTools;

    @Inject
    public ToolRegistry(Instance<AgentTool> tools, HttpToolStore httpTools) {
        for (AgentTool t : tools) byName.put(t.name(), t);
        this.httpTools = httpTools;
    }

    /** The tool with this name for the tenant's agents: a built-in bean available to it, else the tenant's HTTP tool. */
    public Optional<AgentTool> find(String tenant, String name) {
        AgentTool builtIn = byName.get(name);
        if (builtIn != null) return builtIn.availableTo(tenant) ? Optional.of(builtIn) : Optional.empty();
        return httpTools.find(tenant, name).map(t -> (AgentTool) t);
    }

    /** Names of the built-in tools available to the tenant and the tenant's HTTP tools, sorted. */
    public java.util.Set<String> names(String tenant) {
        java.util.Set<String> all = new java.util.TreeSet<>();
        byName.forEach((n, t) -> {
            if (t.availableTo(tenant)) all.add(n);
        });
        all.addAll(httpTools.names(tenant));
        return all;
    }

    /** True when {@code name} is a built-in tool (HTTP tools may not shadow them). */
    public boolean isBuiltIn(String name) {
        return byName.containsKey(name);
    }
}
