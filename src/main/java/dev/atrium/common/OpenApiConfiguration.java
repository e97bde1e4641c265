package dev.atrium.common;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.List;
import org.springdoc.core.customizers.OpenApiCustomizer;
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
    OpenApiCustomizer publicOperations() {
        return openApi -> openApi.getPaths()
                .forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                    if (PUBLIC.contains(method.name() + " " + path)) noCredentials(operation);
                }));
    }

    private static void noCredentials(Operation operation) {
        operation.setSecurity(List.of());
    }
}
