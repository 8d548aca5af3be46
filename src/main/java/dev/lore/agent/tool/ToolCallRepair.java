package dev.lore.agent.tool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what a local model produced into clean {@link ToolCall}s, and says what it repaired.
 *
 * <p>Handled, each reported as one line in {@link RepairedToolCalls#repairs()}:
 * <ul>
 *   <li>arguments that are almost JSON: unescaped inner quotes ({@code {"query": "the "best" plan"}}), text before or
 *       after the object ({@code {"a":1} Let me know}), a {@code ```json} fence, raw newlines or invalid escapes in
 *       strings, Python {@code True/False/None}, single quotes, trailing commas;</li>
 *   <li>arguments double-encoded as a JSON string ({@code "{\"city\":\"Paris\"}"}), sent as an object instead of a
 *       string, or empty/{@code null} (read as {@code {}});</li>
 *   <li>tool calls written as text in {@code content} instead of {@code tool_calls}: {@code <tool_call>{…}</tool_call>}
 *       (Hermes, Qwen; several allowed, closing tag optional), {@code [TOOL_CALLS] [{…}]} and
 *       {@code [TOOL_CALLS]name[ARGS]{…}} (Mistral), {@code <|python_tag|>{…}} (Llama 3.1), and a bare JSON object
 *       {@code {"name": …, "arguments"|"parameters": {…}}} or array of them, possibly fenced;</li>
 *   <li>a missing call id (one is generated) and the legacy {@code function_call} field.</li>
 * </ul>
 *
 * <p>Text-form calls are taken only when they name a known tool, so ordinary JSON in an answer is not misread; behind
 * an explicit marker ({@code <tool_call>}, {@code [TOOL_CALLS]}, {@code <|python_tag|>}) an unknown name becomes a
 * {@link ToolCallError} listing the available tools. Text inside {@code <think>…</think>} is never read as a call.
 *
 * <p>Nothing here throws on model output: what cannot be read becomes a {@link ToolCallError} whose message is worded
 * for the model. Stateless and thread-safe.
 */
public final class ToolCallRepair {

    private static final ObjectMapper STRICT =
            LenientJson.mapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final ObjectMapper LENIENT = LenientJson.mapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonReadFeature.ALLOW_SINGLE_QUOTES, JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES,
                    JsonReadFeature.ALLOW_TRAILING_COMMA, JsonReadFeature.ALLOW_JAVA_COMMENTS,
                    JsonReadFeature.ALLOW_YAML_COMMENTS, JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS,
                    JsonReadFeature.ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS,
                    JsonReadFeature.ALLOW_TRAILING_DECIMAL_POINT_FOR_NUMBERS,
                    JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
            .build();
    private static final Pattern HERMES =
            Pattern.compile("<tool_call>(.*?)(</tool_call>|(?=<tool_call>)|$)", Pattern.DOTALL);
    private static final Pattern FENCE = Pattern.compile("```[A-Za-z0-9_-]*[ \\t]*\\R(.*?)```", Pattern.DOTALL);
    private static final Pattern MISTRAL_NAMED =
            Pattern.compile("\\s*([A-Za-z0-9_.\\-]+)(?:\\[CALL_ID\\]([A-Za-z0-9_\\-]+))?\\[ARGS\\]");
    private static final String THINK_END = "</think>";
    private static final String MISTRAL = "[TOOL_CALLS]";
    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final int MAX_DECODE_DEPTH = 3;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /**
     * Arguments read from one arguments string.
     *
     * @param value the arguments object, or {@code null} when they could not be read
     * @param repairs what was fixed to read them (without a call label)
     * @param error why they could not be read (worded for the model), or {@code null}
     */
    public record Arguments(JsonNode value, List<String> repairs, String error) {

        /** True when the arguments could be read. */
        public boolean ok() {
            return value != null;
        }
    }

    /**
     * Reads the tool calls of a whole OpenAI {@code chat.completion} response body ({@code choices[0].message}).
     *
     * @param toolNames the names of the tools offered in the request; text-form calls are only taken for these
     * @return the calls; a body without {@code choices[0].message} yields no calls and no errors
     */
    public RepairedToolCalls fromCompletion(JsonNode completion, Set<String> toolNames) {
        JsonNode message = completion.path("choices").path(0).path("message");
        if (!message.isObject()) return new RepairedToolCalls(List.of(), List.of(), List.of(), "");
        return fromMessage(message, toolNames);
    }

    /**
     * Reads the tool calls of one assistant message ({@code {"role":"assistant","content":…,"tool_calls":[…]}}): the
     * {@code tool_calls} when there are any (repairing their arguments), else the legacy {@code function_call}, else
     * calls written as text in {@code content}.
     *
     * @param toolNames the names of the tools offered in the request
     */
    public RepairedToolCalls fromMessage(JsonNode message, Set<String> toolNames) {
        String content = contentText(message.path("content"));
        JsonNode toolCalls = message.path("tool_calls");
        if (toolCalls.isArray() && !toolCalls.isEmpty()) {
            Acc acc = new Acc(toolNames);
            for (JsonNode tc : toolCalls) {
                JsonNode fn = tc.path("function");
                readCall(textOrNull(tc.path("id")), textOrNull(fn.path("name")), fn.get("arguments"), acc);
            }
            return acc.result(content);
        }
        JsonNode legacy = message.path("function_call");
        if (legacy.isObject()) {
            Acc acc = new Acc(toolNames);
            String id = newId();
            acc.repairs.add("read the legacy \"function_call\" field as tool call " + id);
            readCall(id, textOrNull(legacy.path("name")), legacy.get("arguments"), acc);
            return acc.result(content);
        }
        return fromContent(content, toolNames);
    }

    /**
     * Reads tool calls a model wrote as text in its answer instead of in {@code tool_calls}.
     *
     * @param content the assistant text (may be {@code null})
     * @param toolNames the names of the tools offered in the request
     * @return the calls found, with {@link RepairedToolCalls#content()} the text left around them; no calls (and the
     *     content unchanged) when the text holds none
     */
    public RepairedToolCalls fromContent(String content, Set<String> toolNames) {
        String text = content == null ? "" : content;
        Acc acc = new Acc(toolNames);
        int thinkEnd = text.lastIndexOf(THINK_END);
        String thinking = thinkEnd < 0 ? "" : text.substring(0, thinkEnd + THINK_END.length());
        String body = thinkEnd < 0 ? text : text.substring(thinkEnd + THINK_END.length());
        String rest;
        if (body.contains("<tool_call>")) {
            rest = readHermes(body, acc);
        } else if (body.contains(MISTRAL)) {
            rest = readMistral(body, acc);
        } else if (body.contains(PYTHON_TAG)) {
            rest = readPythonTag(body, acc);
        } else {
            rest = readBareJson(body, acc);
            if (rest == null) return new RepairedToolCalls(List.of(), List.of(), List.of(), text);
        }
        return acc.result((thinking + rest).strip());
    }

    /**
     * Reads one arguments string into a JSON object, repairing what can be repaired.
     *
     * @param raw the {@code function.arguments} text as the model sent it (may be {@code null})
     * @return the object and the repairs, or an error worded for the model
     */
    public Arguments parseArguments(String raw) {
        List<String> repairs = new ArrayList<>();
        try {
            return new Arguments(readObject(raw, 0, repairs), List.copyOf(repairs), null);
        } catch (Unreadable e) {
            return new Arguments(null, List.copyOf(repairs), e.getMessage());
        }
    }

    /** A fresh call id in OpenAI's style ({@code call_} + 24 letters and digits). */
    public static String newId() {
        StringBuilder sb = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) sb.append(ID_CHARS.charAt(RANDOM.nextInt(ID_CHARS.length())));
        return sb.toString();
    }

    /**
     * Reads one {@code tool_calls[]} entry: id (generated when missing), name, arguments (string, object or absent).
     * Shared with {@link StreamedToolCallAccumulator}.
     */
    void readCall(String id, String name, JsonNode arguments, Acc acc) {
        String callId = id == null || id.isBlank() ? newId() : id;
        String label = label(name, callId);
        if (id == null || id.isBlank()) acc.repairs.add(label + ": tool call had no id; gave it " + callId);
        String raw = arguments == null ? "" : arguments.isTextual() ? arguments.asText() : arguments.toString();
        if (name == null || name.isBlank()) {
            acc.errors.add(new ToolCallError(callId, null, cut(raw), "Tool call " + callId
                    + " has no function name. Call one of the available tools by name: " + acc.available() + "."));
            return;
        }
        String cleanName = name.strip();
        if (arguments == null || arguments.isNull() || arguments.isMissingNode()) {
            acc.repairs.add(label + ": tool call had no arguments; read them as {}");
            acc.calls.add(new ToolCall(callId, cleanName, JsonNodeFactory.instance.objectNode()));
        } else if (arguments.isObject()) {
            acc.repairs.add(label + ": arguments came as a JSON object instead of a JSON string; used the object");
            acc.calls.add(new ToolCall(callId, cleanName, arguments));
        } else if (arguments.isTextual()) {
            Arguments parsed = parseArguments(arguments.asText());
            parsed.repairs().forEach(r -> acc.repairs.add(label + ": " + r));
            if (parsed.ok()) {
                acc.calls.add(new ToolCall(callId, cleanName, parsed.value()));
            } else {
                acc.errors.add(
                        new ToolCallError(callId, cleanName, cut(raw), argumentsError(cleanName, parsed.error())));
            }
        } else {
            acc.errors.add(new ToolCallError(callId, cleanName, cut(raw), argumentsError(cleanName,
                    "arguments must be a JSON object of named parameters, got " + kind(arguments))));
        }
    }

    // ---- arguments ---------------------------------------------------------------------------------------------

    private JsonNode readObject(String raw, int depth, List<String> repairs) throws Unreadable {
        if (raw == null || raw.isBlank()) {
            repairs.add("arguments were empty; read them as {}");
            return JsonNodeFactory.instance.objectNode();
        }
        String text = raw.strip();
        JsonNode strict = parseStrict(text);
        if (strict != null) return asObject(strict, depth, repairs);
        String fenced = LenientJson.unfence(text);
        if (fenced != null && depth < MAX_DECODE_DEPTH) {
            repairs.add("removed the ``` code fence around the arguments");
            return readObject(fenced, depth + 1, repairs);
        }
        int open = LenientJson.firstOpener(text, 0, false);
        if (open < 0) throw new Unreadable("the arguments are not a JSON object: " + quote(text));
        text = dropRepeatedCopy(text, open, repairs);
        JsonNode value = salvage(text, open, "the arguments", repairs);
        return asObject(value, depth, repairs);
    }

    /**
     * Two JSON objects in one arguments string: an exact repeat (a known streaming bug of some servers) is dropped;
     * two different objects are refused, since dropping one would lose a call silently.
     */
    private static String dropRepeatedCopy(String text, int open, List<String> repairs) throws Unreadable {
        LenientJson.Salvage first = LenientJson.salvage(text, open);
        if (!first.complete()) return text;
        String after = text.substring(first.end()).strip();
        if (!after.startsWith("{")) return text;
        LenientJson.Salvage second = LenientJson.salvage(after, 0);
        if (!second.complete()) return text;
        JsonNode a = parseStrict(first.json());
        JsonNode b = parseStrict(second.json());
        if (a == null || b == null) return text;
        if (a.equals(b) && after.substring(second.end()).isBlank()) {
            repairs.add("dropped a repeated copy of the arguments object");
            return text.substring(0, first.end());
        }
        throw new Unreadable("the arguments hold more than one JSON object (" + cut(first.json(), 60) + " and "
                + cut(second.json(), 60) + "); make one tool call per set of arguments");
    }

    private JsonNode asObject(JsonNode value, int depth, List<String> repairs) throws Unreadable {
        if (value.isObject()) return value;
        if (value.isNull()) {
            repairs.add("arguments were null; read them as {}");
            return JsonNodeFactory.instance.objectNode();
        }
        if (value.isTextual() && depth < MAX_DECODE_DEPTH) {
            repairs.add("arguments were double-encoded as a JSON string; decoded them");
            return readObject(value.asText(), depth + 1, repairs);
        }
        throw new Unreadable("the arguments must be a JSON object of named parameters, got " + kind(value));
    }

    /**
     * Cuts the JSON value starting at {@code open} out of {@code text}, fixes its slips and parses it; reports dropped
     * text before and after it.
     */
    private JsonNode salvage(String text, int open, String what, List<String> repairs) throws Unreadable {
        LenientJson.Salvage sv = LenientJson.salvage(text, open);
        if (!sv.complete()) {
            throw new Unreadable(what + " end before the JSON " + (text.charAt(open) == '[' ? "array" : "object")
                    + " is closed (the output looks cut off)");
        }
        String before = text.substring(0, open);
        String after = text.substring(sv.end());
        if (!before.isBlank()) repairs.add("dropped text before the JSON value: " + quote(before.strip()));
        if (!after.isBlank()) repairs.add("dropped text after the JSON value: " + quote(after.strip()));
        if (sv.escapedQuotes() > 0) {
            repairs.add("escaped " + sv.escapedQuotes() + " unescaped double quote(s) inside strings");
        }
        if (sv.escapedControls() > 0) {
            repairs.add("escaped " + sv.escapedControls() + " raw control character(s) (newline, tab) inside strings");
        }
        if (sv.fixedEscapes() > 0) {
            repairs.add("kept " + sv.fixedEscapes() + " invalid backslash escape(s) as backslashes");
        }
        if (sv.pythonLiterals() > 0) {
            repairs.add("turned " + sv.pythonLiterals() + " Python literal(s) (True/False/None) into JSON");
        }
        JsonNode value = parseStrict(sv.json());
        if (value != null) return value;
        try {
            value = LENIENT.readTree(sv.json());
            repairs.add("read non-standard JSON (single quotes, unquoted keys, trailing commas or comments)");
            return value;
        } catch (JsonProcessingException e) {
            throw new Unreadable(what + " are not valid JSON: " + jsonProblem(sv.json()));
        }
    }

    private static JsonNode parseStrict(String text) {
        try {
            JsonNode node = STRICT.readTree(text);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String jsonProblem(String text) {
        try {
            STRICT.readTree(text);
            return "unreadable";
        } catch (JsonProcessingException e) {
            return e.getOriginalMessage().lines().findFirst().orElse("unreadable")
                    + (e.getLocation() == null ? "" : " at character " + (e.getLocation().getCharOffset() + 1));
        }
    }

    // ---- text-form calls ---------------------------------------------------------------------------------------

    private String readHermes(String body, Acc acc) {
        StringBuilder rest = new StringBuilder();
        Matcher m = HERMES.matcher(body);
        int last = 0;
        while (m.find()) {
            rest.append(body, last, m.start());
            last = m.end();
            List<String> repairs = new ArrayList<>();
            if (m.group(2).isEmpty()) repairs.add("the closing </tool_call> tag was missing");
            readTextCalls(m.group(1), "<tool_call> tags", true, repairs, acc);
        }
        rest.append(body.substring(last));
        return rest.toString();
    }

    private String readMistral(String body, Acc acc) {
        int at = body.indexOf(MISTRAL);
        String before = body.substring(0, at);
        String after = body.substring(at + MISTRAL.length()).strip();
        if (after.startsWith("[") || after.startsWith("{")) {
            return before + readTextCalls(after, "[TOOL_CALLS]", true, new ArrayList<>(), acc);
        }
        StringBuilder rest = new StringBuilder(before);
        for (String segment : after.split(Pattern.quote(MISTRAL))) {
            Matcher m = MISTRAL_NAMED.matcher(segment);
            if (!m.lookingAt()) {
                String id = newId();
                acc.errors.add(new ToolCallError(id, null, cut(segment), "Could not read the tool call after "
                        + MISTRAL + ". Write it as " + MISTRAL + "[{\"name\": \"<tool>\", \"arguments\": {…}}]"
                        + " with one of the available tools: " + acc.available() + "."));
                continue;
            }
            List<String> repairs = new ArrayList<>();
            String argsText = segment.substring(m.end());
            int open = LenientJson.firstOpener(argsText, 0, false);
            ObjectNode call = JsonNodeFactory.instance.objectNode();
            call.put("name", m.group(1));
            try {
                if (open < 0) throw new Unreadable("no JSON object follows [ARGS]");
                LenientJson.Salvage sv = LenientJson.salvage(argsText, open);
                call.set("arguments", salvage(argsText.substring(0, sv.end()), open, "the arguments", repairs));
                rest.append(argsText.substring(sv.end()));
            } catch (Unreadable e) {
                String id = m.group(2) != null ? m.group(2) : newId();
                acc.errors.add(
                        new ToolCallError(id, m.group(1), cut(segment), argumentsError(m.group(1), e.getMessage())));
                continue;
            }
            takeTextCall(call, m.group(2), MISTRAL, true, repairs, acc);
        }
        return rest.toString();
    }

    private String readPythonTag(String body, Acc acc) {
        int at = body.indexOf(PYTHON_TAG);
        String after = body.substring(at + PYTHON_TAG.length()).replace("<|eom_id|>", "").replace("<|eot_id|>", "");
        return body.substring(0, at) + readTextCalls(after, PYTHON_TAG, true, new ArrayList<>(), acc);
    }

    /**
     * Bare JSON as the whole answer (or one fenced block in it): taken only when every object in it names a known tool.
     *
     * @return the text left once the calls are taken out, or {@code null} when the content holds no tool call
     */
    private String readBareJson(String body, Acc acc) {
        String stripped = body.strip();
        String unfenced = LenientJson.unfence(stripped);
        String candidate = unfenced != null ? unfenced : stripped;
        if (candidate.startsWith("{") || candidate.startsWith("[")) {
            String rest = tryBare(candidate, unfenced != null ? "" : null, acc);
            if (rest != null) return rest;
        }
        Matcher m = FENCE.matcher(body);
        while (m.find()) {
            String inner = m.group(1).strip();
            if (!(inner.startsWith("{") || inner.startsWith("["))) continue;
            String rest = tryBare(inner, "", acc);
            if (rest != null) return body.substring(0, m.start()) + body.substring(m.end());
        }
        return null;
    }

    /** Reads {@code text} (starting with a bracket) as bare calls; {@code null} when it is not made of known calls. */
    private String tryBare(String text, String restOverride, Acc acc) {
        List<String> repairs = new ArrayList<>();
        JsonNode value;
        LenientJson.Salvage sv = LenientJson.salvage(text, 0);
        if (!sv.complete()) return null;
        try {
            value = salvage(text.substring(0, sv.end()), 0, "the tool call", repairs);
        } catch (Unreadable e) {
            return null;
        }
        List<JsonNode> objects = new ArrayList<>();
        if (value.isArray()) value.forEach(objects::add);
        else objects.add(value);
        if (objects.isEmpty()) return null;
        for (JsonNode o : objects) {
            if (!o.isObject() || !acc.toolNames.contains(String.valueOf(callName(o)))) return null;
        }
        for (JsonNode o : objects) takeTextCall(o, null, "bare JSON", false, repairs, acc);
        return restOverride != null ? restOverride : text.substring(sv.end());
    }

    /**
     * Reads one or more JSON call objects (or arrays of them) from the text behind an explicit marker.
     *
     * @return the text left after the calls
     */
    private String readTextCalls(String text, String form, boolean explicit, List<String> repairs, Acc acc) {
        String body = text.strip();
        String unfenced = LenientJson.unfence(body);
        if (unfenced != null) {
            repairs.add("removed a ``` code fence");
            body = unfenced;
        }
        StringBuilder rest = new StringBuilder();
        int pos = 0;
        boolean any = false;
        while (true) {
            int open = LenientJson.firstOpener(body, pos, true);
            if (open < 0) break;
            String between = body.substring(pos, open);
            if (!between.isBlank() && !between.strip().equals(";") && !between.strip().equals(",")) {
                if (!any) break; // prose before any JSON: not a call payload
                rest.append(between);
            }
            LenientJson.Salvage sv = LenientJson.salvage(body, open);
            List<String> callRepairs = new ArrayList<>(repairs);
            JsonNode value;
            try {
                value = salvage(body.substring(open, sv.complete() ? sv.end() : body.length()), 0, "the tool call",
                        callRepairs);
            } catch (Unreadable e) {
                String id = newId();
                acc.errors.add(new ToolCallError(id, null, cut(body.substring(open)), "Could not read the tool call in "
                        + form + ": " + e.getMessage() + ". Write it as {\"name\": \"<tool>\", \"arguments\": {…}} "
                        + "with one of the available tools: " + acc.available() + "."));
                return rest.toString();
            }
            any = true;
            if (value.isArray()) {
                for (JsonNode o : value) takeTextCall(o, null, form, explicit, callRepairs, acc);
            } else {
                takeTextCall(value, null, form, explicit, callRepairs, acc);
            }
            pos = sv.end();
        }
        if (!any) {
            String id = newId();
            acc.errors.add(new ToolCallError(id, null, cut(body), "Could not read the tool call in " + form
                    + ": no JSON object found. Write it as {\"name\": \"<tool>\", \"arguments\": {…}} with one of the "
                    + "available tools: " + acc.available() + "."));
            return "";
        }
        rest.append(body.substring(pos));
        return rest.toString();
    }

    /** Adds one text-form call object ({@code name} + {@code arguments}|{@code parameters}) as a call or an error. */
    private void takeTextCall(
            JsonNode o, String givenId, String form, boolean explicit, List<String> repairs, Acc acc) {
        String id = givenId != null ? givenId : newId();
        String name = callName(o);
        if (!o.isObject() || name == null) {
            if (explicit) {
                acc.errors.add(new ToolCallError(id, null, cut(o.toString()), "The tool call in " + form
                        + " has no \"name\". Write it as {\"name\": \"<tool>\", \"arguments\": {…}} with one of the "
                        + "available tools: " + acc.available() + "."));
            }
            return;
        }
        if (!acc.toolNames.contains(name)) {
            acc.errors.add(new ToolCallError(id, name, cut(o.toString()), "Tool \"" + name
                    + "\" does not exist. Available tools: " + acc.available() + "."));
            return;
        }
        String label = label(name, id);
        acc.repairs.add(label + ": tool call was written as text in the assistant content (" + form
                + ") instead of tool_calls; read it as a tool call");
        repairs.forEach(r -> acc.repairs.add(label + ": " + r));
        JsonNode args = callArguments(o);
        if (args == null || args.isNull()) {
            acc.repairs.add(label + ": tool call had no arguments; read them as {}");
            acc.calls.add(new ToolCall(id, name, JsonNodeFactory.instance.objectNode()));
        } else if (args.isObject()) {
            acc.calls.add(new ToolCall(id, name, args));
        } else if (args.isTextual()) {
            Arguments parsed = parseArguments(args.asText());
            parsed.repairs().forEach(r -> acc.repairs.add(label + ": " + r));
            if (parsed.ok()) acc.calls.add(new ToolCall(id, name, parsed.value()));
            else acc.errors.add(new ToolCallError(id, name, cut(args.asText()), argumentsError(name, parsed.error())));
        } else {
            acc.errors.add(new ToolCallError(id, name, cut(args.toString()), argumentsError(name,
                    "the arguments must be a JSON object of named parameters, got " + kind(args))));
        }
    }

    private static String callName(JsonNode o) {
        JsonNode fn = o.path("function");
        JsonNode name = o.path("name").isTextual() ? o.path("name") : fn.isObject() ? fn.path("name") : fn;
        return name.isTextual() && !name.asText().isBlank() ? name.asText().strip() : null;
    }

    private static JsonNode callArguments(JsonNode o) {
        for (String key : List.of("arguments", "parameters", "args", "input")) {
            if (o.has(key)) return o.get(key);
        }
        JsonNode fn = o.path("function");
        return fn.isObject() && fn.has("arguments") ? fn.get("arguments") : null;
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static String argumentsError(String name, String problem) {
        return "Could not read the arguments of tool \"" + name + "\": " + problem + ". Send the arguments again as "
                + "one JSON object of named parameters, with every double quote inside a string escaped as \\\".";
    }

    private static String contentText(JsonNode content) {
        if (content.isTextual()) return content.asText();
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (part.isTextual()) sb.append(part.asText());
                else if (part.path("text").isTextual()) sb.append(part.path("text").asText());
            }
            return sb.toString();
        }
        return "";
    }

    private static String textOrNull(JsonNode node) {
        return node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
    }

    private static String label(String name, String id) {
        return (name == null || name.isBlank() ? "tool call" : name.strip()) + " (" + id + ")";
    }

    private static String kind(JsonNode v) {
        String type = v.isArray() ? "an array" : v.isNumber() ? "a number" : v.isBoolean() ? "a boolean"
                : v.isTextual() ? "a string" : v.isNull() ? "null" : "an object";
        return type + " " + cut(v.toString(), 80);
    }

    private static String quote(String s) {
        return "\"" + cut(s, 80) + "\"";
    }

    private static String cut(String s) {
        return cut(s, 500);
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    /** Mutable collector for one assistant turn. */
    static final class Acc {
        final Set<String> toolNames;
        final List<ToolCall> calls = new ArrayList<>();
        final List<ToolCallError> errors = new ArrayList<>();
        final List<String> repairs = new ArrayList<>();

        Acc(Set<String> toolNames) {
            this.toolNames = toolNames == null ? Set.of() : toolNames;
        }

        String available() {
            return new TreeSet<>(toolNames).toString();
        }

        RepairedToolCalls result(String content) {
            return new RepairedToolCalls(calls, errors, repairs, content);
        }
    }

    /** Arguments or a call that cannot be read; the message is worded for the model. */
    private static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message, null, false, false);
        }
    }
}
