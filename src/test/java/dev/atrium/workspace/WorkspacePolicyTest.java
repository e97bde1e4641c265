package dev.atrium.workspace;

import static dev.atrium.common.Problems.assertInvalid;
import static dev.atrium.common.Problems.assertProblem;
import static dev.atrium.common.Problems.fields;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@IntegrationTest
class WorkspacePolicyTest {
    @Autowired
    Fixtures fixtures;

    private Api owner(Fixtures.Tenant t) {
        return fixtures.api().as(t.owner().token());
    }

    private static Map<String, Object> policy(Object... pairs) {
        var body = new HashMap<String, Object>();
        for (int i = 0; i < pairs.length; i += 2) body.put((String) pairs[i], pairs[i + 1]);
        return body;
    }

    @Test
    void aNewWorkspaceHasTheDefaultPolicy() {
        var t = fixtures.tenant("Policy Org");
        String ws = fixtures.workspace(t, "Fresh");
        for (String id : List.of(ws, t.primaryWorkspaceId())) {
            var p = owner(t).get(t.ws(id) + "/policy");
            assertThat(p.status()).as(p.toString()).isEqualTo(200);
            assertThat(p.json().path("record_history").asBoolean()).isTrue();
            assertThat(p.json().path("allowed_models").isNull()).isTrue();
            assertThat(p.json().path("denied_models").isNull()).isTrue();
            assertThat(p.json().path("retention_days").isNull()).isTrue();
            assertThat(p.json().path("max_credits_per_request").isNull()).isTrue();
        }
    }

    @Test
    void aPolicyIsStoredAsGivenAndAuditedWithBeforeAndAfter() {
        var t = fixtures.tenant("Policy Org");
        String ws = fixtures.workspace(t, "Governed");
        var body = policy(
                "allowed_models",
                List.of("demo/chat", "gpt-4o", "demo/chat"),
                "denied_models",
                List.of("claude-opus-4-1"),
                "record_history",
                false,
                "retention_days",
                30,
                "max_credits_per_request",
                "12.500000");

        var put = owner(t).put(t.ws(ws) + "/policy", body);
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        var got = owner(t).get(t.ws(ws) + "/policy");
        for (var p : List.of(put.json(), got.json())) {
            assertThat(p.path("allowed_models").toString()).isEqualTo("[\"demo/chat\",\"gpt-4o\"]");
            assertThat(p.path("denied_models").toString()).isEqualTo("[\"claude-opus-4-1\"]");
            assertThat(p.path("record_history").asBoolean()).isFalse();
            assertThat(p.path("retention_days").asInt()).isEqualTo(30);
            assertThat(p.path("max_credits_per_request").asString()).isEqualTo("12.5");
        }

        // PUT replaces the whole policy: what is left out returns to its default.
        var replaced = owner(t).put(t.ws(ws) + "/policy", policy("retention_days", 36500));
        assertThat(replaced.status()).isEqualTo(200);
        var after = owner(t).get(t.ws(ws) + "/policy").json();
        assertThat(after.path("allowed_models").isNull()).isTrue();
        assertThat(after.path("record_history").asBoolean()).isTrue();
        assertThat(after.path("retention_days").asInt()).isEqualTo(36500);
        assertThat(after.path("max_credits_per_request").isNull()).isTrue();

        var events = owner(t).get(t.path() + "/audit-events?action=workspace.policy_updated")
                .json()
                .path("data");
        assertThat(events).hasSize(2);
        var first = events.get(1);
        assertThat(first.path("target_id").asString()).isEqualTo(ws);
        assertThat(first.path("before").path("record_history").asBoolean()).isTrue();
        assertThat(first.path("after").path("record_history").asBoolean()).isFalse();
        assertThat(first.path("after").path("retention_days").asInt()).isEqualTo(30);
        assertThat(first.path("after").path("max_credits_per_request").asString())
                .isEqualTo("12.5");
        assertThat(events.get(0).path("before").path("retention_days").asInt()).isEqualTo(30);
    }

    @Test
    void unknownModelIdsAreRefusedNamingThemAndTheOrganizationsOwnModelsAreKnown() {
        var t = fixtures.tenant("Policy Org");
        String ws = fixtures.workspace(t, "Typos");
        owner(t).put(t.ws(ws) + "/policy", policy("allowed_models", List.of("demo/chat")));

        var typo = owner(t).put(t.ws(ws) + "/policy", policy("allowed_models", List.of("demo/chat", "gpt-4-o")));
        assertInvalid(typo, "allowed_models");
        assertThat(typo.body()).contains("gpt-4-o").doesNotContain("demo/chat,");
        var denied = owner(t).put(t.ws(ws) + "/policy", policy("denied_models", List.of("claude-3-opus", "Demo/Chat")));
        assertInvalid(denied, "denied_models");
        assertThat(denied.body()).contains("claude-3-opus, Demo/Chat");
        // Nothing changed.
        assertThat(owner(t).get(t.ws(ws) + "/policy")
                        .json()
                        .path("allowed_models")
                        .toString())
                .isEqualTo("[\"demo/chat\"]");

        // The organization's own model is known to its workspaces, not to another organization's.
        var custom = owner(t).put(
                        t.path() + "/pricing/models/acme/summarizer",
                        Map.of(
                                "provider",
                                "openai",
                                "upstream_model",
                                "gpt-4o-mini",
                                "kind",
                                "chat",
                                "input_per_million",
                                "1",
                                "output_per_million",
                                "2",
                                "max_output_tokens",
                                2048,
                                "context_window",
                                8192));
        assertThat(custom.status()).as(custom.toString()).isIn(200, 201);
        var ok = owner(t).put(t.ws(ws) + "/policy", policy("allowed_models", List.of("acme/summarizer", "demo/chat")));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        var other = fixtures.tenant("Other Policy Org");
        assertInvalid(
                fixtures.api()
                        .as(other.owner().token())
                        .put(
                                other.ws(other.primaryWorkspaceId()) + "/policy",
                                policy("allowed_models", List.of("acme/summarizer"))),
                "allowed_models");
    }

