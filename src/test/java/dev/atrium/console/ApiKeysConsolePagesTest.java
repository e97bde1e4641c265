package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The console's workspace keys: created with a spend limit, allowed models, an expiry and rate limits
 * (and the key then works within them), edited, rotated (the old secret refused, the new one
 * working); and a member's own rate limits in a workspace, saved and enforced.
 */
@IntegrationTest
class ApiKeysConsolePagesTest {
    private static final Pattern SECRET = Pattern.compile("id=\"new-key-secret\"[^>]*value=\"(atr_ws_[^\"]+)\"");
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm");

    @Autowired
    Fixtures fixtures;

    @Autowired
    dev.atrium.gateway.settle.SettlementWriter settlementWriter;

    private Fixtures.Tenant tenant;
    private Api owner;
    private ConsoleClient console;

    @BeforeEach
    void setUp() {
        tenant = fixtures.tenant("Console Keys");
        owner = fixtures.api().as(tenant.owner().token());
        assertThat(owner.post(tenant.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        console = ConsoleClient.signedIn(fixtures, tenant.owner());
    }

    private String page() {
        return "/orgs/" + tenant.orgId() + "/workspaces/" + tenant.primaryWorkspaceId();
    }

    private String apiKeys() {
        return tenant.ws(tenant.primaryWorkspaceId()) + "/api-keys";
    }

    private Api.Response chat(String token, String model) {
        return fixtures.api()
                .as(token)
                .post(
                        "/v1/chat/completions",
                        Map.of(
                                "model",
                                model,
                                "max_tokens",
                                5,
                                "messages",
                                List.of(Map.of("role", "user", "content", "Hello"))));
    }

    private static String secret(ConsoleClient.Page page) {
        Matcher m = SECRET.matcher(page.body());
        assertThat(m.find()).as("the new secret on the page").isTrue();
        return m.group(1);
    }

    private JsonNode apiKey(String name) {
        for (JsonNode k : owner.get(apiKeys()).json().path("data")) {
            if (k.path("name").asString().equals(name)) return k;
        }
        throw new AssertionError("no key named " + name);
    }

    private String createViaApi(Map<String, Object> body) {
        var r = owner.post(apiKeys(), body);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.text("id");
    }

    @Test
    void aKeyCreatedWithSettingsWorksWithinThemAndTheListShowsThem() {
        var form = console.get(page() + "/keys/new");
        assertThat(form.status()).isEqualTo(200);
        assertThat(form.body())
                .contains("name=\"spendAmount\"", "name=\"spendPeriod\"", "name=\"expiresAt\"")
                .contains("name=\"allowedModels\" value=\"demo/chat\"", "name=\"requestsPerMinute\"")
                .contains("name=\"tokensPerMinute\"", "name=\"concurrentCalls\"");

        Instant expires = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.MINUTES);
        var fields = new HashMap<String, String>(Map.of(
                "name", "campaign bot",
                "spendAmount", "two",
                "spendPeriod", "week",
                "allowedModels", "demo/chat",
                "expiresAt", LOCAL.format(expires.atOffset(ZoneOffset.UTC)),
                "requestsPerMinute", "100",
                "tokensPerMinute", "100000",
                "concurrentCalls", "4"));
        var bad = console.post(page() + "/keys", fields);
        assertThat(bad.redirectPath()).isEqualTo(page() + "/keys/new");
        assertThat(console.follow(bad).body())
                .contains("spend_limit.amount must be a decimal amount", "aria-invalid=\"true\"")
                .contains("value=\"campaign bot\"", "value=\"100000\"");

        fields.put("spendAmount", "2.5");
        fields.put("concurrentCalls", "0");
        var badLimit = console.follow(console.post(page() + "/keys", fields));
        assertThat(badLimit.body()).contains("rate_limits.concurrent must be");

        fields.put("concurrentCalls", "4");
        var created = console.post(page() + "/keys", fields);
        assertThat(created.redirectPath()).startsWith(page());
        var shown = console.follow(created);
        assertThat(shown.body()).contains("Key “campaign bot” created.", "Your new API key");
        String secret = secret(shown);

        assertThat(chat(secret, "demo/chat").status()).isEqualTo(200);
        var other = chat(secret, "demo/chat-mini");
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.json().path("error").path("code").asString()).isEqualTo("model_not_allowed");
        assertThat(settlementWriter.awaitCommitted(Duration.ofSeconds(10))).isTrue();

        JsonNode key = apiKey("campaign bot");
        assertThat(key.path("spend_limit").path("amount").asString()).isEqualTo("2.5");
        assertThat(key.path("spend_limit").path("period").asString()).isEqualTo("week");
        assertThat(key.path("allowed_models").toString()).isEqualTo("[\"demo/chat\"]");
        assertThat(Instant.parse(key.path("expires_at").asString())).isEqualTo(expires);
        assertThat(key.path("rate_limits").path("requests_per_minute").asInt()).isEqualTo(100);
        assertThat(key.path("rate_limits").path("tokens_per_minute").asLong()).isEqualTo(100000);
        assertThat(key.path("rate_limits").path("concurrent").asInt()).isEqualTo(4);
        assertThat(key.path("created_by").asString()).isEqualTo(tenant.owner().userId());
        String spent = key.path("spent_this_period").asString();
        assertThat(new java.math.BigDecimal(spent)).isPositive();

        // The list shows the key's settings, what it spent, and its actions; the secret is gone.
        var list = console.get(page());
        String row = row(list.body(), "campaign bot");
        assertThat(row)
                .contains(
                        spent + " of 2.5 per week", "demo/chat", "100 requests/min", "100,000 tokens/min", "4 at once")
                .contains(
                        "the workspace",
                        "active",
                        "until "
                                + LOCAL.format(expires.atOffset(ZoneOffset.UTC)).replace('T', ' '))
                .contains(">Edit<", "Rotate…", "Revoke")
                .doesNotContain("never");
        assertThat(list.body()).doesNotContain(secret);
    }

