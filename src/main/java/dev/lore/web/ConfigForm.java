package dev.lore.web;

import dev.lore.security.AccessList;
import io.quarkus.qute.TemplateData;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A form generated from a connector's configuration record ({@code Connector.configType()}): one field per record
 * component, by its type (text, number, yes/no, or the three parts of an access list). Reads the submitted form back
 * into the JSON configuration the API takes.
 */
public final class ConfigForm {

    private ConfigForm() {}

    /**
     * One form field.
     *
     * @param name form field name: {@code cfg.<component>} or {@code cfg.<component>.users|groups|everyone}
     * @param label what the person sees
     * @param kind {@code text}, {@code number}, {@code checkbox}
     * @param help a hint under the field, or empty
     * @param required true for the first text component (the connector's main setting)
     */
    @TemplateData
    public record Field(String name, String label, String kind, String help, boolean required) {}

    /** The fields for a configuration record type. */
    public static List<Field> fields(Class<? extends Record> type) {
        List<Field> out = new ArrayList<>();
        boolean first = true;
        for (RecordComponent c : type.getRecordComponents()) {
            String n = c.getName();
            Class<?> t = c.getType();
            if (t == AccessList.class) {
                out.add(new Field("cfg." + n + ".users", label(n) + ": users", "text", "user names, comma-separated", false));
                out.add(new Field("cfg." + n + ".groups", label(n) + ": groups", "text", "group names, comma-separated", false));
                out.add(new Field("cfg." + n + ".everyone", label(n) + ": everyone in the tenant", "checkbox", "", false));
            } else if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
                out.add(new Field("cfg." + n, label(n), "number", "optional", false));
            } else if (t == Boolean.class || t == boolean.class) {
                out.add(new Field("cfg." + n, label(n), "checkbox", "", false));
            } else {
                out.add(new Field("cfg." + n, label(n), "text", "", first));
                first = false;
            }
        }
        return out;
    }

    /** The JSON configuration from submitted values ({@code cfg.*} fields); blank fields are left out. */
    public static Map<String, Object> read(Class<? extends Record> type, Map<String, String> form) {
        Map<String, Object> config = new LinkedHashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            String n = c.getName();
            Class<?> t = c.getType();
            String v = blankToNull(form.get("cfg." + n));
            if (t == AccessList.class) {
                List<String> users = list(form.get("cfg." + n + ".users"));
                List<String> groups = list(form.get("cfg." + n + ".groups"));
                boolean everyone = form.get("cfg." + n + ".everyone") != null;
                if (!users.isEmpty() || !groups.isEmpty() || everyone) {
                    config.put(n, Map.of("users", users, "groups", groups, "everyone", everyone));
                }
            } else if (t == Boolean.class || t == boolean.class) {
                if (v != null) config.put(n, true);
            } else if (v != null && (t == Integer.class || t == int.class || t == Long.class || t == long.class)) {
                try {
                    config.put(n, Long.parseLong(v));
                } catch (NumberFormatException e) {
                    throw dev.lore.platform.ApiException.badRequest(label(n) + " must be a whole number");
                }
            } else if (v != null) {
                config.put(n, v);
            }
        }
        return config;
    }

    static String label(String camel) {
        String spaced = camel.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
        return Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static List<String> list(String s) {
        if (s == null || s.isBlank()) return List.of();
        return Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }
}
