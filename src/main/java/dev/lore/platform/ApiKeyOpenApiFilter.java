package dev.lore.platform;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * Completes the OpenAPI document at {@code /q/openapi}: the {@code X-API-Key} header ({@code lore_…} keys, the bot API's
 * way in) is declared next to the Keycloak scheme that Quarkus adds, and every operation that accepts a Keycloak token
 * accepts a key too (with the same roles). Error responses (4xx, 5xx) are declared as {@code application/problem+json}
 * ({@code components.schemas.Problem}), and server-sent event streams as the text they are (events {@code token},
 * {@code done}, {@code error}, ...) rather than the JAX-RS type that builds them. Registered by {@code mp.openapi.filter}.
 */
public class ApiKeyOpenApiFilter implements OASFilter {

    /** The scheme's name in {@code components.securitySchemes}. */
    public static final String SCHEME = "apiKey";

    /** The problem schema's name in {@code components.schemas}. */
    static final String PROBLEM = "Problem";

    @Override
    public Operation filterOperation(Operation operation) {
        if (operation.getResponses() != null && operation.getResponses().getAPIResponses() != null) {
            operation.getResponses().getAPIResponses().forEach((code, response) -> {
                if (code.matches("[45]\\d\\d") && (response.getContent() == null || response.getContent().getMediaTypes().isEmpty())) {
                    response.setContent(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                            OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM))));
                }
                if (response.getContent() != null && response.getContent().getMediaType("text/event-stream") != null) {
                    response.getContent().addMediaType("text/event-stream", OASFactory.createMediaType().schema(OASFactory.createSchema()
                            .addType(org.eclipse.microprofile.openapi.models.media.Schema.SchemaType.STRING)
                            .description("Server-sent events, each `event: <name>` and `data: <JSON>`: chat sends `token` "
                                    + "({\"text\": \"…\"}) events, then one `done` (the answer with its citations, as the JSON "
                                    + "response), or `error` ({\"detail\": \"…\"}); a conversation turn sends `token`, `tool_call` and "
                                    + "`tool_result` events, then `message` (the JSON reply) or `error` (docs/agents.md)")));
                }
            });
        }
        List<SecurityRequirement> security = operation.getSecurity();
        if (security == null || security.isEmpty()) return operation;
        List<SecurityRequirement> out = new ArrayList<>(security);
        for (SecurityRequirement r : security) {
            if (r.hasScheme(SCHEME)) return operation;
            r.getSchemes().values().stream().findFirst().ifPresent(roles -> out.add(OASFactory.createSecurityRequirement().addScheme(SCHEME, roles)));
        }
        operation.setSecurity(out);
        return operation;
    }

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) openAPI.setComponents(OASFactory.createComponents());
        var text = OASFactory.createSchema().addType(org.eclipse.microprofile.openapi.models.media.Schema.SchemaType.STRING);
        openAPI.getComponents().addSchema(PROBLEM, OASFactory.createSchema()
                .addType(org.eclipse.microprofile.openapi.models.media.Schema.SchemaType.OBJECT)
                .description("RFC 9457 problem details: the body of every API error")
                .addProperty("type", text).addProperty("title", text)
                .addProperty("status", OASFactory.createSchema().addType(org.eclipse.microprofile.openapi.models.media.Schema.SchemaType.INTEGER))
                .addProperty("detail", OASFactory.createSchema().addType(org.eclipse.microprofile.openapi.models.media.Schema.SchemaType.STRING)
                        .description("what went wrong this time, in words a client can act on"))
                .addProperty("instance", text));
        openAPI.getComponents().addSecurityScheme(SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name("X-API-Key")
                .description("An API key (lore_…) made by an admin: POST /api/v1/api-keys; it carries a role and a tenant"));
    }
}