    /** The table row of the key named {@code name}. */
    private static String row(String html, String name) {
        int start = html.indexOf("data-key=\"" + name + "\"");
        assertThat(start).as("row of " + name).isNotNegative();
        return html.substring(start, html.indexOf("</tr>", start));
    }

    @Test
    void editingChangesTheSettingsAndAModelOutsideThePolicyIsExplained() {
        Instant expires = Instant.now()
                .plus(Duration.ofDays(10))
                .truncatedTo(ChronoUnit.SECONDS)
                .plusSeconds(7);
        String id = createViaApi(Map.of(
                "name", "batch",
                "spend_limit", Map.of("amount", "3", "period", "day"),
                "allowed_models", List.of("demo/chat"),
                "expires_at", expires.toString(),
                "rate_limits", Map.of("requests_per_minute", 50)));
        String edit = page() + "/keys/" + id + "/edit";
        var form = console.get(edit);
        assertThat(form.status()).isEqualTo(200);
        assertThat(form.body())
                .contains("value=\"batch\"", "value=\"3\"", "value=\"day\" selected", "value=\"50\"")
                .contains("value=\"demo/chat\" checked")
                .contains("value=\"" + LOCAL.format(expires.atOffset(ZoneOffset.UTC)) + "\"");

        owner.put(
                tenant.ws(tenant.primaryWorkspaceId()) + "/policy",
                Map.of("allowed_models", List.of("demo/chat", "demo/chat-mini"), "record_history", true));
        var fields = new HashMap<String, String>(Map.of(
                "name", "batch nightly",
                "spendAmount", "",
                "spendPeriod", "month",
                "allowedModels", "demo/image",
                "expiresAt", LOCAL.format(expires.atOffset(ZoneOffset.UTC)),
                "requestsPerMinute", "",
                "tokensPerMinute", "5000",
                "concurrentCalls", ""));
        var refused = console.post(page() + "/keys/" + id, fields);
        assertThat(refused.redirectPath()).isEqualTo(edit);
        assertThat(console.follow(refused).body())
                .contains("does not allow the model &#39;demo/image&#39;", "value=\"batch nightly\"");

        fields.put("allowedModels", "demo/chat-mini");
        var saved = console.post(page() + "/keys/" + id, fields);
        assertThat(saved.redirectPath()).startsWith(page());
        assertThat(console.follow(saved).body()).contains("Key “batch nightly” saved.");
        JsonNode key = apiKey("batch nightly");
        assertThat(key.path("id").asString()).isEqualTo(id);
        assertThat(key.path("spend_limit").isNull()).isTrue();
        assertThat(key.path("allowed_models").toString()).isEqualTo("[\"demo/chat-mini\"]");
        assertThat(key.path("rate_limits").path("requests_per_minute").isNull()).isTrue();
        assertThat(key.path("rate_limits").path("tokens_per_minute").asLong()).isEqualTo(5000);
        // Shown to the minute and not touched: the expiry keeps its exact time.
        assertThat(Instant.parse(key.path("expires_at").asString())).isEqualTo(expires);

        // No model ticked: the key may call every model the policy allows again; a past expiry is refused.
        fields.remove("allowedModels");
        fields.put("expiresAt", "2020-01-01T00:00");
        var past = console.follow(console.post(page() + "/keys/" + id, fields));
        assertThat(past.body()).contains("expires_at must be in the future.");
        fields.put("expiresAt", "");
        console.post(page() + "/keys/" + id, fields);
        key = apiKey("batch nightly");
        assertThat(key.path("allowed_models").isNull()).isTrue();
        assertThat(key.path("expires_at").isNull()).isTrue();
        var audit = owner.get(tenant.path() + "/audit-events?action=workspace_key.updated");
        assertThat(audit.json().path("data").size()).isEqualTo(2);
    }

