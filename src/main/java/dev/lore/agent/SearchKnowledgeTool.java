package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lore.retrieval.HybridRetriever;
import dev.lore.retrieval.SearchFilters;
import dev.lore.retrieval.SearchResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Arrays;
import java.util.List;

/**
 * {@code search_knowledge}: hybrid search over the sources the agent may use. Returns up to {@code limit} (1..10,
 * default 5) passages the caller may read (tenant and access lists, {@link HybridRetriever}) as JSON {@code [{"n","title","headingPath","uri","text"}]}.
 */
@ApplicationScoped
public class SearchKnowledgeTool implements AgentTool {

    @Inject HybridRetriever retriever;
    @Inject ObjectMapper json;

    @Override
    public String name() {
        return "search_knowledge";
    }

    @Override
    public String description() {
        return "Search the company's knowledge base (documents, manuals, policies). Returns the most relevant passages "
                + "with their titles and links. Use it before answering questions about company knowledge.";
    }

    @Override
    public JsonNode parameters() {
        ObjectNode schema = json.createObjectNode().put("type", "object");
        ObjectNode props = schema.putObject("properties");
        props.putObject("query").put("type", "string").put("description", "what to look for, in natural language");
        props.putObject("limit").put("type", "integer").put("description", "how many passages, 1 to 10 (default 5)")
                .put("minimum", 1).put("maximum", 10);
        schema.putArray("required").add("query");
        schema.put("additionalProperties", false);
        return schema;
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public String execute(ToolContext context, JsonNode arguments) throws ToolException {
        String query = arguments.path("query").asText("").strip();
        if (query.isEmpty()) throw new ToolException("query must not be empty");
        int limit = Math.max(1, Math.min(10, arguments.path("limit").asInt(5)));
        List<java.util.UUID> sources = context.agent().sourceIds == null ? null : Arrays.asList(context.agent().sourceIds);
        if (sources != null && sources.isEmpty()) return "[] (this agent may search no sources)";
        List<SearchResult> results = retriever.search(query, limit, new SearchFilters(sources, null, null, null), context.caller());
        if (results.isEmpty()) return "[] (nothing in the knowledge base matches)";
        ArrayNode out = json.createArrayNode();
        int n = 1;
        for (SearchResult r : results) {
            out.addObject().put("n", n++).put("title", r.title()).put("headingPath", r.headingPath()).put("uri", r.uri())
                    .put("chunkId", r.chunkId().toString()).put("text", r.text());
        }
        return out.toString();
    }
}
