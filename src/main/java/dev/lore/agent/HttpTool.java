package dev.lore.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A declared HTTP tool: arguments fill the URL template's {@code {placeholders}} (URL-encoded); the remaining
 * arguments go to the query string (GET, DELETE) or a JSON body (POST, PUT, PATCH). Only hosts in
 * {@code allowedHosts} are called; the auth header's value comes from a secret that is never stored in the
 * database, shown in the API or logged. The result is {@code {"status":…,"body":…}} (body cut at 8,000
 * characters); a non-2xx status is a tool error the model reads.
 *
 * @param name tool name
 * @param description for the model
 * @param method HTTP method
 * @param urlTemplate e.g. {@code https://orders.example/api/orders/{orderId}}
 * @param parameters JSON Schema of the arguments
 * @param allowedHosts hosts (with port if not default) the tool may call
 * @param authHeader header carrying the secret, or null
 * @param authSecret the secret's name, or null
 * @param authPrefix text before the secret, e.g. {@code "Bearer "}, or null
 * @param readOnly whether it changes nothing
 * @param requiresConfirmation whether the client must confirm each call
 * @param timeoutMs request timeout
 */
public record HttpTool(String name, String description, String method, String urlTemplate, JsonNode parameters,
                       List<String> allowedHosts, String authHeader, String authSecret, String authPrefix, boolean readOnly,
                       boolean requiresConfirmation, int timeoutMs) implements AgentTool {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_]+)}");
    private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH");
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @Override
    public String execute(ToolContext context, JsonNode arguments) throws ToolException {
        ObjectNode rest = arguments.deepCopy();
        Matcher m = PLACEHOLDER.matcher(urlTemplate);
        StringBuilder url = new StringBuilder();
        while (m.find()) {
            JsonNode v = rest.remove(m.group(1));
            if (v == null || v.isNull()) throw new ToolException("missing required property \"" + m.group(1) + "\" (used in the URL)");
            m.appendReplacement(url, Matcher.quoteReplacement(URLEncoder.encode(v.asText(), StandardCharsets.UTF_8).replace("+", "%20")));
        }
        m.appendTail(url);
        String verb = method.toUpperCase(Locale.ROOT);
        if (!BODY_METHODS.contains(verb) && !rest.isEmpty()) {
            StringBuilder q = new StringBuilder();
            rest.properties().forEach(e -> {
                q.append(q.isEmpty() ? "" : "&").append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString(), StandardCharsets.UTF_8));
            });
            url.append(url.indexOf("?") >= 0 ? "&" : "?").append(q);
        }
        URI uri = URI.create(url.toString());
        String host = uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost();
        if (host == null || !(allowedHosts.contains(host) || allowedHosts.contains(uri.getHost()))) {
            throw new ToolException("host " + host + " is not allowed for tool " + name);
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(timeoutMs)).header("Accept", "application/json");
        if (authHeader != null && authSecret != null) {
            String secret = Secrets.get(context.tenantId(), authSecret)
                    .orElseThrow(() -> new ToolException("the secret for tool " + name + " is not configured; ask an administrator"));
            req.header(authHeader, (authPrefix == null ? "" : authPrefix) + secret);
        }
        if (BODY_METHODS.contains(verb)) {
            req.header("Content-Type", "application/json").method(verb, HttpRequest.BodyPublishers.ofString(rest.toString()));
        } else {
            req.method(verb, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> resp;
        try {
            resp = CLIENT.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ToolException("calling " + uri.getHost() + " failed: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ToolException("the call was interrupted");
        }
        String body = resp.body() == null ? "" : resp.body();
        if (body.length() > 8000) body = body.substring(0, 8000) + "…";
        if (resp.statusCode() / 100 != 2) throw new ToolException("HTTP " + resp.statusCode() + " from " + uri.getHost() + ": " + body);
        return "{\"status\":" + resp.statusCode() + ",\"body\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(body) + "}";
    }
}
