package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The OpenAPI document, Swagger UI and health endpoint are served without credentials. */
@IntegrationTest
class ApiDocsAndHealthTest {
    @Autowired
    Fixtures fixtures;

    @Test
    void theOpenApiDocumentDescribesOurPaths() {
        var r = fixtures.api().get("/v3/api-docs");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        var doc = r.json();
        assertThat(doc.path("openapi").asString()).startsWith("3.");
        var paths = doc.path("paths");
        for (String path : new String[] {
            "/api/v1/organizations",
            "/api/v1/organizations/{org}",
            "/api/v1/organizations/{org}/members",
            "/api/v1/organizations/{org}/members/{user}",
            "/api/v1/organizations/{org}/invitations",
            "/api/v1/invitations/{token}/accept",
            "/api/v1/organizations/{org}/workspaces",
            "/api/v1/organizations/{org}/workspaces/{ws}",
            "/api/v1/organizations/{org}/workspaces/{ws}/archive",
            "/api/v1/organizations/{org}/workspaces/{ws}/unarchive",
            "/api/v1/organizations/{org}/workspaces/{ws}/policy",
            "/api/v1/organizations/{org}/workspaces/{ws}/members",
            "/api/v1/organizations/{org}/audit-events",
            "/api/v1/me",
        }) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
        assertThat(paths.path("/api/v1/organizations/{org}/workspaces/{ws}").has("delete"))
                .isTrue();
        assertThat(paths.path("/api/v1/organizations/{org}/workspaces/{ws}/policy")
                        .has("put"))
                .isTrue();
        // Only our API is documented, not the actuator or error pages.
        paths.propertyNames().forEach(p -> assertThat(p).matches("^/(api|v1)/.*"));
    }

    @Test
    void theDocumentNamesAtriumItsBearerSchemeAndTheWiresConventions() {
        var doc = fixtures.api().get("/v3/api-docs").json();
        assertThat(doc.path("info").path("title").asString()).isEqualTo("Atrium API");
        assertThat(doc.path("info").path("version").asString()).isNotBlank().isNotEqualTo("v0");
        assertThat(doc.path("info").path("description").asString()).contains("snake_case");
        var bearer = doc.path("components").path("securitySchemes").path("bearer");
        assertThat(bearer.path("type").asString()).isEqualTo("http");
        assertThat(bearer.path("scheme").asString()).isEqualTo("bearer");
        assertThat(doc.path("security").path(0).has("bearer")).isTrue();
        // The first user, signing in and accepting an invitation take no credentials.
        var setup = doc.path("paths").path("/api/v1/setup").path("post");
        assertThat(setup.path("security").isArray() && setup.path("security").isEmpty())
                .isTrue();

        // Every field of every schema is named as on the wire.
        doc.path("components")
                .path("schemas")
                .properties()
                .forEach(schema -> schema.getValue()
                        .path("properties")
                        .propertyNames()
                        .forEach(name -> assertThat(name).as(schema.getKey()).matches("^[a-z][a-z0-9_]*$")));
        var schemas = doc.path("components").path("schemas");
        assertThat(schemas.path("InvitationRequest").path("properties").has("workspace_id"))
                .isTrue();
        assertThat(schemas.path("HoldBody").path("properties").has("ttl_seconds"))
                .isTrue();
        assertThat(schemas.path("HoldBody").path("additionalProperties").asBoolean(true))
                .isFalse();
        assertThat(schemas.path("HoldBody")
                        .path("properties")
                        .path("amount")
                        .path("pattern")
                        .asString())
                .isEqualTo("^[0-9]+(\\.[0-9]{1,6})?$");
        assertThat(schemas.path("HoldBody").path("required").toString()).contains("amount", "category");
        assertThat(schemas.path("PageWorkspace").path("required").toString()).contains("data", "has_more");
        assertThat(schemas.path("WorkspaceCredits")
                        .path("properties")
                        .path("available")
                        .path("type")
                        .asString())
                .isEqualTo("string");

        // An unpaged list is {"data": [...]}.
        var grants = doc.path("paths")
                .path("/api/v1/organizations/{org}/credits/grants")
                .path("get")
                .path("responses")
                .path("200")
                .path("content")
                .path("application/json")
                .path("schema");
        assertThat(grants.path("properties")
                        .path("data")
                        .path("items")
                        .path("$ref")
                        .asString())
                .endsWith("/GrantView");
        assertThat(grants.path("required").toString()).contains("data");

        // Query parameters the operation cannot do without are required.
        for (String report : new String[] {"/summary", "/members", "/performance", ""}) {
            var parameters = doc.path("paths")
                    .path("/api/v1/organizations/{org}/usage" + report)
                    .path("get")
                    .path("parameters");
            for (var p : parameters) {
                if (p.path("name").asString().equals("start")
                        || p.path("name").asString().equals("end")) {
                    assertThat(p.path("required").asBoolean())
                            .as(report + " " + p)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void theSwaggerUiIsReachable() throws Exception {
        var redirect = fixtures.api().get("/swagger-ui.html");
        assertThat(redirect.status()).isIn(200, 302);

        // Follow the redirect as a browser would.
        try (var http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build()) {
            var page = http.send(
                    HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + "/swagger-ui.html"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(page.body()).containsIgnoringCase("swagger-ui");
        }
        var config = fixtures.api().get("/v3/api-docs/swagger-config");
        assertThat(config.status()).isEqualTo(200);
        assertThat(config.text("url")).isEqualTo("/v3/api-docs");
    }

    @Test
    void healthIsUpWithoutCredentials() {
        var r = fixtures.api().get("/actuator/health");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.text("status")).isEqualTo("UP");
        assertThat(fixtures.api().get("/actuator/health/liveness").text("status"))
                .isEqualTo("UP");
        assertThat(fixtures.api().get("/actuator/health/readiness").text("status"))
                .isEqualTo("UP");
    }
}
