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
 * accepts a key too (with the same roles). Registered by {@code mp.openapi.filter}.
 */
public class ApiKeyOpenApiFilter implements OASFilter {

    /** The scheme's name in {@code components.securitySchemes}. */
    public static final String SCHEME = "apiKey";

    @Override
    public Operation filterOperation(Operation operation) {
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
        openAPI.getComponents().addSecurityScheme(SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name("X-API-Key")
                .description("An API key (lore_…) made by an admin: POST /api/v1/api-keys; it carries a role and a tenant"));
    }
}
