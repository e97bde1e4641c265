package dev.atrium.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.atrium.common.OrgId;
import dev.atrium.support.Nodes;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhook deliveries with two nodes delivering at once: each is sent (successfully) exactly once,
 * and each endpoint receives its events in the order they were queued, even when an early one
 * fails and is retried.
 */
class WebhooksAcrossNodesTest {
    private static Nodes nodes;
    private static HttpServer receiver;
    /** Successful receipts: the event's payload, in arrival order. */
    private static final List<String> received = new CopyOnWriteArrayList<>();
    /** Every attempt's delivery id. */
    private static final List<String> attempts = new CopyOnWriteArrayList<>();

    private static final AtomicInteger failFirstOf = new AtomicInteger(-1);

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            attempts.add(exchange.getRequestHeaders().getFirst("X-Atrium-Delivery"));
            int failing = failFirstOf.get();
            boolean fail =
                    failing >= 0 && body.equals("{\"n\":" + failing + "}") && failFirstOf.compareAndSet(failing, -1);
            if (!fail) received.add(body);
            exchange.sendResponseHeaders(fail ? 503 : 204, -1);
            exchange.close();
        });
        receiver.start();
        nodes = Nodes.builder()
                .count(2)
                .name("webhooks-nodes")
                .property("atrium.jobs.enabled", "false")
                .property("atrium.webhooks.backoff", "PT0.3S")
                .start();
    }

    @AfterAll
    static void stop() {
        if (nodes != null) nodes.close();
        if (receiver != null) receiver.stop(0);
    }

    @Test
    void twoNodesDeliverEachEventOnceAndEachEndpointInOrderThroughARetry() throws Exception {
        Nodes.Owner owner = nodes.organization("Hooks", null);
        var hook = nodes.node(0)
                .api()
                .as(owner.token())
                .post(
                        owner.orgPath() + "/webhooks",
                        Map.of(
                                "url",
                                "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                                "events",
                                List.of("*")));
        assertThat(hook.status()).as(hook.toString()).isEqualTo(201);

        OrgId org = new OrgId(owner.orgId());
        Webhooks queue = nodes.node(0).bean(Webhooks.class);
        int events = 12;
        failFirstOf.set(0); // the very first event's first attempt fails
        for (int n = 0; n < events; n++) queue.enqueue(org, "alert.threshold", "{\"n\":" + n + "}");

        var done = new AtomicBoolean();
        List<Thread> deliverers = new ArrayList<>();
        for (var node : nodes.all()) {
            Webhooks webhooks = node.bean(Webhooks.class);
            for (int t = 0; t < 2; t++) {
                deliverers.add(Thread.ofPlatform().start(() -> {
                    while (!done.get()) webhooks.deliverDue(50);
                }));
            }
        }
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= events);
        } finally {
            done.set(true);
            for (Thread t : deliverers) t.join();
        }
        List<String> expected = new ArrayList<>();
        for (int n = 0; n < events; n++) expected.add("{\"n\":" + n + "}");
        assertThat(received).as("each once, in the order queued").containsExactlyElementsOf(expected);
        assertThat(attempts).as("one failed attempt, then one each").hasSize(events + 1);
        var deliveries = nodes.node(1)
                .api()
                .as(owner.token())
                .get(owner.orgPath() + "/webhooks/" + hook.text("id") + "/deliveries")
                .json()
                .path("data");
        assertThat(deliveries.size()).isEqualTo(events);
        deliveries.forEach(d -> assertThat(d.path("status").asString()).isEqualTo("delivered"));
    }
}
