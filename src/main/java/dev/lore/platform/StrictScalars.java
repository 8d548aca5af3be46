package dev.lore.platform;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Makes the application's JSON reader refuse a number where a yes/no is expected: Jackson by default reads
 * {@code "everyone": 1} as {@code true} and {@code 0} as {@code false}, so a typo or a caller's wrong type would
 * quietly grant or withdraw access. Such a body now fails with 400 ("everyone: wrong type, expected true or false",
 * see {@link JsonErrors}). Other coercions (a number written as a string, a single value for a list) are left as
 * Jackson has them.
 */
@Singleton
public class StrictScalars implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
    }
}
