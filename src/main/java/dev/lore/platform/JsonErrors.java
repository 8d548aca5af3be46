package dev.lore.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/**
 * Jackson's errors in words for API users: which field (a path such as {@code config.acl.groups[0]}) and what JSON it
 * wanted ("a string", "an object"…), without Java class names or parser positions. Used by {@link ProblemMappers}
 * for request bodies and by the connector config check.
 */
public final class JsonErrors {

    private JsonErrors() {}

    /**
     * A one-line description of {@code e}.
     *
     * @param e a parse error (malformed JSON) or a binding error (wrong type, a value a constructor refused)
     * @param root the name for the top of the document ("body", "config"): prefixed to field paths
     * @return e.g. {@code "config.acl: wrong type, expected an object"}, {@code "malformed JSON: Unexpected end-of-input…"}
     */
    public static String describe(JsonProcessingException e, String root) {
        if (!(e instanceof JsonMappingException m)) {
            // the parser's own words without its location note ("(start marker at [Source: REDACTED (`…` disabled); line…])")
            String message = String.valueOf(e.getOriginalMessage()).replaceAll("\\s*\\(start marker at \\[Source:.*?\\]\\)", "")
                    .replaceAll("\\s*at \\[Source:.*?\\]", "");
            return "malformed JSON: " + message + location(e);
        }
        String field = path(m, root);
        // a parse error met while binding (an unfinished array, bytes that are not UTF-8) is malformed JSON, not a bad
        // value; a number too large for its field is said so
        for (Throwable c = m.getCause(); c != null; c = c.getCause()) {
            if (c instanceof com.fasterxml.jackson.core.JsonParseException parse) return describe(parse, root);
            if (c instanceof java.io.CharConversionException chars) return "malformed JSON: " + chars.getMessage();
            if (c instanceof com.fasterxml.jackson.core.exc.InputCoercionException) return field + ": number out of range";
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.InvalidNullException
                || String.valueOf(e.getOriginalMessage()).startsWith("Cannot map `null`")) return field + ": must not be null";
        if (String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
            return "malformed JSON: more content after the JSON value" + location(e);
        }
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                    .collect(java.util.stream.Collectors.joining(", "));
            return field + ": unknown field" + (known.isEmpty() ? "" : "; the fields here are " + known);
        }
        if (e instanceof ValueInstantiationException v && v.getCause() != null && v.getCause().getMessage() != null) {
            return field + ": " + v.getCause().getMessage();
        }
        if (e instanceof MismatchedInputException mi) {
            return field + ": wrong type, expected " + (mi.getTargetType() == null ? "another type" : expected(mi.getTargetType()));
        }
        // an exception our own binding code threw (e.g. an unknown filter): its message is written for callers
        return m.getCause() instanceof IllegalArgumentException own && own.getMessage() != null
                ? field + ": " + own.getMessage() : field + ": invalid value";
    }

    /**
     * The error a request record's {@code @JsonAnySetter} throws for a field it does not have (Quarkus' Jackson ignores
     * unknown fields, which for search and chat would quietly widen the search); the known names are the record's
     * components, so the message cannot drift from the record.
     *
     * @param name the unknown field
     * @param type the record it was sent for
     * @param noun what the record's fields are called to the caller ("field", "filter")
     * @return e.g. {@code unknown filter 'sourceId'; the filters are sourceIds, pathPrefix, contentTypes, languages}
     */
    public static IllegalArgumentException unknownField(String name, Class<? extends Record> type, String noun) {
        String known = java.util.Arrays.stream(type.getRecordComponents()).map(java.lang.reflect.RecordComponent::getName)
                .collect(java.util.stream.Collectors.joining(", "));
        return new IllegalArgumentException("unknown " + noun + " '" + name + "'; the " + noun + "s are " + known);
    }

    /** " (line L, column C)" where the parser knows the place, else empty. */
    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private static String path(JsonMappingException e, String root) {
        StringBuilder out = new StringBuilder(root);
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) out.append('.').append(r.getFieldName());
            else out.append('[').append(r.getIndex()).append(']');
        }
        return out.toString();
    }

    /** The JSON a Java type is read from, in words. */
    static String expected(Class<?> type) {
        if (type == String.class || type == UUID.class || type.isEnum()) return type == UUID.class ? "a UUID string" : "a string";
        if (type == boolean.class || type == Boolean.class) return "true or false";
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class || type == short.class
                || type == Short.class) return "a whole number";
        if (type.isPrimitive() || Number.class.isAssignableFrom(type)) return "a number";
        if (type.isArray() || Collection.class.isAssignableFrom(type)) return "an array";
        return Map.class.isAssignableFrom(type) || type.isRecord() || !type.getName().startsWith("java.") ? "an object" : "another type";
    }
}
