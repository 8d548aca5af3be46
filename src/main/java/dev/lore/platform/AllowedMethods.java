package dev.lore.platform;

import jakarta.enterprise.inject.Any;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP methods the API's resources take on a path, for the {@code Allow} header of a 405 (RFC 9110 §15.5.6: a
 * 405 must list them; RESTEasy's exception does not carry them). Built once from the {@code @Path} resource classes
 * and their methods' HTTP method annotations; a GET also allows HEAD, and every resource path allows OPTIONS.
 */
final class AllowedMethods {

    /** One resource method: its full path as a pattern, and its HTTP method. */
    private record Route(Pattern path, String method) {}

    private static volatile List<Route> routes;

    private AllowedMethods() {}

    /**
     * The methods some resource takes on {@code path} (e.g. {@code /api/v1/sources/0f…}), sorted; empty when no
     * resource path matches it.
     */
    static Set<String> on(String path) {
        Set<String> out = new TreeSet<>();
        for (Route r : routes()) {
            if (r.path().matcher(path).matches()) {
                out.add(r.method());
                if (r.method().equals(HttpMethod.GET)) out.add(HttpMethod.HEAD);
            }
        }
        if (!out.isEmpty()) out.add(HttpMethod.OPTIONS);
        return out;
    }

    private static List<Route> routes() {
        List<Route> r = routes;
        if (r == null) routes = r = scan();
        return r;
    }

    private static List<Route> scan() {
        List<Route> out = new ArrayList<>();
        for (var bean : io.quarkus.arc.Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)) {
            Class<?> type = bean.getBeanClass();
            Path root = type.getAnnotation(Path.class);
            if (root == null) continue;
            for (Method m : type.getMethods()) {
                String verb = null;
                for (var a : m.getAnnotations()) {
                    HttpMethod h = a.annotationType().getAnnotation(HttpMethod.class);
                    if (h != null) verb = h.value();
                }
                if (verb == null) continue;
                Path sub = m.getAnnotation(Path.class);
                out.add(new Route(pattern(join(root.value(), sub == null ? "" : sub.value())), verb));
            }
        }
        return List.copyOf(out);
    }

    private static String join(String a, String b) {
        String s = ("/" + a + "/" + b).replaceAll("/+", "/");
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static final Pattern PARAMETER = Pattern.compile("\\{\\s*\\w[\\w.-]*\\s*(?::\\s*((?:[^{}]|\\{[^{}]*})+))?}");

    /** A JAX-RS path template as a regular expression ({@code {id}} → one segment, {@code {p: .+}} → its own pattern). */
    static Pattern pattern(String template) {
        StringBuilder out = new StringBuilder();
        Matcher m = PARAMETER.matcher(template);
        int last = 0;
        while (m.find()) {
            out.append(Pattern.quote(template.substring(last, m.start())));
            out.append('(').append(m.group(1) == null ? "[^/]+" : m.group(1).strip()).append(')');
            last = m.end();
        }
        out.append(Pattern.quote(template.substring(last)));
        return Pattern.compile(out + "/?");
    }
}
