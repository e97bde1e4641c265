package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.core.jackson.ModelResolver;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.Schema;
import java.lang.annotation.Annotation;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Resolves the OpenAPI schemas of request and response types as they are on the wire. Swagger reads
 * types with its own Jackson 2 mapper, which knows nothing of the application's Jackson 3 settings,
 * so the wire's conventions are applied here: snake_case names; a record's components are required
 * unless {@code @Nullable} (then they may be null); a record has no other fields; amounts are
 * decimal strings; JSON trees are any JSON.
 */
class WireModels extends ModelResolver {
    static final String CREDITS_PATTERN = "^-?[0-9]+(\\.[0-9]{1,6})?$";
    private static final PropertyNamingStrategies.NamingBase SNAKE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    WireModels() {
        super(snakeCase());
        openapi31(true);
    }

    private static ObjectMapper snakeCase() {
        ObjectMapper mapper = Json31.mapper().copy();
        mapper.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        return mapper;
    }

    @Override
    public @Nullable Schema resolve(AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> next) {
        if (has(type.getCtxAnnotations(), Amount.class)) {
            return amount();
        }
        JavaType javaType = _mapper.constructType(type.getType());
        Class<?> raw = javaType.getRawClass();
        if (raw == Credits.class) {
            return string(CREDITS_PATTERN, "12.5", "A credit amount: a decimal string, exact to 6 decimal places.");
        }
        if (tools.jackson.databind.JsonNode.class.isAssignableFrom(raw)) {
            return new JsonSchema().description("Any JSON value.");
        }
        Schema<?> schema = super.resolve(type, context, next);
        if (schema != null && raw.isRecord() && raw.getPackageName().startsWith("dev.atrium")) {
            Schema<?> model = schema;
            if (schema.get$ref() != null) {
                String name = schema.get$ref().substring(schema.get$ref().lastIndexOf('/') + 1);
                model = context.getDefinedModels().get(name);
            }
            if (model != null) {
                tighten(raw, model);
                unwrap(raw, model, context);
            }
        }
        return schema;
    }

    /** An amount in a request: the strict spelling {@link AmountFormat} accepts. */
    static Schema<?> amount() {
        return string(
                AmountFormat.PATTERN,
                "5",
                "A credit amount: a decimal string of digits with at most 6 decimal places, at most "
                        + AmountFormat.MAX_CREDITS + " (not a JSON number).");
    }

    private static Schema<?> string(String pattern, String example, String description) {
        Schema<?> s = new JsonSchema();
        s.addType("string");
        s.setPattern(pattern);
        s.setExample(example);
        s.setDescription(description);
        return s;
    }

    private static void tighten(Class<?> record, Schema<?> model) {
        Map<String, Schema> properties = model.getProperties();
        if (properties == null) return;
        List<String> required = new ArrayList<>();
        Map<String, Schema> rewritten = new LinkedHashMap<>();
        for (RecordComponent c : record.getRecordComponents()) {
            if (c.getAccessor().isAnnotationPresent(JsonUnwrapped.class)) continue; // see unwrap
            String name = wireName(c);
            Schema<?> p = properties.get(name);
            if (p == null) continue;
            boolean nullable = isNullable(c);
            io.swagger.v3.oas.annotations.media.Schema doc =
                    c.getAccessor().getAnnotation(io.swagger.v3.oas.annotations.media.Schema.class);
            boolean mustSend = doc != null
                    && doc.requiredMode() == io.swagger.v3.oas.annotations.media.Schema.RequiredMode.REQUIRED;
            if (!nullable || mustSend) {
                required.add(name);
            }
            rewritten.put(name, nullable && !mustSend ? orNull(p) : p);
        }
        properties.forEach((name, p) -> {
            if (name != null) rewritten.putIfAbsent(name, p);
        });
        model.setProperties(rewritten);
        model.setRequired(required.isEmpty() ? null : required);
        model.setAdditionalProperties(Boolean.FALSE);
    }

    /** The fields of an {@code @JsonUnwrapped} record sit beside the outer record's, as on the wire. */
    private static void unwrap(Class<?> record, Schema<?> model, ModelConverterContext context) {
        for (RecordComponent c : record.getRecordComponents()) {
            if (!c.getAccessor().isAnnotationPresent(JsonUnwrapped.class)
                    || !c.getType().isRecord()) continue;
            Schema<?> inner = context.resolve(new AnnotatedType(c.getType()).resolveAsRef(false));
            if (inner != null && inner.get$ref() != null) {
                inner = context.getDefinedModels()
                        .get(inner.get$ref().substring(inner.get$ref().lastIndexOf('/') + 1));
            }
            if (inner == null || inner.getProperties() == null) continue;
            Map<String, Schema> merged = new LinkedHashMap<>(inner.getProperties());
            model.getProperties().forEach(merged::putIfAbsent);
            model.setProperties(merged);
            List<String> required = new ArrayList<>(inner.getRequired() == null ? List.of() : inner.getRequired());
            if (model.getRequired() != null) {
                for (String name : model.getRequired()) if (!required.contains(name)) required.add(name);
            }
            model.setRequired(required);
        }
    }

    private static boolean isNullable(RecordComponent c) {
        return c.getAnnotatedType().isAnnotationPresent(Nullable.class)
                || c.getAccessor().getAnnotatedReturnType().isAnnotationPresent(Nullable.class);
    }

    private static Schema<?> orNull(Schema<?> p) {
        if (isNullable(p)) return p;
        Schema<?> none = new JsonSchema();
        none.addType("null");
        Schema<?> either = new JsonSchema();
        either.setAnyOf(new ArrayList<>(List.of(p, none)));
        return either;
    }

    private static boolean isNullable(Schema<?> p) {
        Set<String> types = p.getTypes();
        return (types != null && types.contains("null"))
                || (p.get$ref() == null && types == null && p.getAnyOf() == null);
    }

    private static String wireName(RecordComponent c) {
        JsonProperty named = c.getAccessor().getAnnotation(JsonProperty.class);
        if (named == null) {
            try {
                named = c.getDeclaringRecord().getDeclaredField(c.getName()).getAnnotation(JsonProperty.class);
            } catch (NoSuchFieldException e) {
                named = null;
            }
        }
        if (named != null && !named.value().isEmpty()) return named.value();
        return SNAKE.translate(c.getName());
    }

    private static boolean has(Annotation @Nullable [] annotations, Class<? extends Annotation> type) {
        if (annotations == null) return false;
        for (Annotation a : annotations) {
            if (a.annotationType() == type) return true;
        }
        return false;
    }
}
