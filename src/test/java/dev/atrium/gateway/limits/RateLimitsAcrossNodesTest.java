package dev.atrium.gateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Nodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits held across nodes: three nodes on one PostgreSQL share a workspace's requests per
 * minute and a key's concurrent calls. A limit is never exceeded, whatever the number of nodes; a
 * call may be refused while other nodes hold unused parts of the window, at most one claim each
 * (1/20 of the limit), so with N nodes at least limit − (N−1)·⌈limit/20⌉ calls are admitted.
 */
class RateLimitsAcrossNodesTest {
    private static final long WINDOW_MS = 20_000;
    private static Nodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = Nodes.builder()
                .count(3)
                .name("rate-limits-across-nodes")
                .property("atrium.providers.demo.token-delay", "PT0.02S")
                .property("atrium.gateway.rate-limit-window", "PT20S")
                .property("atrium.gateway.rate-limit-idle-return", "PT0.5S")
                .start();
    }

    @AfterAll
    static void stop() {
        if (nodes != null) nodes.close();
    }

    private static Api.Response chat(int node, String token, int maxTokens) {
        return nodes.node(node)
                .api()
                .as(token)
                .post(
                        "/v1/chat/completions",
                        Map.of(
                                "model",
                                "demo/chat",
                                "max_tokens",
                                maxTokens,
                                "messages",
                                List.of(Map.of("role", "user", "content", "Hi"))));
    }

    @Test
    void threeNodesNeverAdmitMoreThanTheWorkspacesLimitTogether() throws Exception {
        Nodes.Owner owner = nodes.organization("Shared Limits", "1000");
        Api api = nodes.node(0).api().as(owner.token());
        int limit = 60;
        var put = api.put(
                owner.orgPath() + "/workspaces/" + owner.primaryWorkspaceId() + "/policy",
                Map.of("record_history", false, "rate_limits", Map.of("requests_per_minute", limit)));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        var k = api.post(
                owner.orgPath() + "/workspaces/" + owner.primaryWorkspaceId() + "/api-keys", Map.of("name", "k"));
        String key = k.text("key");
        // Every node knows the policy before the window starts.
        for (int n = 0; n < 3; n++)
            assertThat(chat(n, owner.token(), 1).status()).isIn(200, 429);

        long into = System.currentTimeMillis() % WINDOW_MS;
        Thread.sleep(WINDOW_MS - into + 50);
        long windowStart = System.currentTimeMillis();
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            int node = i % 3;
            calls.add(pool.submit(() -> {
                int status = chat(node, key, 1).status();
                if (status == 200) admitted.incrementAndGet();
                else if (status == 429) refused.incrementAndGet();
                else throw new AssertionError("status " + status);
            }));
        }
        for (Future<?> f : calls) f.get();
        pool.shutdown();
        long took = System.currentTimeMillis() - windowStart;
        assertThat(took).as("all calls within one window").isLessThan(WINDOW_MS - 100);
        int chunk = (int) Math.max(1, limit / Quotas.SHARES);
        System.out.printf(
                "rate limit %d/window on 3 nodes: %d admitted, %d refused, in %d ms%n",
                limit, admitted.get(), refused.get(), took);
        assertThat(admitted.get()).isLessThanOrEqualTo(limit).isGreaterThanOrEqualTo(limit - 2 * chunk);
        assertThat(admitted.get() + refused.get()).isEqualTo(150);
    }

    @Test
    void aKeysConcurrentCallsAreCountedOnEveryNode() throws Exception {
        Nodes.Owner owner = nodes.organization("Shared Slots", "1000");
        Api api = nodes.node(0).api().as(owner.token());
        var k = api.post(
                owner.orgPath() + "/workspaces/" + owner.primaryWorkspaceId() + "/api-keys",
                Map.of("name", "k", "rate_limits", Map.of("concurrent", 2)));
        assertThat(k.status()).as(k.toString()).isEqualTo(201);
        String key = k.text("key");
        // Two streams on nodes 0 and 1: the demo model streams a token every 20 ms, a second or two in all.
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            slow.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create(nodes.node(n).baseUrl() + "/v1/chat/completions"))
                            .header("Authorization", "Bearer " + key)
                            .header("Content-Type", "application/json")
                            .POST(
                                    HttpRequest.BodyPublishers.ofString(
                                            "{\"model\":\"demo/chat\",\"stream\":true,\"max_tokens\":4000,\"messages\":"
                                                    + "[{\"role\":\"user\",\"content\":\"Tell me everything about workspaces\"}]}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(200);
        Api.Response third = chat(2, key, 1);
        assertThat(slow.stream().noneMatch(CompletableFuture::isDone))
                .as("both streams still running")
                .isTrue();
        assertThat(third.status()).as(third.toString()).isEqualTo(429);
        assertThat(third.json().path("error").path("type").asString()).isEqualTo("concurrent");
        for (var f : slow) assertThat(f.get().statusCode()).isEqualTo(200);
        // The slots come back to the window once idle on their nodes (0.5 s here): node 2 admits again.
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .pollInterval(java.time.Duration.ofMillis(200))
                .until(() -> chat(2, key, 1).status() == 200);
    }
}
