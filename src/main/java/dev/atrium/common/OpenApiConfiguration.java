package dev.atrium.common;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.lang.reflect.ParameterizedType;
import java.util.List;
import java.util.Map;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document at /v3/api-docs: what it says about Atrium, its credentials and its schemas. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {
    static final String BEARER = "bearer";

    /** Operations that take no credentials (the first user, signing in for a token, accepting an invitation). */
    private static final List<String> PUBLIC =
            List.of("POST /api/v1/setup", "POST /api/v1/auth/tokens", "POST /api/v1/invitations/{token}/accept");

    @Bean
    OpenAPI atriumOpenApi(ObjectProvider<BuildProperties> build) {
        BuildProperties properties = build.getIfAvailable();
        String version = properties == null ? "development" : properties.getVersion();
        return new OpenAPI()
                .info(new Info()
                        .title("Atrium API")
                        .version(version)
                        .description("""
                                Organizations, workspaces, members, credits, usage and history under \
                                `/api/v1`, and the OpenAI-compatible gateway under `/v1`.

                                JSON field names are snake_case. Credit amounts are decimal strings \
                                (`"12.5"`), exact to 6 decimal places; a request names them as strings of \
                                digits with an optional point and up to 6 decimals, never as JSON numbers. \
                                Under `/api` a request body with a field the operation does not know is \
                                refused (422 `validation_failed` naming the field). Errors are RFC 9457 \
                                `application/problem+json` with a stable `code`.

                                Authorize with `Authorization: Bearer <token>`: a personal access token \
                                (`atr_pat_…`), an organization admin key (`atr_adm_…`) or a workspace key \
                                (`atr_ws_…`).""")
                        .license(new License()
                                .name("Apache License, Version 2.0")
                                .url("https://www.apache.org/licenses/LICENSE-2.0")))
                .components(
                        new Components()
                                .addSecuritySchemes(
                                        BEARER,
                                        new SecurityScheme()
                                                .type(SecurityScheme.Type.HTTP)
                                                .scheme("bearer")
                                                .description(
                                                        "A personal access token, an organization admin key or a workspace key.")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER));
    }

    @Bean
    WireModels wireModels() {
        return new WireModels();
    }

    @Bean
    OpenApiCustomizer publicOperationsAndProblems() {
        return openApi -> {
            openApi.getComponents().addSchemas("Problem", problem());
            openApi.getPaths()
                    .forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                        if (PUBLIC.contains(method.name() + " " + path)) noCredentials(operation);
                        if (path.startsWith("/v1/")) openAiShapes(operation);
                        if (path.startsWith("/api/") && operation.getResponses() != null) {
                            Schema<?> ref = new JsonSchema().$ref("#/components/schemas/Problem");
                            operation
                                    .getResponses()
                                    .addApiResponse(
                                            "default",
                                            new ApiResponse()
                                                    .description("An error, as RFC 9457 problem details.")
                                                    .content(new Content()
                                                            .addMediaType(
                                                                    "application/problem+json",
                                                                    new MediaType().schema(ref))));
                        }
                    }));
        };
    }

    /**
     * A handler that answers {@code Map<String, List<SomeRecord>>} answers {@code {"data": [...]}} (an
     * unpaged list): the document says so, instead of "an object of arrays".
     */
    @Bean
    OperationCustomizer dataLists() {
        return (operation, handler) -> {
            if (!(handler.getReturnType().getGenericParameterType() instanceof ParameterizedType map)
                    || map.getRawType() != Map.class
                    || !(map.getActualTypeArguments()[1] instanceof ParameterizedType list)
                    || list.getRawType() != List.class
                    || !(list.getActualTypeArguments()[0] instanceof Class<?> element)
                    || !element.isRecord()
                    || operation.getResponses() == null) {
                return operation;
            }
            operation.getResponses().forEach((status, response) -> {
                if (!status.startsWith("2") || response.getContent() == null) return;
                response.getContent().forEach((type, media) -> {
                    Schema<?> schema = media.getSchema();
                    if (schema == null || !(schema.getAdditionalProperties() instanceof Schema<?> items)) return;
                    Schema<?> data = type("object", "The whole list (not paged).");
                    data.addProperty("data", items);
                    data.setRequired(List.of("data"));
                    data.setAdditionalProperties(Boolean.FALSE);
                    media.setSchema(data);
                });
            });
            return operation;
        };
    }

    /**
     * The gateway reads and writes OpenAI's (and Anthropic's) JSON as trees, so there is no Java type to
     * describe it: the document says "a JSON object" and that unknown parameters go to the provider.
     */
    private static void openAiShapes(Operation operation) {
        if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null) {
            operation.getRequestBody().getContent().forEach((type, media) -> {
                if (media.getSchema() == null && type.endsWith("json")) {
                    Schema<?> body = type(
                            "object",
                            "A request in the provider API's shape; parameters the gateway does not know are"
                                    + " passed on to the provider.");
                    media.setSchema(body);
                }
            });
        }
        var ok = operation.getResponses() == null
                ? null
                : operation.getResponses().get("200");
        if (ok != null && (ok.getContent() == null || ok.getContent().isEmpty())) {
            ok.setContent(new Content()
                    .addMediaType(
                            "application/json",
                            new MediaType().schema(type("object", "The provider API's response shape.")))
                    .addMediaType(
                            "text/event-stream",
                            new MediaType().schema(type("string", "Server-sent events, when stream is true."))));
        }
    }

    /** RFC 9457 problem details with Atrium's stable {@code code} (see ProblemDetails). */
    private static Schema<?> problem() {
        Schema<?> schema = type("object", "An error: RFC 9457 problem details with a stable code.");
        schema.addProperty("type", type("string", "A URI naming the kind of error."));
        schema.addProperty("title", type("string", "A short summary of the kind of error."));
        schema.addProperty("status", type("integer", "The HTTP status."));
        schema.addProperty("detail", type("string", "What went wrong with this request."));
        schema.addProperty("instance", type("string", "The path of the request."));
        schema.addProperty("code", type("string", "The stable, machine-readable error code, e.g. validation_failed."));
        schema.addProperty("request_id", type("string", "The request's id, as in the x-atrium-request-id header."));
        Schema<?> error = type("object", "One field's error.");
        error.addProperty("field", type("string", "The field, as a dotted path (spend_limit.amount)."));
        error.addProperty("message", type("string", "What is wrong with it."));
        error.setRequired(List.of("field", "message"));
        Schema<?> errors = type("array", "The fields at fault, where the error is about fields.");
        errors.setItems(error);
        schema.addProperty("errors", errors);
        schema.setRequired(List.of("type", "title", "status", "code"));
        return schema;
    }

    private static Schema<?> type(String type, String description) {
        Schema<?> schema = new JsonSchema();
        schema.addType(type);
        schema.setDescription(description);
        return schema;
    }

    private static void noCredentials(Operation operation) {
        operation.setSecurity(List.of());
    }
}
