package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.common.Credits;
import dev.atrium.gateway.settle.SettlementWriter;
import dev.atrium.ledger.CreditLeases;
import dev.atrium.support.Api;
import dev.atrium.support.Nodes;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Three Atrium nodes on one PostgreSQL, each admitting calls from its own credit leases, behave as
 * one ledger: a budget that pays for exactly 200 calls answers exactly 200 of 600 spread over the
 * nodes; under a random mix of calls (streamed, cut by the client), admin changes of the funding
 * and holds taken through the API on every node, the books stay conserved, no balance goes below
 * zero and every call a client saw answered is charged exactly once.
 */
class ThreeNodeLedgerTest {
    private static final long MAX_TOKENS = 64;
    /** Answers report more input than estimated and all the output asked for: a call costs its whole reservation. */
    private static final LocalUpstream UPSTREAM = new LocalUpstream()
            .route("/v1/chat/completions", (request, exchange) -> {
                var body = request.json();
                var usage = new Wire.Usage(
                        1_000_000, body.path("max_completion_tokens").asLong(MAX_TOKENS));
                (body.path("stream").asBoolean(false)
                                ? Wire.openAiStream(List.of("Three", " nodes", ",", " one", " ledger", "."), usage)
                                : Wire.openAiChat("Three nodes, one ledger.", usage))
                        .respond(request, exchange);
            });

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static Nodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = Nodes.builder()
                .count(3)
                .name("three-nodes")
                .property("atrium.providers.openai.base-url", UPSTREAM.origin() + "/v1")
                .property("atrium.database.pool-size", "12")
                .start();
    }

    @AfterAll
    static void stop() {
        if (nodes != null) nodes.close();
        UPSTREAM.close();
    }

    private static JdbcClient db() {
        return JdbcClient.create(nodes.database());
    }

    private static void settleEverywhere() {
        nodes.each(n -> assertThat(n.bean(SettlementWriter.class).awaitCommitted(Duration.ofSeconds(10)))
                .isTrue());
    }

    private static void returnLeasesEverywhere() {
        nodes.each(n -> n.bean(CreditLeases.class).returnAll(Duration.ofSeconds(10)));
    }

    private static HttpRequest chat(Nodes.Node node, String key, String requestId, boolean stream) {
        return HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model": "gpt-4o-mini", "stream": %s, "max_completion_tokens": %d,
                         "messages": [{"role": "user", "content": "Three nodes %s"}]}
                        """.formatted(stream, MAX_TOKENS, requestId)))
                .build();
    }

    private static String key(Nodes.Owner owner, String ws) {
        var r = nodes.node(0)
                .api()
                .as(owner.token())
                .post(owner.orgPath() + "/workspaces/" + ws + "/api-keys", Map.of("name", "three"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.text("key");
    }

    private static String workspace(Nodes.Owner owner, String name) {
        var r = nodes.node(0)
                .api()
                .as(owner.token())
                .post(owner.orgPath() + "/workspaces", Map.of("name", name, "kind", "client"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.text("id");
    }

    private static void assertBooksBalance(Nodes.Owner owner) {
        var invariant = nodes.node(ThreadLocalRandom.current().nextInt(3))
                .api()
                .as(owner.token())
                .get(owner.orgPath() + "/credits/invariant");
        assertThat(invariant.status()).as(invariant.toString()).isEqualTo(200);
        assertThat(invariant.json().path("holds").asBoolean())
                .as(invariant.toString())
                .isTrue();
        assertThat(invariant.json().path("non_negative").asBoolean()).isTrue();
        assertThat(invariant.json().path("leased").asString())
                .as(invariant.toString())
                .isEqualTo("0");
    }

    @Test
    void aBudgetForExactlyTwoHundredCallsAnswersExactlyTwoHundredOfSixHundredOnThreeNodes() throws Exception {
        Nodes.Owner owner = nodes.organization("Three Exact", "10000");
        // What one call costs (its whole reservation), on the Primary Workspace.
        String probe = key(owner, owner.primaryWorkspaceId());
        var first = HTTP.send(
                chat(
                        nodes.node(0),
                        probe,
                        "exact-999-" + owner.orgId() /* the calls' prompt length: the reservation depends on it */,
                        false),
                HttpResponse.BodyHandlers.ofString());
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        long cost = Credits.parse(
                        first.headers().firstValue("x-atrium-credits-charged").orElseThrow())
                .micros();
        assertThat(cost).isPositive();

        String ws = workspace(owner, "Exactly two hundred");
        Api api = nodes.node(1).api().as(owner.token());
        assertThat(api.put(owner.orgPath() + "/workspaces/" + ws + "/funding", Map.of("mode", "budget"))
                        .status())
                .isEqualTo(200);
        var allocation = api.post(
                owner.orgPath() + "/credits/allocations",
                Map.of(
                        "workspace_id",
                        ws,
                        "amount",
                        Credits.ofMicros(200 * cost).toDecimal()));
        assertThat(allocation.status()).as(allocation.toString()).isEqualTo(201);
        String key = key(owner, ws);

        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(48)) {
            for (int i = 0; i < 600; i++) {
                Nodes.Node node = nodes.node(i % 3);
                String id = String.format("exact-%03d-%s", i, owner.orgId());
                calls.add(pool.submit(() -> {
                    go.await();
                    return HTTP.send(chat(node, key, id, false), HttpResponse.BodyHandlers.discarding())
                            .statusCode();
                }));
            }
            go.countDown();
        }
        Map<Integer, Integer> statuses = new HashMap<>();
        for (Future<Integer> c : calls) statuses.merge(c.get(120, TimeUnit.SECONDS), 1, Integer::sum);
        assertThat(statuses).isEqualTo(Map.of(200, 200, 402, 400));

        settleEverywhere();
        returnLeasesEverywhere();
        assertBooksBalance(owner);
        long spent = db().sql("SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE org_id = :org "
                        + "AND workspace_id = :ws AND kind = 'capture'")
                .param("org", owner.orgId())
                .param("ws", ws)
                .query(Long.class)
                .single();
        assertThat(spent).isEqualTo(200 * cost);
        long budget = db().sql("SELECT balance FROM ledger_accounts WHERE org_id = :org AND id = :id")
                .param("org", owner.orgId())
                .param("id", "budget:" + ws)
                .query(Long.class)
                .single();
        assertThat(budget).isZero();
    }

    @Test
    void aRandomMixOnThreeNodesKeepsTheBooksExactAndChargesEveryAnsweredCallOnce() throws Exception {
        Nodes.Owner owner = nodes.organization("Three Mixed", "100000");
        String pooled = owner.primaryWorkspaceId();
        String budgeted = workspace(owner, "Budgeted");
        Api admin = nodes.node(2).api().as(owner.token());
        assertThat(admin.put(owner.orgPath() + "/workspaces/" + budgeted + "/funding", Map.of("mode", "budget"))
                        .status())
                .isEqualTo(200);
        assertThat(admin.post(
                                owner.orgPath() + "/credits/allocations",
                                Map.of("workspace_id", budgeted, "amount", "300"))
                        .status())
                .isEqualTo(201);
        List<String> keys = List.of(key(owner, pooled), key(owner, budgeted));
        List<String> workspaces = List.of(pooled, budgeted);

        Set<String> answered = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger adminChanges = new AtomicInteger();
        AtomicInteger apiHolds = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
            for (int c = 0; c < 16; c++) {
                int client = c;
                workers.add(pool.submit(() -> {
                    var random = ThreadLocalRandom.current();
                    for (int n = 0; !stop.get(); n++) {
                        Nodes.Node node = nodes.node(random.nextInt(3));
                        int w = random.nextInt(2);
                        boolean stream = random.nextInt(10) < 3;
                        boolean cut = stream && random.nextInt(3) == 0;
                        String id = "mix-" + client + "-" + n + "-" + owner.orgId();
                        if (!stream) {
                            var r = HTTP.send(chat(node, keys.get(w), id, false), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) answered.add(id);
                        } else {
                            var r = HTTP.send(
                                    chat(node, keys.get(w), id, true), HttpResponse.BodyHandlers.ofInputStream());
                            try (InputStream body = r.body()) {
                                if (cut) {
                                    body.read(); // the first bytes, then the client goes away
                                } else if (r.statusCode() == 200
                                        && new String(body.readAllBytes()).contains("data: [DONE]")) {
                                    answered.add(id);
                                }
                            }
                        }
                    }
                    return null;
                }));
            }
            // An admin moving credits and changing limits, on any node.
            workers.add(pool.submit(() -> {
                var random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    Api api = nodes.node(random.nextInt(3)).api().as(owner.token());
                    String path = owner.orgPath();
                    int status = switch (random.nextInt(4)) {
                        case 0 ->
                            api.post(path + "/credits/allocations", Map.of("workspace_id", budgeted, "amount", "20"))
                                    .status();
                        case 1 ->
                            api.post(path + "/credits/reclaims", Map.of("workspace_id", budgeted, "amount", "15"))
                                    .status();
                        case 2 ->
                            api.put(
                                            path + "/workspaces/" + pooled + "/funding",
                                            Map.of(
                                                    "mode",
                                                    "pool",
                                                    "spend_limit",
                                                    Map.of(
                                                            "amount",
                                                            String.valueOf(50_000 + random.nextInt(1000)),
                                                            "period",
                                                            "month")))
                                    .status();
                        default ->
                            api.put(path + "/workspaces/" + pooled + "/funding", Map.of("mode", "pool"))
                                    .status();
                    };
                    assertThat(status).isIn(200, 201, 402);
                    adminChanges.incrementAndGet();
                    Thread.sleep(150);
                }
                return null;
            }));
            // Holds taken and resolved through the API, on any node.
            workers.add(pool.submit(() -> {
                var random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    int w = random.nextInt(2);
                    Api api = nodes.node(random.nextInt(3)).api().as(owner.token());
                    String holds = owner.orgPath() + "/workspaces/" + workspaces.get(w) + "/holds";
                    var hold = api.post(holds, Map.of("amount", "0.5", "category", "chat"));
                    if (hold.status() == 201) {
                        String id = hold.text("id");
                        var done = random.nextBoolean()
                                ? nodes.node(random.nextInt(3))
                                        .api()
                                        .as(owner.token())
                                        .post(holds + "/" + id + "/capture", Map.of("amount", "0.25"))
                                : nodes.node(random.nextInt(3))
                                        .api()
                                        .as(owner.token())
                                        .post(holds + "/" + id + "/void", null);
                        assertThat(done.status()).as(done.toString()).isEqualTo(200);
                        apiHolds.incrementAndGet();
                    }
                }
                return null;
            }));
            // At least 8 s of the mix, and on until each kind of work has run enough (a loaded
            // machine runs fewer admin changes in 8 s).
            long mixStart = System.nanoTime();
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> System.nanoTime() - mixStart
                                    >= Duration.ofSeconds(8).toNanos()
                            && answered.size() > 100
                            && adminChanges.get() > 10
                            && apiHolds.get() > 10);
            stop.set(true);
            for (Future<?> f : workers) f.get(60, TimeUnit.SECONDS);
        }
        assertThat(answered).hasSizeGreaterThan(100);
        assertThat(adminChanges.get()).isGreaterThan(10);
        assertThat(apiHolds.get()).isGreaterThan(10);

        settleEverywhere();
        returnLeasesEverywhere();
        // Streams cut by the client settle as they end; their holds resolve within moments.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> db().sql("SELECT count(*) FROM holds WHERE org_id = :org AND status = 'held'")
                                .param("org", owner.orgId())
                                .query(Long.class)
                                .single()
                        == 0);
        assertBooksBalance(owner);
        // Every answered call charged exactly once: one usage event, and its capture.
        List<String> wrong = new ArrayList<>();
        for (String id : answered) {
            long events = db().sql("SELECT count(*) FROM usage_events WHERE org_id = :org AND request_id = :id")
                    .param("org", owner.orgId())
                    .param("id", id)
                    .query(Long.class)
                    .single();
            long captures = db().sql("SELECT count(*) FROM ledger_transfers t JOIN usage_events e"
                            + " ON e.org_id = t.org_id AND e.hold_id = t.hold_id"
                            + " WHERE e.org_id = :org AND e.request_id = :id AND t.kind = 'capture'")
                    .param("org", owner.orgId())
                    .param("id", id)
                    .query(Long.class)
                    .single();
            if (events != 1 || captures != 1) wrong.add(id + ": " + events + " events, " + captures + " captures");
        }
        assertThat(wrong).as("answered calls not charged exactly once").isEmpty();
        long leasedCalls = db().sql("SELECT count(*) FROM usage_events WHERE org_id = :org AND hold_id LIKE 'rsv\\_%'")
                .param("org", owner.orgId())
                .query(Long.class)
                .single();
        assertThat(leasedCalls).as("calls admitted from leases").isPositive();
    }

    @Test
    void aKeyRevokedOnOneNodeAnswers401OnTheOthersWithinASecond() throws Exception {
        Nodes.Owner owner = nodes.organization("Three Revoke", "100");
        var created = nodes.node(0)
                .api()
                .as(owner.token())
                .post(
                        owner.orgPath() + "/workspaces/" + owner.primaryWorkspaceId() + "/api-keys",
                        Map.of("name", "gone"));
        String key = created.text("key");
        for (int n = 1; n < 3; n++) {
            var r = HTTP.send(chat(nodes.node(n), key, "before-" + n, false), HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        var revoke = nodes.node(0)
                .api()
                .as(owner.token())
                .delete(owner.orgPath() + "/workspaces/" + owner.primaryWorkspaceId() + "/api-keys/"
                        + created.text("id"));
        assertThat(revoke.status()).as(revoke.toString()).isIn(200, 204);
        long revokedAt = System.nanoTime();
        for (int n = 1; n < 3; n++) {
            Nodes.Node node = nodes.node(n);
            await().atMost(Duration.ofSeconds(1))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> HTTP.send(chat(node, key, "after", false), HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 401);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - revokedAt)).isLessThan(Duration.ofSeconds(2));
    }
}
