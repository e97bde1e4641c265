package dev.atrium.common;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * How request bodies are read: each field in the one type it has on the wire, and no field the
 * operation does not know.
 */
@Configuration(proxyBeanMethods = false)
class JsonConfiguration {

    @Bean
    JsonMapperBuilderCustomizer strictStrings() {
        // {"name": 42} or {"max_credits_per_request": 0.1} is a client error naming the field, not the
        // string "42": amounts in particular are decimal strings by contract. Likewise an integer field
        // takes a JSON integer only: {"ttl_seconds": "60"} or {"ttl_seconds": 1.5} is refused, not
        // converted or truncated.
        return builder -> builder.withCoercionConfig(
                        LogicalType.Textual,
                        c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .withCoercionConfig(
                        LogicalType.Integer,
                        c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    }

    @Bean
    JsonMapperBuilderCustomizer unknownFieldsFail() {
        // A typo ("workspaceId", "ttlSeconds") must not silently change what a request means. The
        // gateway (/v1) reads its bodies as JSON trees and passes unknown provider parameters on.
        return builder -> builder.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
