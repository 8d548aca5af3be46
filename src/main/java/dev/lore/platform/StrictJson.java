package dev.lore.platform;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import jakarta.inject.Inject;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;

/**
 * How Lore reads what callers send: strictly. Quarkus' Jackson ignores unknown fields and converts scalars freely, so
 * {@code "acl": {"group": [...]}} (for {@code groups}) was read as an empty access list (the source became
 * admins-only), {@code "everyone": "true"} or {@code 1} as true, {@code "limit": "3"} or {@code 2.7} as a number,
 * {@code "query": 123} as text, and {@code "roles": [null]} reached the code as a null (a 500). For Lore's own request
 * types ({@code dev.lore.*}: request bodies; also the connector configs checked when a source is created and
 * {@code .lore-acl.json} files) these are refused with a 400 naming the field ({@link JsonErrors}): an unknown field, a
 * number or string for true/false, a string or fraction for a whole number, a number or true/false for text, null
 * inside a list, a key given twice, anything after the JSON value. Everything else (stored data, other libraries'
 * types such as Keycloak's representations) keeps the application's lenient mapper.
 */
@Provider
public class StrictJson implements ContextResolver<ObjectMapper> {

    private final ObjectMapper strict;

    @Inject
    public StrictJson(ObjectMapper application) {
        this.strict = strict(application);
    }

    /** The strict mapper for Lore's own types; null (the application's mapper) for every other type. */
    @Override
    public ObjectMapper getContext(Class<?> type) {
        return type != null && type.getName().startsWith("dev.lore.") ? strict : null;
    }

    /** A copy of {@code base} that refuses unknown fields and scalar conversions (see the class comment). */
    public static ObjectMapper strict(ObjectMapper base) {
        ObjectMapper m = base.copy()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        // a null inside a list ("roles": [null]) is refused, not passed on to fail later or to mean "no filter"
        for (Class<?> c : java.util.List.of(java.util.List.class, java.util.Set.class, java.util.Collection.class)) {
            m.configOverride(c).setSetterInfo(com.fasterxml.jackson.annotation.JsonSetter.Value.forContentNulls(
                    com.fasterxml.jackson.annotation.Nulls.FAIL));
        }
        refuse(m, LogicalType.Boolean, CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.String);
        refuse(m, LogicalType.Integer, CoercionInputShape.String, CoercionInputShape.Float, CoercionInputShape.Boolean);
        refuse(m, LogicalType.Float, CoercionInputShape.String, CoercionInputShape.Boolean);
        refuse(m, LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean);
        return m;
    }

    /** Makes reading a {@code target} value from any of {@code shapes} fail instead of converting it. */
    private static void refuse(ObjectMapper m, LogicalType target, CoercionInputShape... shapes) {
        for (CoercionInputShape shape : shapes) m.coercionConfigFor(target).setCoercion(shape, CoercionAction.Fail);
    }
}
