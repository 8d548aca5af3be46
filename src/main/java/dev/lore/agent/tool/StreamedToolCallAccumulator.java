package dev.lore.agent.tool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Puts streamed tool calls back together from OpenAI {@code chat.completion.chunk} deltas
 * ({@code choices[0].delta.tool_calls[]}), including from servers that get the protocol slightly wrong.
 *
 * <p>Feed every chunk to {@link #acceptChunk} (or every {@code tool_calls[]} element to {@link #accept}), then call
 * {@link #finish} once. Rules for which call a delta belongs to:
 * <ul>
 *   <li>with an {@code index}: the call last opened with that index, unless the delta carries an {@code id} or
 *       {@code function.name} different from that call's (a server that numbers every call 0), which opens a new
 *       call;</li>
 *   <li>without an {@code index}: the current (last) call, unless the delta carries an {@code id} or
 *       {@code function.name} different from the current call's, which opens a new call; a delta that repeats the
 *       current name without an id opens a new call only when the current arguments are already a complete JSON object
 *       and the delta's fragment starts a new one;</li>
 *   <li>an {@code id} or name repeated on later deltas of the same call is ignored; argument fragments are appended in
 *       order; a fragment sent as a JSON object replaces the call's arguments.</li>
 * </ul>
 * The text of {@code delta.content} is collected too, so a stream in which the model wrote its call as text is read
 * by {@link ToolCallRepair#fromContent} at the end.
 *
 * <p>Not thread-safe: one instance per streamed response.
 */
public final class StreamedToolCallAccumulator {

    private static final ObjectMapper STRICT =
            LenientJson.mapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private final List<Partial> calls = new ArrayList<>();
    private final List<String> repairs = new ArrayList<>();
    private final StringBuilder content = new StringBuilder();
    private boolean reportedNoIndex;
    private boolean reportedReusedIndex;

    private static final class Partial {
        final Integer index;
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
        boolean sawArguments;
        JsonNode objectArguments;

        Partial(Integer index) {
            this.index = index;
        }
    }

    /**
     * Takes one {@code chat.completion.chunk}: its {@code choices[0].delta.content} text and each element of
     * {@code choices[0].delta.tool_calls}. Chunks without choices (usage-only chunks) are ignored.
     */
    public void acceptChunk(JsonNode chunk) {
        JsonNode delta = chunk.path("choices").path(0).path("delta");
        if (delta.path("content").isTextual()) content.append(delta.path("content").asText());
        JsonNode toolCalls = delta.path("tool_calls");
        if (toolCalls.isArray()) toolCalls.forEach(this::accept);
        JsonNode legacy = delta.path("function_call");
        if (legacy.isObject()) {
            if (calls.isEmpty()) repairs.add("read the legacy streamed \"function_call\" field as a tool call");
            ObjectNode wrapped = JsonNodeFactory.instance.objectNode();
            wrapped.put("index", 0);
            wrapped.set("function", legacy);
            accept(wrapped);
        }
    }

    /**
     * Takes one tool-call delta: {@code {"index"?, "id"?, "type"?, "function": {"name"?, "arguments"?}}}, every field
     * optional.
     */
    public void accept(JsonNode delta) {
        Integer index = delta.path("index").canConvertToInt() && delta.path("index").isNumber()
                ? delta.path("index").asInt() : null;
        String id = text(delta.path("id"));
        JsonNode fn = delta.path("function");
        String name = text(fn.path("name"));
        JsonNode fragment = fn.get("arguments");
        Partial current = current(index);
        boolean startsNew;
        if (current == null) {
            startsNew = true;
        } else {
            boolean conflict = (id != null && current.id != null && !id.equals(current.id))
                    || (name != null && current.name != null && !name.equals(current.name));
            boolean restart = index == null && id == null && name != null && name.equals(current.name)
                    && fragment != null && fragment.isTextual() && fragment.asText().stripLeading().startsWith("{")
                    && completeObject(current.arguments);
            startsNew = conflict || restart;
            if (conflict && index != null && !reportedReusedIndex) {
                reportedReusedIndex = true;
                repairs.add("streamed tool calls reused index " + index + " for different calls; told them apart by"
                        + " id and name");
            }
        }
        if (index == null && !reportedNoIndex) {
            reportedNoIndex = true;
            repairs.add("streamed tool-call deltas had no index; told calls apart by id and name");
        }
        if (startsNew) {
            current = new Partial(index);
            calls.add(current);
        }
        if (id != null && current.id == null) current.id = id;
        if (name != null && current.name == null) current.name = name;
        if (fragment != null && !fragment.isNull()) {
            if (fragment.isTextual()) {
                current.arguments.append(fragment.asText());
                current.sawArguments = true;
            } else {
                current.objectArguments = fragment;
            }
        }
    }

    /** The assistant text streamed so far ({@code delta.content}). */
    public String content() {
        return content.toString();
    }

    /**
     * The complete calls, their arguments repaired by {@code repair}; when the stream carried no {@code tool_calls},
     * the calls the model wrote as text in its content ({@link ToolCallRepair#fromContent}).
     *
     * @param toolNames the names of the tools offered in the request
     */
    public RepairedToolCalls finish(ToolCallRepair repair, Set<String> toolNames) {
        if (calls.isEmpty()) {
            RepairedToolCalls fromText = repair.fromContent(content.toString(), toolNames);
            List<String> all = new ArrayList<>(repairs);
            all.addAll(fromText.repairs());
            return new RepairedToolCalls(fromText.calls(), fromText.errors(), all, fromText.content());
        }
        ToolCallRepair.Acc acc = new ToolCallRepair.Acc(toolNames);
        acc.repairs.addAll(repairs);
        for (Partial p : calls) {
            JsonNode arguments = p.objectArguments != null ? p.objectArguments
                    : p.sawArguments ? TextNode.valueOf(p.arguments.toString()) : null;
            repair.readCall(p.id, p.name, arguments, acc);
        }
        return acc.result(content.toString());
    }

    private Partial current(Integer index) {
        if (index == null) return calls.isEmpty() ? null : calls.getLast();
        for (int i = calls.size() - 1; i >= 0; i--) {
            if (index.equals(calls.get(i).index)) return calls.get(i);
        }
        return null;
    }

    private static boolean completeObject(CharSequence arguments) {
        String text = arguments.toString().strip();
        if (!text.startsWith("{")) return false;
        try {
            return STRICT.readTree(text).isObject();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static String text(JsonNode node) {
        return node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
    }
}
