package dev.atrium.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Rate limits of a workspace, a key and a member: requests and tokens per window, concurrent calls;
 * OpenAI's 429 and headers, which the official SDK's own retry honours. The window is 3 s here
 * instead of a minute, so that a test can wait one out.
 */
@IntegrationTest
@TestPropertySource(
        properties = {
            "atrium.providers.demo.token-delay=PT0.01S",
            "atrium.gateway.rate-limit-window=PT3S",
            "atrium.gateway.rate-limit-idle-return=PT0.5S"
        })
class RateLimitsTest {
    private static final long WINDOW_MS = 3000;

    @Autowired
    Fixtures fixtures;

    @Autowired
    Refusals refusals;

    private Fixtures.Tenant tenant;
    private Api owner;

    @BeforeEach
    void setUp() {
        tenant = fixtures.tenant("Limits Co");
        owner = fixtures.api().as(tenant.owner().token());
        assertThat(owner.post(tenant.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
    }

    private String policy() {
        return tenant.ws(tenant.primaryWorkspaceId()) + "/policy";
    }

    private String key(Map<String, Object> rateLimits) {
        var r = owner.post(
                tenant.ws(tenant.primaryWorkspaceId()) + "/api-keys", Map.of("name", "k", "rate_limits", rateLimits));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.text("key");
    }

    private Api.Response chat(String token, int maxTokens) {
        return fixtures.api()
                .as(token)
                .post(
                        "/v1/chat/completions",
                        Map.of(
                                "model",
                                "demo/chat",
                                "max_tokens",
                                maxTokens,
                                "messages",
                                List.of(Map.of("role", "user", "content", "Hello"))));
    }

    /** Waits until the next window begins, so a test's calls fall in one window of their own. */
    private static void startOfWindow() throws InterruptedException {
        long into = System.currentTimeMillis() % WINDOW_MS;
        Thread.sleep(WINDOW_MS - into + 20);
    }

    @Test
    void aWorkspaceOverItsRequestsPerMinuteGetsOpenAisRateLimitAnswer() throws Exception {
        var put = owner.put(policy(), Map.of("record_history", true, "rate_limits", Map.of("requests_per_minute", 3)));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.json().path("rate_limits").path("requests_per_minute").asInt())
                .isEqualTo(3);
        String key = key(Map.of());
        startOfWindow();
        Api.Response first = chat(key, 5);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("x-ratelimit-limit-requests")).isEqualTo("3");
        assertThat(first.header("x-ratelimit-remaining-requests")).isEqualTo("2");
        assertThat(first.header("x-ratelimit-reset-requests")).matches("\\d+(ms|s)");
        assertThat(chat(key, 5).status()).isEqualTo(200);
        assertThat(chat(key, 5).status()).isEqualTo(200);
        Api.Response refused = chat(key, 5);
        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.json().path("error").path("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.json().path("error").path("type").asString()).isEqualTo("requests");
        assertThat(Integer.parseInt(refused.header("retry-after"))).isBetween(1, 3);
        assertThat(refused.header("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(refused.header("x-ratelimit-limit-requests")).isEqualTo("3");
        // Every key and member of the workspace shares its limit.
        assertThat(chat(tenant.owner().token(), 5).status()).isEqualTo(429);
        // The next window admits again.
        Thread.sleep(Long.parseLong(refused.header("retry-after-ms")) + 50);
        assertThat(chat(key, 5).status()).isEqualTo(200);

        // Counted by workspace and reason, in /usage/performance and in the metrics.
        refusals.flush();
        String from = Instant.now().truncatedTo(ChronoUnit.HOURS).toString();
        String to = Instant.now()
                .truncatedTo(ChronoUnit.HOURS)
                .plus(Duration.ofHours(1))
                .toString();
        var perf = owner.get(tenant.path() + "/usage/performance?group_by=workspace&start=" + from + "&end=" + to);
        assertThat(perf.status()).as(perf.toString()).isEqualTo(200);
        var row = perf.json().path("data").get(0);
        assertThat(row.path("workspace_id").asString()).isEqualTo(tenant.primaryWorkspaceId());
        assertThat(row.path("rate_limited").asLong()).isEqualTo(2);
        assertThat(row.path("rate_limited_by_reason").path("requests").asLong()).isEqualTo(2);
        var metrics = owner.get("/actuator/prometheus");
        assertThat(metrics.body())
                .containsPattern("atrium_gateway_rate_limited_total\\{[^}]*reason=\"requests\"[^}]*workspace=\""
                        + tenant.primaryWorkspaceId() + "\"[^}]*} 2\\.0");
    }

    @Test
    void theOpenAiSdkRetriesAfterWhatTheAnswerSays() throws Exception {
        String key = key(Map.of("requests_per_minute", 1));
        OpenAIClient client = OpenAIOkHttpClient.builder()
                .apiKey(key)
                .baseUrl(fixtures.baseUrl() + "/v1")
                .maxRetries(2)
                .build();
        OpenAIClient noRetry = OpenAIOkHttpClient.builder()
                .apiKey(key)
                .baseUrl(fixtures.baseUrl() + "/v1")
                .maxRetries(0)
                .build();
        var params = ChatCompletionCreateParams.builder()
                .model("demo/chat")
                .maxCompletionTokens(5)
                .addUserMessage("Hi")
                .build();
        // A window with at least 1.7 s left after its one request and a refused one: the SDK's own backoff
        // without the hint (about 0.4 s, then 0.8 s) would give up before the window ends.
        long leftInWindow = 0;
        for (int attempt = 0; attempt < 5 && leftInWindow < 1700; attempt++) {
            startOfWindow();
            assertThat(noRetry.chat().completions().create(params).choices()).isNotEmpty();
            try {
                noRetry.chat().completions().create(params);
                continue; // the window turned between the two calls: try the next one
            } catch (RateLimitException e) {
                assertThat(e.statusCode()).isEqualTo(429);
                assertThat(e.headers().values("retry-after")).isNotEmpty();
                assertThat(e.headers().values("retry-after-ms")).isNotEmpty();
            }
            leftInWindow = WINDOW_MS - System.currentTimeMillis() % WINDOW_MS;
        }
        assertThat(leftInWindow).as("a window with time left for the test").isGreaterThanOrEqualTo(1700);
        // With retries, it waits what retry-after(-ms) says (the rest of the window) and succeeds.
        long started = System.nanoTime();
        assertThat(client.chat().completions().create(params).choices()).isNotEmpty();
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(waitedMs).isGreaterThanOrEqualTo(leftInWindow - 150);
    }

    @Test
    void tokensPerMinuteCountTheEstimateAtAdmissionAndTheTruthAtSettlement() throws Exception {
        // demo/chat's answer to "Hello" is a few dozen tokens; a request may ask for up to 400 of output.
        String key = key(Map.of("tokens_per_minute", 500));
        startOfWindow();
        Api.Response big = chat(key, 600);
        assertThat(big.status()).as(big.toString()).isEqualTo(429);
        assertThat(big.json().path("error").path("type").asString()).isEqualTo("tokens");
        assertThat(big.header("x-ratelimit-limit-tokens")).isEqualTo("500");
        Api.Response ok = chat(key, 400);
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        long used = ok.json().path("usage").path("total_tokens").asLong();
        assertThat(used).isPositive().isLessThan(400);
        // Settled: what the call did not use is back, so another call asking as much fits.
        Api.Response again = chat(key, 400);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(Long.parseLong(again.header("x-ratelimit-remaining-tokens"))).isLessThanOrEqualTo(500 - used);
    }

    @Test
    void concurrentCallsOfAKeyAreCapped() throws Exception {
        String key = key(Map.of("concurrent", 1));
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"model\":\"demo/chat\",\"stream\":true,\"max_tokens\":300,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story about workspaces\"}]}";
        var request = HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        CompletableFuture<HttpResponse<String>> slow = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        Api.Response second = chat(key, 5);
        assertThat(second.status()).as(second.toString()).isEqualTo(429);
        assertThat(second.json().path("error").path("type").asString()).isEqualTo("concurrent");
        assertThat(second.header("retry-after")).isEqualTo("1");
        assertThat(slow.get().statusCode()).isEqualTo(200);
        assertThat(chat(key, 5).status()).isEqualTo(200);
        // Another key of the workspace is not held back by it.
        assertThat(chat(key(Map.of()), 5).status()).isEqualTo(200);
    }

    @Autowired
    QuotaStore store;

    @Test
    void anthropicsMessagesApiAndOpenAisResponsesApiAreLimitedAlike() throws Exception {
        String key = key(Map.of("requests_per_minute", 1));
        startOfWindow();
        Api anthropic = fixtures.api().withHeader("x-api-key", key).withHeader("anthropic-version", "2023-06-01");
        var body = Map.of(
                "model", "demo/chat", "max_tokens", 5, "messages", List.of(Map.of("role", "user", "content", "Hi")));
        Api.Response first = anthropic.post("/v1/messages", body);
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        assertThat(first.header("x-ratelimit-limit-requests")).isEqualTo("1");
        Api.Response second = anthropic.post("/v1/messages", body);
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.json().path("type").asString()).isEqualTo("error");
        assertThat(second.json().path("error").path("type").asString()).isEqualTo("rate_limit_error");
        assertThat(second.header("retry-after")).isNotNull();
        Api.Response responses = fixtures.api()
                .as(key)
                .post("/v1/responses", Map.of("model", "demo/chat", "input", "Hi", "max_output_tokens", 16));
        assertThat(responses.status()).isEqualTo(429);
        assertThat(responses.json().path("error").path("code").asString()).isEqualTo("rate_limit_exceeded");
    }

    @Test
    void theSlotsOfANodeThatStoppedComeBackWhenItsClaimsExpire() throws Exception {
        var created = owner.post(
                tenant.ws(tenant.primaryWorkspaceId()) + "/api-keys",
                Map.of("name", "k", "rate_limits", Map.of("concurrent", 1)));
        String key = created.text("key");
        // Another node took the key's only slot and stopped without giving it back.
        Instant expires = Instant.now().plusSeconds(1);
        var grant =
                store.claim(Quotas.slots(tenant.orgId(), "key:" + created.text("id")), 1, 1, "node_stopped", expires);
        assertThat(grant.granted()).isEqualTo(1);
        Api.Response refused = chat(key, 5);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().path("error").path("type").asString()).isEqualTo("concurrent");
        Thread.sleep(1100);
        assertThat(store.sweep(Instant.now(), Instant.now().minusSeconds(300))).isPositive();
        assertThat(chat(key, 5).status()).isEqualTo(200);
    }

    @Test
    void aMembersOwnLimitAppliesToThemOnly() throws Exception {
        var member = fixtures.addMember(tenant, "member", null);
        var patch = owner.patch(
                tenant.ws(tenant.primaryWorkspaceId()) + "/members/" + member.userId(),
                Map.of("rate_limits", Map.of("requests_per_minute", 1)));
        assertThat(patch.status()).as(patch.toString()).isEqualTo(200);
        assertThat(patch.json().path("rate_limits").path("requests_per_minute").asInt())
                .isEqualTo(1);
        var bad = owner.patch(
                tenant.ws(tenant.primaryWorkspaceId()) + "/members/" + member.userId(),
                Map.of("rate_limits", Map.of("requests_per_minute", -1)));
        assertThat(bad.status()).isEqualTo(422);
        startOfWindow();
        java.util.function.Supplier<Api.Response> call = () -> fixtures.api()
                .as(member.token())
                .withHeader("X-Atrium-Workspace-Id", tenant.primaryWorkspaceId())
                .post(
                        "/v1/chat/completions",
                        Map.of(
                                "model",
                                "demo/chat",
                                "max_tokens",
                                5,
                                "messages",
                                List.of(Map.of("role", "user", "content", "Hi"))));
        Api.Response first = call.get();
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        Api.Response second = call.get();
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.body()).contains("member");
        assertThat(chat(tenant.owner().token(), 5).status()).isEqualTo(200);
        assertThat(owner.get(tenant.path() + "/audit-events?limit=1000").body())
                .contains("workspace_member.rate_limits_updated");
    }
}
