package dev.atrium.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/** Workspace keys with their own settings: spend limit, allowed models, expiry and rate limits; edit, rotate, revoke. */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class ApiKeySettingsTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    dev.atrium.gateway.settle.SettlementWriter settlementWriter;

    private Fixtures.Tenant tenant;
    private Api owner;

    @BeforeEach
    void setUp() {
        tenant = fixtures.tenant("Keys Co");
        owner = fixtures.api().as(tenant.owner().token());
        assertThat(owner.post(tenant.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
    }

    private String keys() {
        return tenant.ws(tenant.primaryWorkspaceId()) + "/api-keys";
    }

    private Api.Response chat(String key, String model) {
        return fixtures.api()
                .as(key)
                .post(
                        "/v1/chat/completions",
                        Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "Hello there"))));
    }

    @Test
    void aKeyCarriesItsSettingsAndShowsWhoMadeItAndWhatItSpent() {
        Instant expires = Instant.now().plus(Duration.ofDays(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        var created = owner.post(
                keys(),
                Map.of(
                        "name", "campaign bot",
                        "spend_limit", Map.of("amount", "2.5", "period", "month"),
                        "allowed_models", List.of("demo/chat"),
                        "expires_at", expires.toString(),
                        "rate_limits",
                                Map.of("requests_per_minute", 100, "tokens_per_minute", 100000, "concurrent", 4)));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String id = created.text("id");
        String secret = created.text("key");
        assertThat(secret).startsWith("atr_ws_");
        assertThat(created.text("prefix")).isNotBlank();

        assertThat(chat(secret, "demo/chat").status()).isEqualTo(200);
        assertThat(settlementWriter.awaitCommitted(Duration.ofSeconds(10))).isTrue();

        var listed = owner.get(keys());
        assertThat(listed.status()).isEqualTo(200);
        var key = find(listed, id);
        assertThat(key.path("name").asString()).isEqualTo("campaign bot");
        assertThat(key.path("created_by").asString()).isEqualTo(tenant.owner().userId());
        assertThat(key.path("status").asString()).isEqualTo("active");
        assertThat(key.path("spend_limit").path("amount").asString()).isEqualTo("2.5");
        assertThat(key.path("spend_limit").path("period").asString()).isEqualTo("month");
        assertThat(key.path("allowed_models").get(0).asString()).isEqualTo("demo/chat");
        assertThat(Instant.parse(key.path("expires_at").asString())).isEqualTo(expires);
        assertThat(key.path("rate_limits").path("requests_per_minute").asInt()).isEqualTo(100);
        assertThat(key.path("rate_limits").path("tokens_per_minute").asLong()).isEqualTo(100000);
        assertThat(key.path("rate_limits").path("concurrent").asInt()).isEqualTo(4);
        assertThat(new java.math.BigDecimal(key.path("spent_this_period").asString()))
                .isPositive();
        assertThat(key.path("last_used_at").isNull()).isFalse();
        assertThat(key.toString()).doesNotContain(secret);
    }

    @Test
    void aKeyRunsOnlyItsAllowedModelsWithinThePolicy() {
        // Not in the workspace's policy: refused at creation.
        var policy = owner.put(
                tenant.ws(tenant.primaryWorkspaceId()) + "/policy",
                Map.of("allowed_models", List.of("demo/chat", "demo/image"), "record_history", true));
        assertThat(policy.status()).as(policy.toString()).isEqualTo(200);
        var outside = owner.post(keys(), Map.of("name", "k", "allowed_models", List.of("demo/speech")));
        assertThat(outside.status()).isEqualTo(422);
        assertThat(outside.body()).contains("allowed_models");
        var unknown = owner.post(keys(), Map.of("name", "k", "allowed_models", List.of("nope/none")));
        assertThat(unknown.status()).isEqualTo(422);

        var created = owner.post(keys(), Map.of("name", "images only", "allowed_models", List.of("demo/image")));
        assertThat(created.status()).isEqualTo(201);
        String secret = created.text("key");
        var refused = chat(secret, "demo/chat");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().path("error").path("code").asString()).isEqualTo("model_not_allowed");
        var models = fixtures.api().as(secret).get("/v1/models");
        assertThat(models.status()).isEqualTo(200);
        assertThat(models.body()).contains("demo/image").doesNotContain("demo/chat");

        // Edited: the key may now chat, at once.
        var edited = owner.patch(keys() + "/" + created.text("id"), Map.of("allowed_models", List.of("demo/chat")));
        assertThat(edited.status()).as(edited.toString()).isEqualTo(200);
        assertThat(chat(secret, "demo/chat").status()).isEqualTo(200);
    }

    @Test
    void editChangesOnlyWhatTheBodyNamesAndNullClears() {
        var created = owner.post(
                keys(),
                Map.of(
                        "name", "k1",
                        "spend_limit", Map.of("amount", "10", "period", "day"),
                        "rate_limits", Map.of("requests_per_minute", 5)));
        String id = created.text("id");
        var renamed = owner.patch(keys() + "/" + id, Map.of("name", "renamed"));
        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.json().path("name").asString()).isEqualTo("renamed");
        assertThat(renamed.json().path("spend_limit").path("amount").asString()).isEqualTo("10");
        assertThat(renamed.json()
                        .path("rate_limits")
                        .path("requests_per_minute")
                        .asInt())
                .isEqualTo(5);
        Map<String, Object> clear = new HashMap<>();
        clear.put("spend_limit", null);
        clear.put("rate_limits", null);
        var cleared = owner.patch(keys() + "/" + id, clear);
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.json().path("spend_limit").isNull()).isTrue();
        assertThat(cleared.json()
                        .path("rate_limits")
                        .path("requests_per_minute")
                        .isNull())
                .isTrue();
        assertThat(cleared.json().path("name").asString()).isEqualTo("renamed");

        var audit = owner.get(tenant.path() + "/audit-events?limit=1000");
        assertThat(audit.body()).contains("workspace_key.updated");
    }

    @Test
    void badSettingsAreRefusedWithTheFieldNamed() {
        assertField(
                owner.post(keys(), Map.of("name", "k", "spend_limit", Map.of("amount", "-1", "period", "day"))),
                "spend_limit.amount");
        assertField(
                owner.post(keys(), Map.of("name", "k", "spend_limit", Map.of("amount", "1", "period", "year"))),
                "spend_limit.period");
        assertField(owner.post(keys(), Map.of("name", "k", "expires_at", "2001-01-01T00:00:00Z")), "expires_at");
        assertField(
                owner.post(keys(), Map.of("name", "k", "rate_limits", Map.of("requests_per_minute", 0))),
                "rate_limits.requests_per_minute");
        assertField(
                owner.post(keys(), Map.of("name", "k", "rate_limits", Map.of("concurrent", -3))),
                "rate_limits.concurrent");
        String id = owner.post(keys(), Map.of("name", "k")).text("id");
        assertField(owner.patch(keys() + "/" + id, Map.of("secret", "x")), "secret");
    }

    private static void assertField(Api.Response r, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        assertThat(r.body()).contains(field);
    }

    @Test
    void rotationGivesANewSecretAndTheOldOneStopsAtOnce() {
        var created = owner.post(keys(), Map.of("name", "rotating", "rate_limits", Map.of("requests_per_minute", 50)));
        String id = created.text("id");
        String old = created.text("key");
        assertThat(chat(old, "demo/chat").status()).isEqualTo(200);
        var rotated = owner.post(keys() + "/" + id + "/rotate", null);
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        assertThat(rotated.text("id")).isEqualTo(id);
        String fresh = rotated.text("key");
        assertThat(fresh).isNotEqualTo(old).startsWith("atr_ws_");
        assertThat(chat(old, "demo/chat").status()).isEqualTo(401);
        assertThat(chat(fresh, "demo/chat").status()).isEqualTo(200);
        var key = find(owner.get(keys()), id);
        assertThat(key.path("rate_limits").path("requests_per_minute").asInt()).isEqualTo(50);
        assertThat(key.path("prefix").asString()).isEqualTo(rotated.text("prefix"));
        assertThat(owner.get(tenant.path() + "/audit-events?limit=1000").body())
                .contains("workspace_key.rotated")
                .doesNotContain(fresh);

        assertThat(owner.delete(keys() + "/" + id).status()).isEqualTo(204);
        assertThat(chat(fresh, "demo/chat").status()).isEqualTo(401);
        assertThat(owner.post(keys() + "/" + id + "/rotate", null).status()).isEqualTo(409);
    }

    @Test
    void anExpiredKeyIsRefusedLikeAnUnknownOne() throws Exception {
        var created = owner.post(
                keys(),
                Map.of(
                        "name",
                        "short-lived",
                        "expires_at",
                        Instant.now().plusSeconds(3).toString()));
        assertThat(created.status()).isEqualTo(201);
        String secret = created.text("key");
        assertThat(chat(secret, "demo/chat").status()).isEqualTo(200);
        Thread.sleep(3500);
        assertThat(chat(secret, "demo/chat").status()).isEqualTo(401);
        assertThat(find(owner.get(keys()), created.text("id")).path("status").asString())
                .isEqualTo("expired");
    }

    @Test
    void anotherOrganizationSeesNoneOfIt() {
        String id = owner.post(keys(), Map.of("name", "k")).text("id");
        var other = fixtures.tenant("Other Co");
        Api stranger = fixtures.api().as(other.owner().token());
        // Its own organization's path with this key id, and this organization's path.
        assertThat(stranger.get(other.ws(other.primaryWorkspaceId()) + "/api-keys/" + id)
                        .status())
                .isEqualTo(404);
        assertThat(stranger.patch(other.ws(other.primaryWorkspaceId()) + "/api-keys/" + id, Map.of("name", "x"))
                        .status())
                .isEqualTo(404);
        assertThat(stranger.post(other.ws(other.primaryWorkspaceId()) + "/api-keys/" + id + "/rotate", null)
                        .status())
                .isEqualTo(404);
        assertThat(stranger.get(keys() + "/" + id).status()).isEqualTo(404);
        assertThat(stranger.post(keys() + "/" + id + "/rotate", null).status()).isEqualTo(404);
    }

    @Test
    void aKeyNeverSpendsMoreThanItsLimit() {
        var created =
                owner.post(keys(), Map.of("name", "capped", "spend_limit", Map.of("amount", "0.5", "period", "day")));
        String secret = created.text("key");
        int ok = 0;
        Api.Response refused = null;
        for (int i = 0; i < 200 && refused == null; i++) {
            var r = chat(secret, "demo/chat");
            if (r.status() == 200) ok++;
            else refused = r;
        }
        assertThat(ok).isPositive();
        assertThat(refused).isNotNull();
        assertThat(refused.status()).as(refused.toString()).isEqualTo(402);
        assertThat(refused.json().path("error").path("code").asString()).isEqualTo("key_spend_limit_reached");
        assertThat(settlementWriter.awaitCommitted(Duration.ofSeconds(10))).isTrue();
        long spent = jdbc.sql(
                        "SELECT COALESCE(SUM(credits), 0) FROM usage_events WHERE org_id = :org AND key_id = :key")
                .param("org", tenant.orgId())
                .param("key", created.text("id"))
                .query(Long.class)
                .single();
        assertThat(spent).isPositive().isLessThanOrEqualTo(500_000L);
        // Another key of the same workspace is not limited by it.
        String other = owner.post(keys(), Map.of("name", "free")).text("key");
        assertThat(chat(other, "demo/chat").status()).isEqualTo(200);
    }

    private static tools.jackson.databind.JsonNode find(Api.Response list, String id) {
        for (var k : list.json().path("data")) if (k.path("id").asString().equals(id)) return k;
        throw new AssertionError("no key " + id + " in " + list);
    }
}
