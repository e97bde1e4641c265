package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The API's conventions (docs/api.md): every error is problem+json with a stable {@code code}, and bad input is a 4xx,
 * never a 500. One table over many endpoints: malformed JSON, wrong types, unknown enum values,
 * oversized bodies, malformed ids and bad paging parameters.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorContractTest {
    private static final String JSON = "application/json";
    private static final String ZERO_ORG = "org_" + "0".repeat(26);
    private static final String ZERO_WS = "ws_" + "0".repeat(26);
    private static final String ZERO_USR = "usr_" + "0".repeat(26);

    @Autowired
    Fixtures fixtures;

    private Fixtures.Tenant tenant;
    private Fixtures.Tenant other;
    private String ws;
    private String member;
    private String invitation;

    @BeforeAll
    void tenant() {
        tenant = fixtures.tenant("Errors Org");
        other = fixtures.tenant("Other Org");
        ws = fixtures.workspace(tenant, "Errors WS");
        member = fixtures.addMember(tenant, "member", ws).userId();
        var inv = fixtures.api()
                .as(tenant.owner().token())
                .post(tenant.path() + "/invitations", Map.of("email", Fixtures.uniqueEmail("err"), "role", "member"));
        invitation = inv.text("token");
    }

    /** One row: a request as the owner (or anonymous) and the status and code it must get. */
    record Row(
            String name,
            String method,
            String path,
            @Nullable String contentType,
            @Nullable String body,
            int status,
            String code,
            @Nullable String field,
            boolean anonymous) {
        @Override
        public String toString() {
            return name + ": " + method + " " + path;
        }
    }

    private static Row row(String name, String method, String path, @Nullable String body, int status, String code) {
        return new Row(name, method, path, body == null ? null : JSON, body, status, code, null, false);
    }

    private static Row field(
            String name, String method, String path, String body, int status, String code, String field) {
        return new Row(name, method, path, JSON, body, status, code, field, false);
    }

    private static Row anon(String name, String method, String path, @Nullable String body, int status, String code) {
        return new Row(name, method, path, body == null ? null : JSON, body, status, code, null, true);
    }

    /** Paths use {org}, {ws}, {other_ws}, {user} and {invitation}, filled in from the fixtures. */
    static Stream<Row> rows() {
        List<Row> rows = new ArrayList<>();
        String org = "/api/v1/organizations/{org}";
        String ws = org + "/workspaces/{ws}";

        // Malformed JSON on every endpoint that reads a body.
        String[][] bodies = {
            {"POST", "/api/v1/organizations"},
            {"PATCH", org},
            {"POST", org + "/invitations"},
            {"PATCH", org + "/members/{user}"},
            {"POST", org + "/admin-keys"},
            {"POST", org + "/workspaces"},
            {"PATCH", ws},
            {"PUT", ws + "/policy"},
            {"POST", ws + "/members"},
            {"PATCH", ws + "/members/{user}"},
            {"POST", ws + "/api-keys"},
        };
        for (String[] b : bodies) {
            rows.add(row("truncated JSON", b[0], b[1], "{\"name\":", 400, "malformed_request"));
            rows.add(row("not JSON", b[0], b[1], "name=x", 400, "malformed_request"));
            rows.add(row("trailing comma", b[0], b[1], "{\"name\": \"x\",}", 400, "malformed_request"));
            rows.add(row("array for object", b[0], b[1], "[]", 400, "malformed_request"));
            rows.add(row("JSON null", b[0], b[1], "null", 400, "malformed_request"));
            rows.add(row("empty body", b[0], b[1], "", 400, "malformed_request"));
            rows.add(new Row("text/plain", b[0], b[1], "text/plain", "{}", 415, "unsupported_media_type", null, false));
        }
        rows.add(anon(
                "truncated JSON",
                "POST",
                "/api/v1/invitations/{invitation}/accept",
                "{\"name\"",
                400,
                "malformed_request"));
        rows.add(anon("truncated JSON", "POST", "/api/v1/auth/tokens", "{\"email\"", 400, "malformed_request"));
        rows.add(anon("truncated JSON", "POST", "/api/v1/setup", "{", 400, "malformed_request"));

        // Wrong types and unknown enum values name the field.
        rows.add(field(
                "number for name",
                "POST",
                "/api/v1/organizations",
                "{\"name\": 42}",
                400,
                "malformed_request",
                "name"));
        rows.add(field("boolean for name", "PATCH", org, "{\"name\": true}", 400, "malformed_request", "name"));
        rows.add(field("array for name", "PATCH", org, "{\"name\": [\"x\"]}", 400, "malformed_request", "name"));
        rows.add(field(
                "object for name",
                "POST",
                org + "/workspaces",
                "{\"name\": {\"a\": 1}}",
                400,
                "malformed_request",
                "name"));
        rows.add(field(
                "number for role",
                "PATCH",
                org + "/members/{user}",
                "{\"role\": 5}",
                400,
                "malformed_request",
                "role"));
        rows.add(field(
                "unknown role",
                "PATCH",
                org + "/members/{user}",
                "{\"role\": \"emperor\"}",
                400,
                "malformed_request",
                "role"));
        rows.add(field(
                "number for default workspace",
                "PATCH",
                org + "/members/{user}",
                "{\"default_workspace_id\": 7}",
                400,
                "malformed_request",
                "default_workspace_id"));
        rows.add(field(
                "unknown invitation role",
                "POST",
                org + "/invitations",
                "{\"email\": \"a@example.com\", \"role\": \"god\"}",
                400,
                "malformed_request",
                "role"));
        rows.add(field(
                "array for email",
                "POST",
                org + "/invitations",
                "{\"email\": [\"a@example.com\"]}",
                400,
                "malformed_request",
                "email"));
        rows.add(field(
                "object for workspace id",
                "POST",
                org + "/invitations",
                "{\"email\": \"a@example.com\", \"workspace_id\": {}}",
                400,
                "malformed_request",
                "workspace_id"));
        rows.add(field(
                "unknown kind",
                "POST",
                org + "/workspaces",
                "{\"name\": \"x\", \"kind\": \"spaceship\"}",
                400,
                "malformed_request",
                "kind"));
        rows.add(field("number for kind", "PATCH", ws, "{\"kind\": 3}", 400, "malformed_request", "kind"));
        rows.add(field(
                "array for description",
                "PATCH",
                ws,
                "{\"description\": []}",
                400,
                "malformed_request",
                "description"));
        rows.add(field(
                "text for retention",
                "PUT",
                ws + "/policy",
                "{\"retention_days\": \"ten\"}",
                400,
                "malformed_request",
                "retention_days"));
        rows.add(field(
                "huge retention",
                "PUT",
                ws + "/policy",
                "{\"retention_days\": 99999999999}",
                400,
                "malformed_request",
                "retention_days"));
        rows.add(field(
                "text for record_history",
                "PUT",
                ws + "/policy",
                "{\"record_history\": \"yes\"}",
                400,
                "malformed_request",
                "record_history"));
        // Amounts are decimal strings: a JSON number is refused like any malformed amount.
        rows.add(field(
                "number for max credits",
                "PUT",
                ws + "/policy",
                "{\"max_credits_per_request\": 5}",
                422,
                "validation_failed",
                "max_credits_per_request"));
        rows.add(field(
                "objects in model list",
                "PUT",
                ws + "/policy",
                "{\"allowed_models\": [{}]}",
                400,
                "malformed_request",
                "allowed_models.0"));
        rows.add(field(
                "unknown workspace role",
                "POST",
                ws + "/members",
                "{\"user_id\": \"{user}\", \"role\": \"owner\"}",
                400,
                "malformed_request",
                "role"));
        rows.add(field(
                "number for workspace role",
                "PATCH",
                ws + "/members/{user}",
                "{\"role\": 1}",
                400,
                "malformed_request",
                "role"));
        rows.add(field(
                "array for key name", "POST", ws + "/api-keys", "{\"name\": [1]}", 400, "malformed_request", "name"));
        rows.add(field(
                "number for admin key name",
                "POST",
                org + "/admin-keys",
                "{\"name\": 1}",
                400,
                "malformed_request",
                "name"));

        // Text PostgreSQL cannot store (a NUL character) is bad input, not a conflict.
        rows.add(row(
                "NUL in name", "POST", "/api/v1/organizations", "{\"name\": \"a\\u0000b\"}", 422, "validation_failed"));
        rows.add(row("NUL in description", "PATCH", ws, "{\"description\": \"\\u0000\"}", 400, "bad_request"));
        rows.add(
                row("NUL in model", "PUT", ws + "/policy", "{\"allowed_models\": [\"a\\u0000\"]}", 400, "bad_request"));
        rows.add(row(
                "NUL in email",
                "POST",
                org + "/invitations",
                "{\"email\": \"a\\u0000@example.com\"}",
                400,
                "bad_request"));
        rows.add(row("NUL in cursor", "GET", org + "/members?after=%00", null, 400, "bad_request"));
        rows.add(row("NUL in cursor", "GET", org + "/audit-events?after=a%00", null, 400, "bad_request"));
        rows.add(row("NUL in filter", "GET", org + "/audit-events?action=%00", null, 400, "bad_request"));

        // Malformed, unknown and foreign ids in the path are all 404.
        rows.add(row("malformed org id", "GET", "/api/v1/organizations/not-an-id", null, 404, "not_found"));
        rows.add(row(
                "malformed org id", "PATCH", "/api/v1/organizations/not-an-id", "{\"name\": \"x\"}", 404, "not_found"));
        rows.add(row(
                "upper-case org id",
                "GET",
                "/api/v1/organizations/ORG_0000000000000000000000000A",
                null,
                404,
                "not_found"));
        rows.add(row("prefix only", "GET", "/api/v1/organizations/org_", null, 404, "not_found"));
        rows.add(row("unknown org id", "GET", "/api/v1/organizations/" + ZERO_ORG, null, 404, "not_found"));
        rows.add(row(
                "unknown org members",
                "GET",
                "/api/v1/organizations/" + ZERO_ORG + "/members",
                null,
                404,
                "not_found"));
        rows.add(row("workspace id as org id", "GET", "/api/v1/organizations/{ws_id}", null, 404, "not_found"));
        rows.add(row("malformed workspace id", "GET", org + "/workspaces/not-a-ws", null, 404, "not_found"));
        rows.add(row(
                "malformed workspace id",
                "PATCH",
                org + "/workspaces/not-a-ws",
                "{\"name\": \"x\"}",
                404,
                "not_found"));
        rows.add(row("malformed workspace id", "POST", org + "/workspaces/not-a-ws/archive", null, 404, "not_found"));
        rows.add(row("malformed workspace id", "DELETE", org + "/workspaces/not-a-ws", null, 404, "not_found"));
        rows.add(row("malformed workspace id", "PUT", org + "/workspaces/x/policy", "{}", 404, "not_found"));
        rows.add(row("unknown workspace id", "GET", org + "/workspaces/" + ZERO_WS, null, 404, "not_found"));
        rows.add(row("other org's workspace", "GET", org + "/workspaces/{other_ws}", null, 404, "not_found"));
        rows.add(row("other org's workspace", "GET", org + "/workspaces/{other_ws}/members", null, 404, "not_found"));
        rows.add(row("malformed user id", "GET", org + "/members/not-a-user", null, 404, "not_found"));
        rows.add(row(
                "malformed user id", "PATCH", org + "/members/not-a-user", "{\"role\": \"admin\"}", 404, "not_found"));
        rows.add(row("malformed user id", "DELETE", org + "/members/not-a-user", null, 404, "not_found"));
        rows.add(row("unknown user id", "GET", org + "/members/" + ZERO_USR, null, 404, "not_found"));
        rows.add(row("malformed user id", "DELETE", ws + "/members/usr_x", null, 404, "not_found"));
        rows.add(row("malformed key id", "DELETE", ws + "/api-keys/not-a-key", null, 404, "not_found"));
        rows.add(row("malformed key id", "DELETE", org + "/admin-keys/not-a-key", null, 404, "not_found"));
        rows.add(
                anon("malformed invitation", "POST", "/api/v1/invitations/not-a-token/accept", "{}", 404, "not_found"));
        rows.add(row("unknown route", "GET", org + "/nothing-here", null, 404, "not_found"));
        rows.add(row("method not allowed", "PUT", org, "{}", 405, "method_not_allowed"));
        rows.add(row("method not allowed", "DELETE", "/api/v1/organizations", null, 405, "method_not_allowed"));

        // Paging parameters.
        for (String list : List.of(org + "/members", org + "/workspaces", org + "/audit-events", ws + "/members")) {
            rows.add(row("limit=0", "GET", list + "?limit=0", null, 422, "validation_failed"));
            rows.add(row("limit=-1", "GET", list + "?limit=-1", null, 422, "validation_failed"));
            rows.add(row("limit=5000", "GET", list + "?limit=5000", null, 422, "validation_failed"));
            rows.add(row("limit=abc", "GET", list + "?limit=abc", null, 400, "invalid_parameter"));
            rows.add(row("limit=1.5", "GET", list + "?limit=1.5", null, 400, "invalid_parameter"));
            rows.add(row("limit overflow", "GET", list + "?limit=99999999999", null, 400, "invalid_parameter"));
            rows.add(row("empty after", "GET", list + "?after=", null, 422, "validation_failed"));
            rows.add(row("long after", "GET", list + "?after=" + "a".repeat(101), null, 422, "validation_failed"));
        }
        rows.add(row(
                "include_archived=maybe",
                "GET",
                org + "/workspaces?include_archived=maybe",
                null,
                400,
                "invalid_parameter"));

        // Credentials.
        rows.add(anon("no credentials", "GET", org, null, 401, "unauthorized"));
        rows.add(anon("no credentials", "POST", org + "/workspaces", "{\"name\": \"x\"}", 401, "unauthorized"));
        return rows.stream();
    }

    private String fill(String template) {
        return template.replace("{org}", tenant.orgId())
                .replace("{ws}", ws)
                .replace("{ws_id}", ws)
                .replace("{other_ws}", other.primaryWorkspaceId())
                .replace("{user}", member)
                .replace("{invitation}", invitation);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void badRequestsGetAStableProblemAndNever500(Row row) {
        Api api = fixtures.api().as(row.anonymous() ? null : tenant.owner().token());
        String path = fill(row.path());
        Api.Response r;
        if (row.body() == null) {
            r = api.send(row.method(), path, null);
        } else {
            r = api.raw(row.method(), path, row.contentType(), fill(row.body()).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(r.status()).as(row + " -> " + r).isNotEqualTo(500);
        Problems.assertProblem(r, row.status(), row.code());
        if (row.field() != null) {
            assertThat(Problems.fields(r)).as(row + " -> " + r).containsExactly(row.field());
        }
    }

    static Stream<String[]> bodyEndpoints() {
        return Stream.of(
                new String[] {"POST", "/api/v1/organizations"},
                new String[] {"PATCH", "/api/v1/organizations/{org}"},
                new String[] {"POST", "/api/v1/organizations/{org}/workspaces"},
                new String[] {"PUT", "/api/v1/organizations/{org}/workspaces/{ws}/policy"},
                new String[] {"POST", "/api/v1/invitations/{invitation}/accept"},
                new String[] {"POST", "/api/v1/auth/tokens"});
    }

    /** Just over 1 MiB of valid JSON. */
    private static byte[] oversized() {
        String filler = "a".repeat(1024 * 1024);
        return ("{\"name\": \"x\", \"description\": \"" + filler + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bodyEndpoints")
    void bodiesOverOneMebibyteAreRefusedWith413(String method, String path) {
        var r = fixtures.api().as(tenant.owner().token()).raw(method, fill(path), JSON, oversized());
        Problems.assertProblem(r, 413, "payload_too_large");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bodyEndpoints")
    void chunkedBodiesOverOneMebibyteAreRefusedWith413(String method, String path) throws Exception {
        byte[] body = oversized();
        // A stream publisher has no declared length: the client sends it chunked.
        var request = HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + fill(path)))
                .header("Authorization", "Bearer " + tenant.owner().token())
                .header("Content-Type", JSON)
                .method(method, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        HttpResponse<String> response;
        try (var http = HttpClient.newHttpClient()) {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        var r = new Api.Response(
                response.statusCode(), response.body(), response.headers().map());
        Problems.assertProblem(r, 413, "payload_too_large");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostilePaths")
    void hostilePathsAreRefusedWithAClientError(String path) {
        var r = fixtures.api().as(tenant.owner().token()).get(fill(path));
        assertThat(r.status()).as(path + " -> " + r).isBetween(400, 499);
    }

    static Stream<String> hostilePaths() {
        return Stream.of(
                "/api/v1/organizations/%00",
                "/api/v1/organizations/a%2Fb",
                "/api/v1/organizations/a;b",
                "/api/v1/organizations/%2e%2e",
                "/api/v1/organizations/{org}/../{org}",
                "/api/v1/organizations/" + "x".repeat(4000),
                "/api/v1/organizations/org_%C3%A9",
                "/api/v1/organizations/{org}/workspaces/%20",
                "/api/v1/organizations/{org}/members/%F0%9F%98%80");
    }

    @Test
    void aBodyJustUnderTheLimitIsRead() {
        String description = "d".repeat(1000);
        String padding = " ".repeat(1024 * 1024 - 200 - description.length());
        String body = "{\"name\": \"Big\", \"description\": \"" + description + "\"" + padding + "}";
        var r = fixtures.api()
                .as(tenant.owner().token())
                .raw("POST", tenant.path() + "/workspaces", JSON, body.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    @Test
    void problemsCarryTheRequestId() {
        var r = fixtures.api()
                .as(tenant.owner().token())
                .withHeader("X-Request-Id", "trace-me-123")
                .get("/api/v1/organizations/not-an-id");
        Problems.assertProblem(r, 404, "not_found");
        assertThat(r.text("request_id")).isEqualTo("trace-me-123");
        assertThat(r.header("x-atrium-request-id")).isEqualTo("trace-me-123");
    }
}