    @Test
    void rotatingAsksFirstThenShowsTheNewSecretOnceAndTheOldOneIsRefused() {
        var r = owner.post(apiKeys(), Map.of("name", "rotating", "rate_limits", Map.of("concurrent", 3)));
        String id = r.text("id");
        String old = r.text("key");
        assertThat(chat(old, "demo/chat").status()).isEqualTo(200);

        var confirm = console.get(page() + "/keys/" + id + "/rotate");
        assertThat(confirm.status()).isEqualTo(200);
        assertThat(confirm.body()).contains("Rotate key “rotating”?", "stops working at once", "Rotate the secret");
        assertThat(chat(old, "demo/chat").status())
                .as("the confirmation page changes nothing")
                .isEqualTo(200);

        var rotated = console.follow(console.post(page() + "/keys/" + id + "/rotate", Map.of()));
        assertThat(rotated.body()).contains("has a new secret", "Your new API key");
        String fresh = secret(rotated);
        assertThat(fresh).isNotEqualTo(old);
        assertThat(console.get(page()).body()).doesNotContain(fresh);

        assertThat(chat(old, "demo/chat").status()).isEqualTo(401);
        assertThat(chat(fresh, "demo/chat").status()).isEqualTo(200);
        JsonNode key = apiKey("rotating");
        assertThat(key.path("id").asString()).isEqualTo(id);
        assertThat(key.path("rate_limits").path("concurrent").asInt()).isEqualTo(3);
    }

