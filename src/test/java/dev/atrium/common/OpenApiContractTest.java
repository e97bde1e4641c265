package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAPI document at /v3/api-docs describes the wire: every documented operation is called with
 * real data, and each request body and each JSON response is validated, with a JSON Schema validator
 * (networknt, OpenAPI 3.1 dialect, formats asserted), against the schema the served document gives
 * for that operation and status.
 */
@IntegrationTest
class OpenApiContractTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String HOUR_RANGE = "start=2025-01-01T00:00:00Z&end=2025-01-02T00:00:00Z";

    /** Operations not answered with JSON on success, or that cannot succeed in a shared test application. */
    private static final Set<String> NOT_JSON = Set.of(
            "GET /api/v1/organizations/{org}/workspaces/{ws}/media/{id}",
            "GET /api/v1/organizations/{org}/workspaces/{ws}/history/export",
            "POST /v1/audio/speech",
            "POST /v1/audio/transcriptions");

    @Autowired
    Fixtures fixtures;

    private JsonNode doc;
    private SchemaRegistry registry;
    private final Map<String, Schema> schemas = new HashMap<>();
    private final Set<String> called = new TreeSet<>();
    private final List<String> violations = new ArrayList<>();

    @Test
    void everyDocumentedOperationAnswersWhatTheDocumentSays() {
        var served = fixtures.api().get("/v3/api-docs");
        assertThat(served.status()).isEqualTo(200);
        doc = served.json();
        registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31());

        Fixtures.Tenant t = fixtures.tenant("Contract Org");
        Api owner = fixtures.api().as(t.owner().token());
        String org = t.orgId();
        String primary = t.primaryWorkspaceId();

        // Identity
        call(
                fixtures.api(),
                "POST",
                "/api/v1/auth/tokens",
                null,
                Map.of("email", t.owner().email(), "password", Fixtures.PASSWORD, "name", "contract"));
        var tokens = call(owner, "GET", "/api/v1/auth/tokens", null, null);
        String tokenId = tokens.json().path("data").path(0).path("id").asString();
        call(owner, "GET", "/api/v1/me", null, null);
        Fixtures.Person enrolling = fixtures.person("two-factor");
        Api enrollingApi = fixtures.api().as(enrolling.token());
        call(enrollingApi, "GET", "/api/v1/me/2fa", null, null);
        var enrolment = call(enrollingApi, "POST", "/api/v1/me/2fa", null, null);
        String totpSecret = enrolment.text("secret");
        long totpStep = dev.atrium.support.TotpGenerator.step(java.time.Instant.now());
        call(
                enrollingApi,
                "POST",
                "/api/v1/me/2fa/confirm",
                null,
                Map.of("code", dev.atrium.support.TotpGenerator.code(totpSecret, totpStep)));
        call(
                enrollingApi,
                "DELETE",
                "/api/v1/me/2fa",
                null,
                Map.of("code", dev.atrium.support.TotpGenerator.code(totpSecret, totpStep + 1)));
        Fixtures.Person changing = fixtures.person("password");
        call(
                fixtures.api().as(changing.token()),
                "PUT",
                "/api/v1/me/password",
                null,
                Map.of("current_password", Fixtures.PASSWORD, "new_password", "a different long passphrase"));
        var setup = call(
                fixtures.api().withHeader("X-Setup-Token", IntegrationTest.SETUP_TOKEN),
                "POST",
                "/api/v1/setup",
                null,
                Map.of(
                        "email",
                        Fixtures.uniqueEmail("setup"),
                        "password",
                        Fixtures.PASSWORD,
                        "name",
                        "Setup",
                        "organization_name",
                        "Setup Org"));
        assertThat(setup.status()).as("users exist already: setup is closed").isGreaterThanOrEqualTo(400);

        // Organization, admin keys, invitations, members
        call(owner, "POST", "/api/v1/organizations", null, Map.of("name", "Second Contract Org"));
        call(owner, "GET", "/api/v1/organizations/{org}", vars("org", org), null);
        call(owner, "PATCH", "/api/v1/organizations/{org}", vars("org", org), Map.of("name", "Contract Org"));
        var adminKey = call(
                owner, "POST", "/api/v1/organizations/{org}/admin-keys", vars("org", org), Map.of("name", "contract"));
        call(owner, "GET", "/api/v1/organizations/{org}/admin-keys", vars("org", org), null);
        call(
                owner,
                "PUT",
                "/api/v1/organizations/{org}/sso",
                vars("org", org),
                Map.of(
                        "client_id",
                        "contract-client",
                        "client_secret",
                        "contract-secret",
                        "domains",
                        List.of("contract.example")));
        call(owner, "GET", "/api/v1/organizations/{org}/sso", vars("org", org), null);
        call(
                owner,
                "PUT",
                "/api/v1/organizations/{org}/sign-in-policy",
                vars("org", org),
                Map.of("require_two_factor", false));
        call(owner, "GET", "/api/v1/organizations/{org}/sign-in-policy", vars("org", org), null);
        call(
                owner,
                "DELETE",
                "/api/v1/organizations/{org}/admin-keys/{id}",
                vars("org", org, "id", adminKey.text("id")),
                null);
        String ws = call(
                        owner,
                        "POST",
                        "/api/v1/organizations/{org}/workspaces",
                        vars("org", org),
                        Map.of("name", "Contract WS", "kind", "client", "description", "for the contract"))
                .text("id");
        String email = Fixtures.uniqueEmail("invited");
        var invitation = call(
                owner,
                "POST",
                "/api/v1/organizations/{org}/invitations",
                vars("org", org),
                Map.of("email", email, "role", "member", "workspace_id", ws));
        call(owner, "GET", "/api/v1/organizations/{org}/invitations", vars("org", org), null);
        var resent = call(
                owner,
                "POST",
                "/api/v1/organizations/{org}/invitations/{id}/resend",
                vars("org", org, "id", invitation.text("id")),
                null);
        var spare = call(
                owner,
                "POST",
                "/api/v1/organizations/{org}/invitations",
                vars("org", org),
                Map.of("email", Fixtures.uniqueEmail("revoked"), "role", "member"));
        call(
                owner,
                "DELETE",
                "/api/v1/organizations/{org}/invitations/{id}",
                vars("org", org, "id", spare.text("id")),
                null);
        var accepted = call(
                fixtures.api(),
                "POST",
                "/api/v1/invitations/{token}/accept",
                vars("token", resent.text("token")),
                Map.of("name", "Invited", "password", Fixtures.PASSWORD));
        String member = accepted.json().path("user").path("id").asString();
        call(owner, "GET", "/api/v1/organizations/{org}/members", vars("org", org), null);
        call(owner, "GET", "/api/v1/organizations/{org}/members/{user}", vars("org", org, "user", member), null);
        call(
                owner,
                "PATCH",
                "/api/v1/organizations/{org}/members/{user}",
                vars("org", org, "user", member),
                Map.of("role", "member", "default_workspace_id", ws));

        // Workspaces, their members, keys and policy
        String wsPath = "/api/v1/organizations/{org}/workspaces/{ws}";
        Map<String, String> w = vars("org", org, "ws", ws);
        call(owner, "GET", "/api/v1/organizations/{org}/workspaces", vars("org", org), null);
        call(owner, "GET", wsPath, w, null);
        call(owner, "PATCH", wsPath, w, Map.of("description", "edited"));
        call(owner, "GET", wsPath + "/members", w, null);
        Fixtures.Person second = fixtures.addMember(t, "member", null);
        call(owner, "POST", wsPath + "/members", w, Map.of("user_id", second.userId(), "role", "viewer"));
        call(
                owner,
                "PATCH",
                wsPath + "/members/{user}",
                vars("org", org, "ws", ws, "user", second.userId()),
                Map.of("role", "member"));
        call(owner, "DELETE", wsPath + "/members/{user}", vars("org", org, "ws", ws, "user", second.userId()), null);
        var key = call(owner, "POST", wsPath + "/api-keys", w, Map.of("name", "contract", "user_id", member));
        call(owner, "GET", wsPath + "/api-keys", w, null);
        var keyVars = vars("org", org, "ws", ws, "id", key.text("id"));
        call(owner, "GET", wsPath + "/api-keys/{id}", keyVars, null);
        call(
                owner,
                "PATCH",
                wsPath + "/api-keys/{id}",
                keyVars,
                Map.of(
                        "name",
                        "contract, edited",
                        "spend_limit",
                        Map.of("amount", "5", "period", "week"),
                        "rate_limits",
                        Map.of("requests_per_minute", 100)));
        call(owner, "POST", wsPath + "/api-keys/{id}/rotate", keyVars, null);
        call(owner, "DELETE", wsPath + "/api-keys/{id}", keyVars, null);
        call(owner, "GET", wsPath + "/policy", w, null);
        call(owner, "PUT", wsPath + "/mail-digest", w, Map.of("weekly", true));
        call(owner, "GET", wsPath + "/mail-digest", w, null);
        call(
                owner,
                "PUT",
                wsPath + "/policy",
                w,
                Map.of(
                        "record_history",
                        true,
                        "max_credits_per_request",
                        "50",
                        "retention_days",
                        30,
                        "allowed_models",
                        List.of("demo/chat", "demo/image", "demo/speech", "demo/embed")));

        // Credits
        String credits = "/api/v1/organizations/{org}/credits";
        Map<String, String> o = vars("org", org);
        call(owner, "POST", credits + "/grants", o, Map.of("amount", "1000", "kind", "purchase", "note", "contract"));
        call(owner, "GET", credits + "/grants", o, null);
        call(
                owner,
                "PUT",
                wsPath + "/funding",
                w,
                Map.of(
                        "mode",
                        "budget",
                        "spend_limit",
                        Map.of("amount", "500", "period", "month"),
                        "refill",
                        Map.of("period", "month", "to", "100")));
        call(owner, "GET", wsPath + "/funding", w, null);
        call(owner, "POST", credits + "/allocations", o, Map.of("workspace_id", ws, "amount", "200"));
        call(owner, "POST", credits + "/reclaims", o, Map.of("workspace_id", ws, "amount", "10"));
        String other = fixtures.workspace(t, "Contract Other");
        call(
                owner,
                "PUT",
                "/api/v1/organizations/{org}/workspaces/{ws}/funding",
                vars("org", org, "ws", other),
                Map.of("mode", "budget"));
        call(
                owner,
                "POST",
                credits + "/transfers",
                o,
                Map.of("from_workspace_id", ws, "to_workspace_id", other, "amount", "5.5"));
        var hold = call(
                owner,
                "POST",
                wsPath + "/holds",
                w,
                Map.of("amount", "2.5", "category", "chat", "model", "demo/chat", "ttl_seconds", 60));
        Map<String, String> h = vars("org", org, "ws", ws, "id", hold.text("id"));
        call(owner, "GET", wsPath + "/holds/{id}", h, null);
        call(owner, "POST", wsPath + "/holds/{id}/capture", h, Map.of("amount", "1.25"));
        var voided = call(owner, "POST", wsPath + "/holds", w, Map.of("amount", "1", "category", "image"));
        call(owner, "POST", wsPath + "/holds/{id}/void", vars("org", org, "ws", ws, "id", voided.text("id")), null);
        call(owner, "GET", credits, o, null);
        call(owner, "GET", credits + "/invariant", o, null);
        call(owner, "GET", credits + "/entries", o, null);
        call(owner, "PUT", wsPath + "/alerts", w, Map.of("thresholds_percent", List.of(50, 80, 100)));
        call(owner, "GET", wsPath + "/alerts", w, null);
        call(owner, "PUT", credits + "/alerts", o, Map.of("pool_below", "50"));
        call(owner, "GET", credits + "/alerts", o, null);
        call(
                owner,
                "PUT",
                "/api/v1/organizations/{org}/subscription",
                o,
                Map.of("monthly_credits", "100", "rollover", true));
        call(owner, "GET", "/api/v1/organizations/{org}/subscription", o, null);
        call(owner, "DELETE", "/api/v1/organizations/{org}/subscription", o, null);
        var hook = call(
                owner,
                "POST",
                "/api/v1/organizations/{org}/webhooks",
                o,
                Map.of("url", "http://127.0.0.1:9/hook", "events", List.of("alert.threshold")));
        call(owner, "GET", "/api/v1/organizations/{org}/webhooks", o, null);
        Map<String, String> hk = vars("org", org, "id", hook.text("id"));
        call(owner, "GET", "/api/v1/organizations/{org}/webhooks/{id}/deliveries", hk, null);
        call(owner, "DELETE", "/api/v1/organizations/{org}/webhooks/{id}", hk, null);

        // Pricing and providers
        call(owner, "GET", "/api/v1/organizations/{org}/pricing", o, null);
        Map<String, String> m = vars("org", org, "model", "demo/chat");
        call(owner, "GET", "/api/v1/organizations/{org}/pricing/models/{model}", m, null);
        call(
                owner,
                "PUT",
                "/api/v1/organizations/{org}/pricing/models/{model}",
                m,
                Map.of("input_per_million", "1.5", "output_per_million", "2"));
        call(owner, "DELETE", "/api/v1/organizations/{org}/pricing/models/{model}", m, null);
        call(owner, "PUT", "/api/v1/organizations/{org}/pricing/markup", o, Map.of("markup_percent", "10"));
        call(owner, "GET", "/api/v1/organizations/{org}/pricing/markup", o, null);
        Map<String, String> p = vars("org", org, "provider", "openai");
        call(
                owner,
                "PUT",
                "/api/v1/organizations/{org}/providers/{provider}",
                p,
                Map.of("base_url", "http://127.0.0.1:9/v1", "api_key", "sk-contract-test"));
        call(owner, "GET", "/api/v1/organizations/{org}/providers", o, null);
        call(owner, "DELETE", "/api/v1/organizations/{org}/providers/{provider}", p, null);

        // The gateway, then the history and usage it leaves
        String gatewayKey = fixtures.workspaceKey(t, ws);
        Api gateway = fixtures.api().as(gatewayKey);
        call(gateway, "GET", "/v1/models", null, null);
        call(gateway, "GET", "/v1/models/{model}", vars("model", "demo/chat"), null);
        var chat = call(
                gateway,
                "POST",
                "/v1/chat/completions",
                null,
                Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "Hello"))));
        assertThat(chat.status()).as(chat.toString()).isEqualTo(200);
        var response = call(gateway, "POST", "/v1/responses", null, Map.of("model", "demo/chat", "input", "Hello"));
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        var message = call(
                fixtures.api().withHeader("x-api-key", gatewayKey),
                "POST",
                "/v1/messages",
                null,
                Map.of(
                        "model",
                        "demo/chat",
                        "max_tokens",
                        20,
                        "messages",
                        List.of(Map.of("role", "user", "content", "Hello"))));
        assertThat(message.status()).as(message.toString()).isEqualTo(200);
        call(
                gateway,
                "POST",
                "/v1/images/generations",
                null,
                Map.of("model", "demo/image", "prompt", "a lighthouse", "size", "256x256"));
        var embedded = call(
                gateway,
                "POST",
                "/v1/embeddings",
                null,
                Map.of("model", "demo/embed", "input", List.of("a", "lighthouse")));
        assertThat(embedded.status()).as(embedded.toString()).isEqualTo(200);
        call(
                gateway,
                "POST",
                "/v1/audio/speech",
                null,
                Map.of("model", "demo/speech", "input", "Hello there", "voice", "alloy"));
        var conversations = call(owner, "GET", wsPath + "/conversations", w, null);
        String conversation =
                conversations.json().path("data").path(0).path("id").asString();
        Map<String, String> c = vars("org", org, "ws", ws, "id", conversation);
        call(owner, "GET", wsPath + "/conversations/{id}", c, null);
        call(owner, "PATCH", wsPath + "/conversations/{id}", c, Map.of("title", "Renamed", "visibility", "workspace"));
        var activities = call(owner, "GET", wsPath + "/activities", w, null);
        String media = null;
        for (JsonNode a : activities.json().path("data")) {
            if (!a.path("media").isEmpty())
                media = a.path("media").path(0).path("id").asString();
        }
        if (media != null) {
            call(owner, "GET", wsPath + "/media/{id}", vars("org", org, "ws", ws, "id", media), null);
        }
        call(owner, "GET", wsPath + "/history/export", w, null);
        call(owner, "DELETE", wsPath + "/conversations/{id}", c, null);
        String usage = "/api/v1/organizations/{org}/usage";
        call(
                owner,
                "POST",
                usage + "/events",
                o,
                Map.of(
                        "events",
                        List.of(Map.of(
                                "id",
                                "evt-contract-1",
                                "workspace_id",
                                ws,
                                "model",
                                "demo/chat",
                                "category",
                                "chat",
                                "credits",
                                "0.5",
                                "input_units",
                                10,
                                "output_units",
                                20,
                                "occurred_at",
                                "2025-01-01T10:00:00Z"))));
        call(owner, "GET", usage + "?" + HOUR_RANGE + "&group_by=workspace,model", o, null);
        call(owner, "GET", usage + "/summary?" + HOUR_RANGE, o, null);
        call(owner, "GET", usage + "/members?" + HOUR_RANGE, o, null);
        call(owner, "GET", usage + "/performance?" + HOUR_RANGE + "&group_by=model", o, null);
        call(owner, "GET", usage + "/statement?" + HOUR_RANGE + "&workspace_id=" + ws, o, null);
        call(owner, "GET", "/api/v1/organizations/{org}/forecast", o, null);
        call(owner, "GET", "/api/v1/organizations/{org}/audit-events", o, null);
        call(owner, "GET", "/api/v1/organizations/{org}/mail/messages", o, null);

        // Last: archive, unarchive and delete a workspace; revoke the token.
        Map<String, String> last = vars("org", org, "ws", other);
        call(owner, "POST", wsPath + "/archive", last, null);
        call(owner, "POST", wsPath + "/unarchive", last, null);
        call(owner, "PUT", wsPath + "/funding", last, Map.of("mode", "pool"));
        call(owner, "DELETE", wsPath, last, null);
        call(owner, "DELETE", "/api/v1/auth/tokens/{id}", vars("id", tokenId), null);
        call(owner, "DELETE", "/api/v1/organizations/{org}/members/{user}", vars("org", org, "user", member), null);

        assertThat(violations)
                .as("responses and requests that the document does not describe")
                .isEmpty();
        Set<String> documented = new TreeSet<>();
        doc.path("paths")
                .properties()
                .forEach(path -> path.getValue().propertyNames().forEach(method -> {
                    if (Set.of("get", "put", "post", "patch", "delete").contains(method)) {
                        documented.add(method.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
                    }
                }));
        Set<String> missed = new TreeSet<>(documented);
        missed.removeAll(called);
        missed.remove("POST /v1/audio/transcriptions"); // multipart upload: covered by the gateway tests
        assertThat(missed).as("documented operations this test did not call").isEmpty();
    }

    private static Map<String, String> vars(String... pairs) {
        Map<String, String> vars = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) vars.put(pairs[i], pairs[i + 1]);
        return vars;
    }

    /** Calls an operation given by its documented path template and checks both directions. */
    private Api.Response call(
            Api api, String method, String template, @Nullable Map<String, String> vars, @Nullable Object body) {
        String query = "";
        String path = template;
        int q = template.indexOf('?');
        if (q >= 0) {
            query = template.substring(q);
            path = template.substring(0, q);
        }
        String url = path;
        if (vars != null) {
            for (var v : vars.entrySet()) url = url.replace("{" + v.getKey() + "}", v.getValue());
        }
        String operationName = method + " " + path;
        called.add(operationName);
        JsonNode operation = doc.path("paths").path(path).path(method.toLowerCase(java.util.Locale.ROOT));
        Api.Response r = api.send(method, url + query, body);
        if (operation.isMissingNode()) {
            violations.add(operationName + ": not in the document");
            return r;
        }
        if (body != null) {
            JsonNode schema = operation
                    .path("requestBody")
                    .path("content")
                    .path("application/json")
                    .path("schema");
            validate(operationName + " request", schema, JSON.valueToTree(body));
        }
        JsonNode response = operation.path("responses").path(String.valueOf(r.status()));
        if (response.isMissingNode()) {
            if (r.status() < 400 || operation.path("responses").path("default").isMissingNode()) {
                violations.add(operationName + ": status " + r.status() + " is not documented: " + r);
                return r;
            }
            response = operation.path("responses").path("default");
        }
        String type = r.header("Content-Type");
        if (type == null || r.body().isEmpty() || NOT_JSON.contains(operationName)) return r;
        String mediaType = type.split(";")[0].trim();
        if (!mediaType.endsWith("json")) return r;
        JsonNode content = response.path("content").path(mediaType);
        if (content.isMissingNode()) {
            violations.add(operationName + ": " + r.status() + " " + mediaType + " is not documented");
            content = response.path("content").path("*/*");
            if (content.isMissingNode()) return r;
        }
        validate(operationName + " " + r.status() + " response", content.path("schema"), r.json());
        return r;
    }

    private void validate(String what, JsonNode schemaNode, JsonNode instance) {
        if (schemaNode.isMissingNode()) {
            violations.add(what + ": no schema in the document");
            return;
        }
        // A schema with the document's components beside it, so its "#/components/…" references resolve.
        String cacheKey = schemaNode.toString();
        Schema schema = schemas.computeIfAbsent(cacheKey, k -> {
            ObjectNode wrapped = ((ObjectNode) schemaNode).deepCopy();
            wrapped.set("components", doc.path("components").deepCopy());
            closeObjects(wrapped);
            return registry.getSchema(wrapped);
        });
        List<Error> errors =
                schema.validate(instance, ctx -> ctx.executionConfig(c -> c.formatAssertionsEnabled(true)));
        for (Error e : errors) {
            violations.add(what + ": " + e + " in " + abbreviate(instance.toString()));
        }
    }

    /**
     * Every object schema that lists its properties is taken as closed, whatever the document says:
     * a field on the wire that the document does not name (say, {@code workspace_id} where it says
     * {@code workspaceId}) is a difference between the two.
     */
    private static void closeObjects(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.has("properties") && !object.has("additionalProperties")) {
                object.put("additionalProperties", false);
            }
            object.forEach(OpenApiContractTest::closeObjects);
        } else if (node.isArray()) {
            node.forEach(OpenApiContractTest::closeObjects);
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 400 ? text.substring(0, 400) + "…" : text;
    }
}
