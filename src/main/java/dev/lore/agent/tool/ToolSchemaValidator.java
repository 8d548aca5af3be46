package dev.lore.agent.tool;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks tool calls against their tools' JSON Schemas (OpenAI function {@code parameters}) and words every problem so a
 * model can fix its call: {@code $.unit: must be one of [celsius, fahrenheit], got "kelvin"},
 * {@code $: missing required property "city"}, {@code $.days: expected integer, got string "3"},
 * {@code unknown tool "wether"; available tools: [get_weather, search]}.
 *
 * <p>Schemas are validated as JSON Schema 2020-12 (networknt json-schema-validator) after mapping the non-standard
 * types BFCL and Python-made tool catalogs use: {@code dict} to {@code object}, {@code float}/{@code double} to
 * {@code number}, {@code tuple}/{@code list} to {@code array}, {@code str}, {@code int}, {@code bool}; {@code any} (and
 * unknown type names) means no type constraint. A property-level {@code "required": true} joins its parent's
 * {@code required} list, the non-standard {@code optional} keyword is dropped, and {@code format} is an annotation
 * only.
 * By default a tool's top-level object is closed ({@code additionalProperties: false} unless the schema says
 * otherwise): an argument the function does not declare is an error, as it would be when calling the function.
 * Remote {@code $ref}s are never fetched.
 *
 * <p>Safe coercions, each reported in {@link ValidatedToolCall#repairs()} and applied only when the coerced call then
 * validates (so a wrong call is never made valid silently): a numeric string to an integer or number, {@code
 * "true"}/{@code "false"} to a boolean, a number to a string, a single value to a one-element array, a one-element
 * array to its value, a JSON-encoded string to the array or object it encodes, an enum value in the wrong letter case
 * to the one enum value it matches, {@code null} for an optional property removed. The tool name is matched exactly,
 * else after ignoring a {@code functions.} prefix, letter case and {@code . - _} differences when that singles out one
 * tool (reported too).
 *
 * <p>Immutable and thread-safe once built.
 */
public final class ToolSchemaValidator {

    private static final Map<String, String> TYPE_ALIASES = Map.ofEntries(
            Map.entry("object", "object"), Map.entry("dict", "object"), Map.entry("map", "object"),
            Map.entry("array", "array"), Map.entry("tuple", "array"), Map.entry("list", "array"),
            Map.entry("string", "string"), Map.entry("str", "string"),
            Map.entry("integer", "integer"), Map.entry("int", "integer"), Map.entry("long", "integer"),
            Map.entry("number", "number"), Map.entry("float", "number"), Map.entry("double", "number"),
            Map.entry("boolean", "boolean"), Map.entry("bool", "boolean"), Map.entry("null", "null"));
    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d{1,30}");
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");
    private static final ObjectMapper STRICT =
            LenientJson.mapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final int MAX_COERCION_ROUNDS = 4;

    private final Map<String, Tool> tools = new LinkedHashMap<>();

    private record Tool(ToolDefinition definition, JsonNode schema, Schema compiled) {}

    /**
     * True when {@code type} names a JSON Schema type as this validator reads a schema: a standard name or a common
     * alias ({@code int}, {@code str}, {@code dict} ...), in any case, spaces around ignored.
     */
    public static boolean isKnownType(String type) {
        return TYPE_ALIASES.containsKey(type.strip().toLowerCase(Locale.ROOT));
    }

    /** A validator for these tools, rejecting arguments a tool does not declare. */
    public ToolSchemaValidator(Collection<ToolDefinition> definitions) {
        this(definitions, true);
    }

    /**
     * A validator for these tools.
     *
     * @param rejectUnknownArguments close each tool's top-level object ({@code additionalProperties: false}) when its
     *     schema declares {@code properties} and says nothing about {@code additionalProperties}
     * @throws IllegalArgumentException when two tools share a name, or a schema cannot be compiled (naming the tool)
     */
    public ToolSchemaValidator(Collection<ToolDefinition> definitions, boolean rejectUnknownArguments) {
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                .formatAssertionsEnabled(false)
                .locale(Locale.ENGLISH)
                .build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                b -> b.schemaRegistryConfig(config).schemaLoader(l -> l.fetchRemoteResources(false)));
        for (ToolDefinition d : definitions) {
            if (tools.containsKey(d.name())) throw new IllegalArgumentException("two tools are named " + d.name());
            JsonNode schema = normalize(d.parameters(), rejectUnknownArguments);
            try {
                tools.put(d.name(), new Tool(d, schema, registry.getSchema(schema)));
            } catch (SchemaException | IllegalArgumentException e) {
                throw new IllegalArgumentException("tool " + d.name() + " has an unusable parameters schema: "
                        + e.getMessage(), e);
            }
        }
    }

    /** The tool names, in the order given. */
    public Set<String> toolNames() {
        return Collections.unmodifiableSet(tools.keySet());
    }

    /** The schema actually validated against for {@code tool} (after type mapping), or {@code null} if unknown. */
    public JsonNode effectiveSchema(String tool) {
        Tool t = tools.get(tool);
        return t == null ? null : t.schema().deepCopy();
    }

    /** Validates each call ({@link #validate(ToolCall)}), in order. */
    public List<ValidatedToolCall> validateAll(List<ToolCall> calls) {
        return calls.stream().map(this::validate).toList();
    }

    /**
     * Checks one call.
     *
     * @return the call to run (possibly with corrected name and coerced arguments, see {@link
     *     ValidatedToolCall#repairs()}) and the errors; an unknown tool yields the single error {@code unknown tool
     *     "x"; available tools: […]}
     */
    public ValidatedToolCall validate(ToolCall call) {
        List<String> repairs = new ArrayList<>();
        Tool tool = resolve(call.name(), repairs);
        if (tool == null) {
            return new ValidatedToolCall(call, List.of("unknown tool \"" + call.name() + "\"; available tools: "
                    + tools.keySet()), List.of());
        }
        JsonNode args = call.arguments() == null || call.arguments().isNull() || call.arguments().isMissingNode()
                ? JsonNodeFactory.instance.objectNode() : call.arguments();
        ToolCall named = new ToolCall(call.id(), tool.definition().name(), args);
        List<Error> errors = tool.compiled().validate(args);
        if (errors.isEmpty()) return new ValidatedToolCall(named, List.of(), repairs);

        JsonNode work = args.deepCopy();
        List<String> coercions = new ArrayList<>();
        List<Error> current = errors;
        for (int round = 0; round < MAX_COERCION_ROUNDS; round++) {
            boolean changed = false;
            for (Error e : current) {
                String done = coerce(e, tool.schema(), work);
                if (done != null) {
                    coercions.add(done);
                    changed = true;
                }
            }
            if (!changed || !work.isObject()) break;
            current = tool.compiled().validate(work);
            if (current.isEmpty()) {
                repairs.addAll(coercions);
                return new ValidatedToolCall(new ToolCall(call.id(), named.name(), work), List.of(), repairs);
            }
        }
        Set<String> messages = new LinkedHashSet<>();
        for (Error e : errors) messages.add(describe(e, tool.schema()));
        return new ValidatedToolCall(named, List.copyOf(messages), List.of());
    }

    // ---- name ------------------------------------------------------------------------------------------------

    private Tool resolve(String name, List<String> repairs) {
        if (name == null) return null;
        Tool exact = tools.get(name);
        if (exact != null) return exact;
        String key = nameKey(name);
        List<Tool> matches = tools.values().stream().filter(t -> nameKey(t.definition().name()).equals(key)).toList();
        if (matches.size() != 1) return null;
        Tool t = matches.getFirst();
        repairs.add("tool name \"" + name + "\" read as \"" + t.definition().name() + "\"");
        return t;
    }

    private static String nameKey(String name) {
        String n = name.strip();
        if (n.startsWith("functions.")) n = n.substring("functions.".length());
        return n.toLowerCase(Locale.ROOT).replaceAll("[.\\-_\\s]+", "_");
    }

    // ---- schema normalization ----------------------------------------------------------------------------------

    /**
     * The standard JSON Schema for a tool's {@code parameters}: BFCL/Python type names mapped, {@code optional}
     * dropped, boolean {@code required} lifted, a missing top-level {@code type} set to {@code object}, and (when
     * {@code closeTop}) the top-level object closed. Package-private for tests.
     */
    static JsonNode normalize(JsonNode parameters, boolean closeTop) {
        JsonNode source = parameters == null ? JsonNodeFactory.instance.objectNode() : parameters;
        boolean explicitDraft = source.has("$schema");
        JsonNode n = normalizeNode(source, explicitDraft);
        if (!n.isObject()) return n;
        ObjectNode root = (ObjectNode) n;
        if (!root.has("type") && !source.has("type")) root.put("type", "object");
        if (closeTop && root.has("properties") && !root.has("additionalProperties")
                && "object".equals(root.path("type").asText())) {
            root.put("additionalProperties", false);
            ObjectNode props = (ObjectNode) root.get("properties");
            for (JsonNode r : root.path("required")) {
                if (!props.has(r.asText())) props.putObject(r.asText()); // required but undeclared: still allowed
            }
        }
        return root;
    }

    private static JsonNode normalizeNode(JsonNode node, boolean explicitDraft) {
        if (!node.isObject()) return node.deepCopy();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            String k = f.getKey();
            JsonNode v = f.getValue();
            switch (k) {
                case "type" -> {
                    JsonNode mapped = mapType(v);
                    if (mapped != null) out.set("type", mapped);
                }
                case "optional" -> { /* non-standard (BFCL); optionality is the absence from "required" */ }
                case "required" -> {
                    if (v.isArray()) out.set("required", v.deepCopy());
                }
                case "enum" -> {
                    if (v.isArray()) out.set("enum", v.deepCopy());
                }
                case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas" -> {
                    if (!v.isObject()) break;
                    ObjectNode props = out.putObject(k);
                    v.properties().forEach(p -> props.set(p.getKey(), normalizeNode(p.getValue(), explicitDraft)));
                }
                case "items" -> {
                    if (v.isArray() && !explicitDraft) {
                        ArrayNode prefix = out.putArray("prefixItems");
                        v.forEach(i -> prefix.add(normalizeNode(i, explicitDraft)));
                    } else if (v.isArray()) {
                        ArrayNode items = out.putArray("items");
                        v.forEach(i -> items.add(normalizeNode(i, explicitDraft)));
                    } else {
                        out.set("items", normalizeNode(v, explicitDraft));
                    }
                }
                case "anyOf", "oneOf", "allOf", "prefixItems" -> {
                    if (!v.isArray()) break;
                    ArrayNode list = out.putArray(k);
                    v.forEach(i -> list.add(normalizeNode(i, explicitDraft)));
                }
                case "additionalProperties", "additionalItems", "not", "contains", "propertyNames",
                        "unevaluatedProperties", "unevaluatedItems", "if", "then", "else" ->
                        out.set(k, normalizeNode(v, explicitDraft));
                default -> out.set(k, v.deepCopy());
            }
        }
        // draft-3 style "required": true on properties
        JsonNode props = node.path("properties");
        if (props.isObject()) {
            Set<String> required = new LinkedHashSet<>();
            out.path("required").forEach(r -> required.add(r.asText()));
            boolean added = false;
            for (Map.Entry<String, JsonNode> p : props.properties()) {
                if (p.getValue().path("required").isBoolean() && p.getValue().path("required").asBoolean()) {
                    added |= required.add(p.getKey());
                }
            }
            if (added) {
                ArrayNode req = out.putArray("required");
                required.forEach(req::add);
            }
        }
        return out;
    }

    /** The standard type (or array of types) for a type keyword value; {@code null} means no type constraint. */
    private static JsonNode mapType(JsonNode type) {
        if (type.isTextual()) {
            String std = TYPE_ALIASES.get(type.asText().strip().toLowerCase(Locale.ROOT));
            return std == null ? null : TextNode.valueOf(std);
        }
        if (type.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            Set<String> seen = new LinkedHashSet<>();
            for (JsonNode t : type) {
                String std = t.isTextual() ? TYPE_ALIASES.get(t.asText().strip().toLowerCase(Locale.ROOT)) : null;
                if (std == null) return null; // "any" or unknown in the union: accept everything
                if (seen.add(std)) out.add(std);
            }
            return out.isEmpty() ? null : out;
        }
        return null;
    }

    // ---- coercion ----------------------------------------------------------------------------------------------

    /** Applies one safe coercion for {@code e} to {@code root} in place; returns its description, or {@code null}. */
    private static String coerce(Error e, JsonNode schema, JsonNode root) {
        NodePath at = e.getInstanceLocation();
        if (at == null || at.getNameCount() == 0) return null; // the arguments themselves: nothing safe to do
        JsonNode value = at(root, at);
        if (value == null) return null;
        String path = render(at);
        JsonNode keywordOwner = schemaAt(schema, e);
        if ("type".equals(e.getKeyword())) {
            Set<String> expected = types(keywordOwner.path("type"));
            if (value.isNull()) {
                if (!(at.getElement(at.getNameCount() - 1) instanceof String prop)) return null;
                JsonNode parent = at(root, at.getParent());
                if (parent instanceof ObjectNode obj) {
                    obj.remove(prop);
                    return path + ": removed null for optional property \"" + prop + "\"";
                }
                return null;
            }
            JsonNode coerced = coerceType(value, expected, keywordOwner);
            if (coerced == null) return null;
            replace(root, at, coerced);
            return path + ": converted " + show(value) + " to " + kindOf(coerced) + " " + compact(coerced);
        }
        if ("enum".equals(e.getKeyword()) && value.isTextual()) {
            JsonNode match = null;
            for (JsonNode option : keywordOwner.path("enum")) {
                if (option.isTextual() && option.asText().strip().equalsIgnoreCase(value.asText().strip())) {
                    if (match != null) return null;
                    match = option;
                }
            }
            if (match == null) return null;
            replace(root, at, match);
            return path + ": read " + compact(value) + " as the enum value " + compact(match);
        }
        return null;
    }

    private static JsonNode coerceType(JsonNode value, Set<String> expected, JsonNode owner) {
        if (value.isTextual()) {
            String s = value.asText().strip();
            if (expected.contains("integer") && INTEGER.matcher(s).matches()) {
                return integerNode(new BigInteger(s.startsWith("+") ? s.substring(1) : s));
            }
            if (expected.contains("number") && DECIMAL.matcher(s).matches()) {
                BigDecimal d = new BigDecimal(s.startsWith("+") ? s.substring(1) : s);
                return d.scale() <= 0 && s.matches("[-+]?\\d+")
                        ? integerNode(d.toBigInteger()) : DecimalNode.valueOf(d);
            }
            if (expected.contains("boolean") && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                return BooleanNode.valueOf(Boolean.parseBoolean(s.toLowerCase(Locale.ROOT)));
            }
            if (expected.contains("array") && s.startsWith("[")) {
                JsonNode parsed = parse(s);
                if (parsed != null && parsed.isArray()) return parsed;
            }
            if (expected.contains("object") && s.startsWith("{")) {
                JsonNode parsed = parse(s);
                if (parsed != null && parsed.isObject()) return parsed;
            }
        }
        if (value.isNumber() && expected.contains("string") && !expected.contains("number")) {
            return TextNode.valueOf(value.isBigDecimal() ? value.decimalValue().toPlainString() : value.asText());
        }
        if (value.isArray() && value.size() == 1 && !expected.contains("array")) {
            JsonNode only = value.get(0);
            if (expected.contains(kindOf(only)) || (expected.contains("number") && only.isNumber())) return only;
        }
        if (!value.isArray() && expected.contains("array")) {
            ArrayNode wrapped = JsonNodeFactory.instance.arrayNode();
            wrapped.add(value);
            return wrapped;
        }
        return null;
    }

    /** The smallest integer node that holds {@code n} (so coerced values compare equal to parsed ones). */
    private static JsonNode integerNode(BigInteger n) {
        if (n.bitLength() < 32) return JsonNodeFactory.instance.numberNode(n.intValue());
        if (n.bitLength() < 64) return JsonNodeFactory.instance.numberNode(n.longValue());
        return JsonNodeFactory.instance.numberNode(n);
    }

    private static JsonNode parse(String s) {
        try {
            return STRICT.readTree(s);
        } catch (JsonProcessingException ex) {
            return null;
        }
    }

    // ---- messages ----------------------------------------------------------------------------------------------

    private static String describe(Error e, JsonNode schema) {
        String path = render(e.getInstanceLocation());
        JsonNode value = e.getInstanceNode();
        JsonNode owner = schemaAt(schema, e);
        String keyword = e.getKeyword() == null ? "" : e.getKeyword();
        return switch (keyword) {
            case "type" -> path + ": expected " + String.join(" or ", types(owner.path("type"))) + ", got "
                    + show(value);
            case "enum" -> path + ": must be one of " + listOf(owner.path("enum")) + ", got " + compact(value);
            case "const" -> path + ": must be " + compact(owner.path("const")) + ", got " + compact(value);
            case "required" -> path + ": missing required property \"" + property(e) + "\"";
            case "additionalProperties" -> {
                List<String> allowed = new ArrayList<>();
                owner.path("properties").fieldNames().forEachRemaining(allowed::add);
                yield path + ": unknown property \"" + property(e) + "\""
                        + (allowed.isEmpty() ? "" : "; allowed properties: " + allowed);
            }
            case "unevaluatedProperties" -> path + ": unknown property \"" + property(e) + "\"";
            case "false" -> path + ": no value is allowed here, got " + compact(value);
            default -> path + ": " + e.getMessage() + (value == null || value.isContainerNode() ? ""
                    : ", got " + compact(value));
        };
    }

    private static String property(Error e) {
        if (e.getProperty() != null) return e.getProperty();
        Object[] args = e.getArguments();
        return args != null && args.length > 0 ? String.valueOf(args[0]) : "?";
    }

    /** The schema object that holds the keyword that failed (following the error's schema location). */
    private static JsonNode schemaAt(JsonNode schema, Error e) {
        NodePath fragment = e.getSchemaLocation() == null ? null : e.getSchemaLocation().getFragment();
        if (fragment == null) return JsonNodeFactory.instance.objectNode();
        JsonNode node = schema;
        for (int i = 0; i < fragment.getNameCount() - 1 && node != null; i++) {
            Object el = fragment.getElement(i);
            node = el instanceof Integer idx ? node.get(idx) : node.get(String.valueOf(el));
        }
        return node == null ? JsonNodeFactory.instance.objectNode() : node;
    }

    private static Set<String> types(JsonNode type) {
        Set<String> out = new LinkedHashSet<>();
        if (type.isTextual()) out.add(type.asText());
        else type.forEach(t -> out.add(t.asText()));
        return out;
    }

    private static String listOf(JsonNode values) {
        List<String> out = new ArrayList<>();
        values.forEach(v -> out.add(v.isTextual() ? v.asText() : v.toString()));
        return out.toString();
    }

    /** {@code $}, {@code $.unit}, {@code $.conditions[0].field}, {@code $['odd key']}. */
    static String render(NodePath path) {
        StringBuilder sb = new StringBuilder("$");
        if (path == null) return sb.toString();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object el = path.getElement(i);
            if (el instanceof Integer idx) sb.append('[').append(idx).append(']');
            else if (IDENTIFIER.matcher(String.valueOf(el)).matches()) sb.append('.').append(el);
            else sb.append("['").append(String.valueOf(el).replace("'", "\\'")).append("']");
        }
        return sb.toString();
    }

    private static String show(JsonNode value) {
        if (value == null) return "nothing";
        if (value.isNull()) return "null";
        return kindOf(value) + " " + compact(value);
    }

    private static String kindOf(JsonNode v) {
        if (v.isTextual()) return "string";
        if (v.isIntegralNumber() || (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0)) {
            return "integer";
        }
        if (v.isNumber()) return "number";
        if (v.isBoolean()) return "boolean";
        if (v.isArray()) return "array";
        if (v.isObject()) return "object";
        return "null";
    }

    private static String compact(JsonNode v) {
        String s = v == null ? "nothing" : v.toString();
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    // ---- JSON tree access --------------------------------------------------------------------------------------

    private static JsonNode at(JsonNode root, NodePath path) {
        JsonNode node = root;
        for (int i = 0; path != null && i < path.getNameCount() && node != null; i++) {
            Object el = path.getElement(i);
            node = el instanceof Integer idx ? node.get(idx) : node.get(String.valueOf(el));
        }
        return node;
    }

    private static void replace(JsonNode root, NodePath path, JsonNode value) {
        if (path.getNameCount() == 0) return;
        JsonNode parent = at(root, path.getParent());
        Object last = path.getElement(path.getNameCount() - 1);
        if (parent instanceof ObjectNode obj) obj.set(String.valueOf(last), value);
        else if (parent instanceof ArrayNode arr && last instanceof Integer idx) arr.set(idx, value);
    }

    /** For tests and logs: the tool names joined. */
    @Override
    public String toString() {
        return "ToolSchemaValidator" + tools.keySet().stream().collect(Collectors.joining(", ", "[", "]"));
    }
}
