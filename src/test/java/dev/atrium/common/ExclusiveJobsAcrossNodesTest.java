package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.support.Nodes;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Background jobs run on one node at a time across nodes sharing a database, and another node takes
 * a job over as soon as the node running it goes away.
 */
class ExclusiveJobsAcrossNodesTest {
    private static Nodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = Nodes.builder()
                .count(2)
                .name("exclusive-jobs")
                .property("atrium.ledger.sweep-interval", "PT0.1S")
                .property("atrium.webhooks.interval", "PT0.1S")
                .start();
    }

    @AfterAll
    static void stop() {
        if (nodes != null) nodes.close();
    }

    record Run(int node, long start, long end) {}

    @Test
    void twoNodesNeverRunTheSameJobAtOnce() throws Exception {
        List<Run> runs = new CopyOnWriteArrayList<>();
        List<Integer> skipped = new CopyOnWriteArrayList<>();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<Thread> threads = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            int node = n;
            ExclusiveJobs jobs = nodes.node(node).bean(ExclusiveJobs.class);
            for (int t = 0; t < 2; t++) {
                threads.add(Thread.ofPlatform().start(() -> {
                    while (System.nanoTime() < until) {
                        boolean ran = jobs.run("test.exclusive", () -> {
                            long start = System.nanoTime();
                            busy(20);
                            runs.add(new Run(node, start, System.nanoTime()));
                        });
                        if (!ran) skipped.add(node);
                    }
                }));
            }
        }
        for (Thread t : threads) t.join();
        assertThat(runs).hasSizeGreaterThan(10);
        assertThat(skipped).as("the other callers found the job running").isNotEmpty();
        List<Run> sorted = runs.stream()
                .sorted((a, b) -> Long.compare(a.start(), b.start()))
                .toList();
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(sorted.get(i).start())
                    .as("run %d starts after run %d ended: %s, %s", i, i - 1, sorted.get(i - 1), sorted.get(i))
                    .isGreaterThanOrEqualTo(sorted.get(i - 1).end());
        }
    }

    @Test
    void anotherNodeTakesAJobOverWhenTheNodeRunningItLosesItsConnection() throws Exception {
        ExclusiveJobs first = nodes.node(0).bean(ExclusiveJobs.class);
        ExclusiveJobs second = nodes.node(1).bean(ExclusiveJobs.class);
        var running = new CountDownLatch(1);
        var stopped = new AtomicBoolean();
        Thread holder = Thread.ofPlatform()
                .start(() -> first.run("test.takeover", () -> {
                    running.countDown();
                    while (!stopped.get()) busy(10); // a long job on node 0
                }));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(second.run("test.takeover", () -> {})).as("node 0 runs it").isFalse();

        // Node 0 dies: its database connections close (here: the job lock's backend is ended).
        var db = JdbcClient.create(nodes.database());
        int ended = db.sql("""
                        SELECT count(pg_terminate_backend(pid)) FROM pg_locks
                        WHERE locktype = 'advisory' AND classid = :ns AND objid = :key AND granted
                        """)
                .param("ns", 0x4a4f4253L)
                .param("key", Integer.toUnsignedLong(ExclusiveJobs.key("test.takeover")))
                .query(Integer.class)
                .single();
        assertThat(ended).isEqualTo(1);
        long lost = System.nanoTime();
        var ranOnSecond = new AtomicBoolean();
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> second.run("test.takeover", () -> ranOnSecond.set(true)));
        assertThat(ranOnSecond).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - lost)).isLessThan(Duration.ofSeconds(5));
        stopped.set(true);
        holder.join();
    }

    @Test
    void theLedgersJobsRunThroughTheLock() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            double runs = 0;
            for (var node : nodes.all()) {
                var meters = node.bean(MeterRegistry.class);
                var counter = meters.find("atrium.jobs.runs")
                        .tag("job", "ledger.sweep-holds")
                        .counter();
                if (counter != null) runs += counter.count();
            }
            assertThat(runs).isGreaterThan(5);
            var webhooks = nodes.node(0)
                    .bean(MeterRegistry.class)
                    .find("atrium.jobs.runs")
                    .tag("job", "ledger.webhooks");
            var webhooks1 = nodes.node(1)
                    .bean(MeterRegistry.class)
                    .find("atrium.jobs.runs")
                    .tag("job", "ledger.webhooks");
            assertThat(webhooks.counter() != null || webhooks1.counter() != null)
                    .isTrue();
        });
    }

    /** Work that takes about {@code millis} (the job's own duration, not a wait for anything). */
    private static void busy(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