    @Test
    void boundaryValuesAreAccepted() {
        var t = fixtures.tenant("Policy Org");
        String ws = fixtures.workspace(t, "Edges");
        for (var body : List.of(
                policy("retention_days", 1),
                policy("retention_days", 36500),
                policy("max_credits_per_request", "0.000001"),
                policy("max_credits_per_request", "1000000"),
                policy("allowed_models", List.of(), "denied_models", List.of()),
                policy("record_history", true))) {
            var r = owner(t).put(t.ws(ws) + "/policy", body);
            assertThat(r.status()).as(body + " -> " + r).isEqualTo(200);
        }
        assertThat(owner(t).put(t.ws(ws) + "/policy", policy("max_credits_per_request", "0.000001"))
                        .text("max_credits_per_request"))
                .isEqualTo("0.000001");
    }

    @Test
    void outOfRangeValuesAreRefusedNamingTheField() {
        var t = fixtures.tenant("Policy Org");
        String ws = fixtures.workspace(t, "Strict");
        owner(t).put(t.ws(ws) + "/policy", policy("retention_days", 7));
        record Case(String field, Object value) {}
        for (var c : List.of(
                new Case("retention_days", 0),
                new Case("retention_days", -1),
                new Case("retention_days", 36501),
                new Case("max_credits_per_request", "0"),
                new Case("max_credits_per_request", "-1"),
                new Case("max_credits_per_request", "0.0000001"),
                new Case("max_credits_per_request", "abc"),
                new Case("max_credits_per_request", ""),
                new Case("max_credits_per_request", "1e400"),
                new Case("max_credits_per_request", "99999999999999999999"),
                new Case("allowed_models", List.of("")),
                new Case("allowed_models", List.of("m".repeat(201))),
                new Case("denied_models", List.of("  ")))) {
            var r = owner(t).put(t.ws(ws) + "/policy", policy(c.field(), c.value()));
            assertInvalid(r, c.field());
        }
        // Nothing was stored by the refused requests.
        assertThat(owner(t).get(t.ws(ws) + "/policy")
                        .json()
                        .path("retention_days")
                        .asInt())
                .isEqualTo(7);
    }

    @Test
    void valuesOfTheWrongTypeAreRefusedNamingTheField() {
        var t = fixtures.tenant("Policy Org");
        String ws = fixtures.workspace(t, "Typed");
        record Case(String field, Object value) {}
        for (var c : List.of(
                new Case("record_history", "maybe"),
                new Case("record_history", List.of(true)),
                new Case("retention_days", "a month"),
                new Case("retention_days", 1e12),
                new Case("retention_days", Map.of("days", 3)),
                new Case("allowed_models", "gpt-4o"),
                new Case("denied_models", Map.of("a", "b")),
                new Case("max_credits_per_request", List.of("1")))) {
            var r = owner(t).put(t.ws(ws) + "/policy", policy(c.field(), c.value()));
            assertThat(r.status()).as(c + " -> " + r).isBetween(400, 422);
            assertThat(r.text("code")).as(c + " -> " + r).isIn("malformed_request", "validation_failed");
            assertThat(fields(r)).as(c + " -> " + r).containsExactly(c.field());
        }
    }

    @Test
    void onlyWorkspaceManagersChangeThePolicyButAssignedMembersReadIt() {
        var t = fixtures.tenant("Policy Org");
        String ws = fixtures.workspace(t, "Shared");
        var viewer = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, viewer, "viewer");
        var billing = fixtures.addMember(t, "billing", null);

        assertThat(fixtures.api().as(viewer.token()).get(t.ws(ws) + "/policy").status())
                .isEqualTo(200);
        assertProblem(
                fixtures.api().as(viewer.token()).put(t.ws(ws) + "/policy", policy("record_history", false)),
                403,
                "forbidden");
        assertProblem(
                fixtures.api().as(billing.token()).put(t.ws(ws) + "/policy", policy("record_history", false)),
                403,
                "forbidden");
        assertThat(owner(t).get(t.ws(ws) + "/policy")
                        .json()
                        .path("record_history")
                        .asBoolean())
                .isTrue();
    }
}