    @Test
    void onlyTheKeysAdminsOrItsMemberMayOpenItsPages() {
        String id = createViaApi(Map.of("name", "owners"));
        var member = fixtures.addMember(tenant, "member", null);
        var asMember = ConsoleClient.signedIn(fixtures, member);
        assertThat(asMember.get(page() + "/keys/" + id + "/edit").status()).isEqualTo(404);
        assertThat(asMember.get(page() + "/keys/" + id + "/rotate").status()).isEqualTo(404);
        assertThat(asMember.post(page() + "/keys/" + id + "/rotate", Map.of()).status())
                .isEqualTo(404);
        assertThat(asMember.get(page() + "/members/" + tenant.owner().userId()).status())
                .isEqualTo(403);

        // A member's own key: created bound to them whatever the form says, and theirs to edit.
        var created = asMember.follow(asMember.post(
                page() + "/keys",
                Map.of("name", "mine", "userId", tenant.owner().userId(), "spendAmount", "1", "spendPeriod", "day")));
        assertThat(created.body()).contains("Your new API key");
        JsonNode mine = apiKey("mine");
        assertThat(mine.path("user_id").asString()).isEqualTo(member.userId());
        assertThat(asMember.get(page() + "/keys/" + mine.path("id").asString() + "/edit")
                        .status())
                .isEqualTo(200);
        owner.delete(apiKeys() + "/" + id);
        assertThat(console.get(page() + "/keys/" + id + "/edit").status()).isEqualTo(409);
    }

    @Test
    void aMembersOwnRateLimitsAreSavedShownAndEnforced() throws Exception {
        var member = fixtures.addMember(tenant, "member", null);
        String settings = page() + "/members/" + member.userId();
        var form = console.get(settings);
        assertThat(form.status()).isEqualTo(200);
        assertThat(form.body()).contains("name=\"requestsPerMinute\"", "Save rate limits", member.email());

        var bad = console.post(settings + "/rate-limits", Map.of("requestsPerMinute", "-1", "tokensPerMinute", "abc"));
        assertThat(bad.redirectPath()).isEqualTo(settings);
        assertThat(console.follow(bad).body())
                .contains("rate_limits.requests_per_minute must be a positive whole number", "value=\"abc\"");

        var saved = console.post(
                settings + "/rate-limits",
                Map.of("requestsPerMinute", "1", "tokensPerMinute", "", "concurrentCalls", "2"));
        assertThat(saved.redirectPath()).startsWith(page());
        var detail = console.follow(saved);
        assertThat(detail.body()).contains("saved: 1 requests/min · 2 at once.");
        String row = detail.body().substring(detail.body().indexOf("data-member=\"" + member.email() + "\""));
        assertThat(row.substring(0, row.indexOf("</tr>"))).contains("1 requests/min · 2 at once");
        JsonNode stored = owner.get(tenant.ws(tenant.primaryWorkspaceId()) + "/members")
                .json()
                .path("data");
        boolean found = false;
        for (JsonNode m : stored) {
            if (m.path("user_id").asString().equals(member.userId())) {
                found = true;
                assertThat(m.path("rate_limits").path("requests_per_minute").asInt())
                        .isEqualTo(1);
                assertThat(m.path("rate_limits").path("concurrent").asInt()).isEqualTo(2);
            }
        }
        assertThat(found).isTrue();

        // One request per minute: the second within the same minute is refused (waits out a minute's last seconds).
        long into = System.currentTimeMillis() % 60_000;
        if (into > 50_000) Thread.sleep(60_000 - into + 50);
        Api asMember =
                fixtures.api().as(member.token()).withHeader("X-Atrium-Workspace-Id", tenant.primaryWorkspaceId());
        var body = Map.of(
                "model", "demo/chat", "max_tokens", 5, "messages", List.of(Map.of("role", "user", "content", "Hi")));
        var first = asMember.post("/v1/chat/completions", body);
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        var second = asMember.post("/v1/chat/completions", body);
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.body()).contains("member");
        assertThat(chat(tenant.owner().token(), "demo/chat").status()).isEqualTo(200);
        assertThat(owner.get(tenant.path() + "/audit-events?action=workspace_member.rate_limits_updated")
                        .json()
                        .path("data")
                        .size())
                .isEqualTo(1);
    }
}
