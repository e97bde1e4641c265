package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.atrium.support.Api;
import dev.atrium.support.Nodes;
import dev.atrium.support.StatementLog;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a warm {@code POST /v1/chat/completions} asks of the database before the upstream is called:
 * the credential, the workspace with its policy and the caller's role, the model's price and the
 * organization's provider credentials all come from the node's memory; what is left belongs to
 * the credits and the history. The upstream is one pooled keep-alive connection.
 */
class GatewayStatementsTest {
    /**
     * How the reads the node caches replace look: the credential, the workspace with its policy and
     * the caller's role, memberships, the organization's prices and provider credentials. (The
     * ledger's own read of a workspace's funding is the credits' business, not one of these.)
     */
    private static final List<String> CACHED_READS = List.of(
            "from org_keys",
            "from personal_tokens",
            "left join workspace_policies",
            "from org_members",
            "from pricing_model_overrides",
            "from pricing_model_image_prices",
            "from provider_credentials");

    private static final StatementLog log = new StatementLog();
    /** The statements run before each upstream request arrived, in arrival order. */
    private static final List<List<String>> beforeUpstream = new CopyOnWriteArrayList<>();

    private static final Set<Integer> upstreamClientPorts = ConcurrentHashMap.newKeySet();
    private static HttpServer upstream;
    private static Nodes nodes;

    @BeforeAll
    static void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        upstream.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        upstream.createContext("/v1/chat/completions", exchange -> {
            beforeUpstream.add(log.snapshot());
            upstreamClientPorts.add(exchange.getRemoteAddress().getPort());
            exchange.getRequestBody().readAllBytes();
            byte[] body = """
                    {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini",
                     "choices":[{"index":0,"message":{"role":"assistant","content":"Hi."},"finish_reason":"stop"}],
                     "usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}
                    """.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        upstream.start();
        nodes = Nodes.builder()
                .count(1)
                .name("gateway-statements")
                .initializer(log.initializer())
                .property("atrium.jobs.enabled", "false")
                .property(
                        "atrium.providers.openai.base-url",
                        "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1")
                .property("atrium.providers.openai.api-key", "sk-local")
                .start();
    }

    @AfterAll
    static void stop() {
        if (nodes != null) nodes.close();
        if (upstream != null) upstream.stop(0);
    }

    @Test
    void aWarmChatCompletionReadsNothingTheNodeCachesBeforeTheUpstream() {
        Nodes.Owner owner = nodes.organization("Statements Co", "100");
        String key = nodes.node(0)
                .api()
                .as(owner.token())
                .post(owner.orgPath() + "/workspaces/" + owner.primaryWorkspaceId() + "/api-keys", Map.of("name", "k"))
                .text("key");
        Api client = nodes.node(0).api().as(key);

        beforeUpstream.clear();
        int calls = 6;
        for (int i = 0; i < calls; i++) {
            log.reset();
            var r = client.post(
                    "/v1/chat/completions",
                    Map.of("model", "gpt-4o-mini", "messages", List.of(Map.of("role", "user", "content", "Hi."))));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
        assertThat(beforeUpstream).hasSize(calls);

        List<String> cold = beforeUpstream.getFirst();
        List<String> warm = beforeUpstream.getLast();
        System.out.printf("%nStatements before the upstream, first (cold) call: %d%n", cold.size());
        cold.forEach(s -> System.out.println("  " + abbreviate(s)));
        System.out.printf("Statements before the upstream, warm call: %d%n", warm.size());
        warm.forEach(s -> System.out.println("  " + abbreviate(s)));

        // The cold call read what the caches hold (so this test sees such reads when they happen) ...
        assertThat(touchingCachedTables(cold)).isNotEmpty();
        // ... and no warm call reads any of it again.
        for (List<String> statements : beforeUpstream.subList(1, calls)) {
            assertThat(touchingCachedTables(statements)).isEmpty();
        }
        assertThat(warm.size()).isLessThan(cold.size());

        // One pooled keep-alive connection to the upstream served every call.
        assertThat(upstreamClientPorts).hasSize(1);
    }

    @Test
    void aKeysRateAndSpendLimitsAreCheckedInMemoryAndClaimedFromTheDatabaseRarely() {
        Nodes.Owner owner = nodes.organization("Limited Statements Co", "1000");
        var created = nodes.node(0)
                .api()
                .as(owner.token())
                .post(
                        owner.orgPath() + "/workspaces/" + owner.primaryWorkspaceId() + "/api-keys",
                        Map.of(
                                "name",
                                "limited",
                                "spend_limit",
                                Map.of("amount", "500", "period", "month"),
                                "rate_limits",
                                Map.of(
                                        "requests_per_minute",
                                        10000,
                                        "tokens_per_minute",
                                        10_000_000,
                                        "concurrent",
                                        50)));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Api client = nodes.node(0).api().as(created.text("key"));
        log.reset();
        int calls = 100;
        for (int i = 0; i < calls; i++) {
            var r = client.post(
                    "/v1/chat/completions",
                    Map.of("model", "gpt-4o-mini", "messages", List.of(Map.of("role", "user", "content", "Hi."))));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.header("x-ratelimit-limit-requests")).isEqualTo("10000");
        }
        long claims = log.snapshot().stream()
                .filter(s -> s.toLowerCase(Locale.ROOT).contains("insert into rate_windows"))
                .count();
        System.out.printf(
                "%d limited calls (requests, tokens, a concurrent call and credits each): %d claims%n", calls, claims);
        // Requests: one claim of 1/20 of the limit (500) serves all 100; concurrent calls: a slot kept
        // while the key is busy; tokens and credits: each claim covers many calls.
        assertThat(claims).isLessThan(calls / 4);
    }

    private static List<String> touchingCachedTables(List<String> statements) {
        return statements.stream()
                .filter(s -> s.toLowerCase(Locale.ROOT).startsWith("select"))
                .filter(s -> CACHED_READS.stream()
                        .anyMatch(r -> s.toLowerCase(Locale.ROOT).contains(r)))
                .toList();
    }

    private static String abbreviate(String sql) {
        return sql.length() > 140 ? sql.substring(0, 140) + "…" : sql;
    }
}
