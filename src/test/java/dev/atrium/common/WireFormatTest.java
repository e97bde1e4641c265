package dev.atrium.common;

import static dev.atrium.common.Problems.assertInvalid;
import static dev.atrium.common.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Under /api a request means exactly what it says: a field the operation does not know is refused
 * (422 naming it), amounts are decimal strings in one spelling, integer fields take JSON integers.
 * Under /v1 the gateway passes parameters it does not know on to the provider.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WireFormatTest {
    @Autowired
    Fixtures fixtures;

    private Fixtures.Tenant t;
    private Api owner;
    private String ws;

    @BeforeAll
    void tenant() {
        t = fixtures.tenant("Wire Org");
        owner = fixtures.api().as(t.owner().token());
        ws = fixtures.workspace(t, "Wire WS");
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
    }

    private Api.Response raw(String method, String path, String json) {
        return owner.raw(method, path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anInvitationWithCamelCaseWorkspaceIdIsRefusedNotSentToThePrimaryWorkspace() {
        String email = Fixtures.uniqueEmail("camel");
        var r = raw(
                "POST",
                t.path() + "/invitations",
                "{\"email\": \"" + email + "\", \"role\": \"member\", \"workspaceId\": \"" + ws + "\"}");
        assertInvalid(r, "workspaceId");
        assertThat(r.text("detail")).contains("workspaceId").contains("workspace_id");
        // Nothing was created: the same invitation spelled right goes through, to the named workspace.
        var ok = raw(
                "POST",
                t.path() + "/invitations",
                "{\"email\": \"" + email + "\", \"role\": \"member\", \"workspace_id\": \"" + ws + "\"}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
        assertThat(ok.text("workspace_id")).isEqualTo(ws);
    }

    @Test
    void aHoldWithCamelCaseTtlIsRefusedNotGivenTheDefaultExpiry() {
        var r = raw("POST", t.ws(ws) + "/holds", "{\"amount\": \"1\", \"category\": \"chat\", \"ttlSeconds\": 30}");
        assertInvalid(r, "ttlSeconds");
        var ok = raw("POST", t.ws(ws) + "/holds", "{\"amount\": \"1\", \"category\": \"chat\", \"ttl_seconds\": 30}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
        var expires = Instant.parse(ok.text("expires_at"));
        assertThat(Duration.between(Instant.parse(ok.text("created_at")), expires))
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void unknownFieldsAreRefusedOnEveryKindOfBody() {
        assertInvalid(raw("POST", "/api/v1/organizations", "{\"name\": \"x\", \"colour\": \"red\"}"), "colour");
        assertInvalid(raw("PATCH", t.path(), "{\"nmae\": \"typo\"}"), "nmae");
        assertInvalid(raw("POST", t.path() + "/workspaces", "{\"name\": \"x\", \"kind\": \"client\", \"x\": 1}"), "x");
        assertInvalid(raw("PUT", t.ws(ws) + "/policy", "{\"allowedModels\": [\"demo/chat\"]}"), "allowedModels");
        assertInvalid(
                raw("PUT", t.ws(ws) + "/funding", "{\"mode\": \"budget\", \"spendLimit\": {\"amount\": \"5\"}}"),
                "spendLimit");
        // Nested objects too, with the field's path.
        assertInvalid(
                raw(
                        "PUT",
                        t.ws(ws) + "/funding",
                        "{\"mode\": \"budget\", \"spend_limit\": {\"amount\": \"5\", \"period\": \"month\", \"cap\": 1}}"),
                "spend_limit.cap");
        assertInvalid(
                raw("POST", t.path() + "/credits/grants", "{\"amount\": \"5\", \"expiresAt\": null}"), "expiresAt");
        assertInvalid(
                raw("POST", t.path() + "/credits/allocations", "{\"workspaceId\": \"" + ws + "\", \"amount\": \"5\"}"),
                "workspaceId");
        assertInvalid(raw("POST", "/api/v1/auth/tokens", "{\"email\": \"a@example.com\", \"pass\": \"x\"}"), "pass");
        // The policy was not changed by the refused request.
        assertThat(owner.get(t.ws(ws) + "/policy").json().path("allowed_models").isNull())
                .isTrue();
        // A usage event with an unknown field is refused, naming it, and nothing is ingested.
        var events = owner.post(
                t.path() + "/usage/events",
                Map.of(
                        "events",
                        List.of(Map.of(
                                "id", "wire-1",
                                "workspaceId", ws,
                                "model", "demo/chat",
                                "category", "chat",
                                "occurred_at", Instant.now().toString()))));
        assertThat(events.status()).as(events.toString()).isEqualTo(200);
        var result = events.json().path("results").path(0);
        assertThat(result.path("status").asString()).isEqualTo("error");
        assertThat(result.path("error").path("field").asString()).isEqualTo("workspaceId");
    }

    @Test
    void theGatewayStillPassesUnknownProviderParametersOn() {
        var own = fixtures.tenant("Gateway Wire Org");
        assertThat(fixtures.api()
                        .as(own.owner().token())
                        .post(own.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        Api gateway = fixtures.api().as(fixtures.workspaceKey(own, own.primaryWorkspaceId()));
        var r = gateway.post(
                "/v1/chat/completions",
                Map.of(
                        "model",
                        "demo/chat",
                        "messages",
                        List.of(Map.of("role", "user", "content", "hi")),
                        "logit_bias",
                        Map.of(),
                        "some_new_provider_parameter",
                        true));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1e3", "١٢٣", "１２", " 1 ", "+1", ".5", "1.", "-1", "1.0000001", "0x10", "1,5", "", "NaN"})
    void anAmountIsOnlyDigitsWithAtMostSixDecimals(String amount) {
        String body = "{\"amount\": \"" + amount + "\", \"kind\": \"purchase\"}";
        var r = raw("POST", t.path() + "/credits/grants", body);
        assertInvalid(r, "amount");
        assertThat(r.text("detail")).contains("amount").contains("\"amount\": \"5\"");
        var hold = raw("POST", t.ws(ws) + "/holds", "{\"amount\": \"" + amount + "\", \"category\": \"chat\"}");
        assertInvalid(hold, "amount");
        var limit = raw(
                "PUT",
                t.ws(ws) + "/funding",
                "{\"mode\": \"budget\", \"spend_limit\": {\"amount\": \"" + amount + "\", \"period\": \"month\"}}");
        assertInvalid(limit, "spend_limit.amount");
        var policy = raw("PUT", t.ws(ws) + "/policy", "{\"max_credits_per_request\": \"" + amount + "\"}");
        assertInvalid(policy, "max_credits_per_request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"5", "5.5", "1e3", "0.1"})
    void anAmountAsAJsonNumberIsRefusedSayingAmountsAreStrings(String number) {
        var r = raw("POST", t.path() + "/credits/grants", "{\"amount\": " + number + "}");
        assertInvalid(r, "amount");
        assertThat(r.text("detail")).contains("amounts are decimal strings").contains("\"amount\": \"5\"");
        var transfer = raw(
                "POST",
                t.path() + "/credits/transfers",
                "{\"from_workspace_id\": \"" + t.primaryWorkspaceId() + "\", \"to_workspace_id\": \"" + ws
                        + "\", \"amount\": " + number + "}");
        assertInvalid(transfer, "amount");
        var policy = raw("PUT", t.ws(ws) + "/policy", "{\"max_credits_per_request\": " + number + "}");
        assertInvalid(policy, "max_credits_per_request");
        assertThat(policy.text("detail")).contains("amounts are decimal strings");
    }

    @Test
    void anAmountAboveTheMaximumSaysSo() {
        var r = raw("POST", t.path() + "/credits/grants", "{\"amount\": \"10000000000000\"}");
        assertInvalid(r, "amount");
        assertThat(r.text("detail")).contains("exceeds the maximum").doesNotContain("decimal places");
        var big = raw("POST", t.path() + "/credits/grants", "{\"amount\": \"1000000000.000001\"}");
        assertInvalid(big, "amount");
        assertThat(big.text("detail")).contains("exceeds the maximum");
        var huge = raw("POST", t.path() + "/credits/grants", "{\"amount\": \"" + "9".repeat(400) + "\"}");
        assertInvalid(huge, "amount");
    }

    @Test
    void wellFormedAmountsAreAccepted() {
        for (String amount : List.of("1", "0.5", "12.345678", "1000000000")) {
            var r = raw("POST", t.path() + "/credits/grants", "{\"amount\": \"" + amount + "\"}");
            assertThat(r.status()).as(amount + " -> " + r).isEqualTo(201);
            assertThat(r.text("amount")).isEqualTo(amount);
        }
    }

    @Test
    void usageEventCreditsAreStrictAmountsToo() {
        for (String credits : List.of("\"1e3\"", "\" 1 \"", "\"+1\"", "1.5")) {
            var r = raw(
                    "POST",
                    t.path() + "/usage/events",
                    "{\"events\": [{\"id\": \"wire-c-" + credits.hashCode() + "\", \"workspace_id\": \"" + ws
                            + "\", \"model\": \"demo/chat\", \"category\": \"chat\", \"credits\": " + credits
                            + ", \"occurred_at\": \"" + Instant.now() + "\"}]}");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            var result = r.json().path("results").path(0);
            assertThat(result.path("status").asString())
                    .as(credits + " -> " + r)
                    .isEqualTo("error");
            assertThat(result.path("error").path("field").asString()).isEqualTo("credits");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"60\"", "1.5", "60.0", "true"})
    void integerFieldsTakeJsonIntegersOnly(String value) {
        var hold = raw(
                "POST",
                t.ws(ws) + "/holds",
                "{\"amount\": \"1\", \"category\": \"chat\", \"ttl_seconds\": " + value + "}");
        assertProblem(hold, 400, "malformed_request");
        assertThat(Problems.fields(hold)).containsExactly("ttl_seconds");
        assertThat(hold.text("detail")).contains("ttl_seconds").contains("\"ttl_seconds\": 60");
        var policy = raw("PUT", t.ws(ws) + "/policy", "{\"retention_days\": " + value + "}");
        assertProblem(policy, 400, "malformed_request");
        assertThat(Problems.fields(policy)).containsExactly("retention_days");
    }
}
