package dev.atrium.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.support.Fixtures;
import dev.atrium.support.Nodes;
import dev.atrium.support.SmtpServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two Atrium nodes on one PostgreSQL, both sending from the same outbox as fast as they can (their
 * background senders every 20 ms, and more callers on each node): every message arrives exactly once.
 */
class MailAcrossNodesTest {
    private static final int INVITATIONS = 40;

    @Test
    void twoNodesSendEachMessageExactlyOnce() throws Exception {
        try (SmtpServer smtp = new SmtpServer().start();
                Nodes nodes = Nodes.builder()
                        .count(2)
                        .name("mail-nodes")
                        .property("atrium.smtp.host", "127.0.0.1")
                        .property("atrium.smtp.port", Integer.toString(smtp.port()))
                        .property("atrium.smtp.starttls", "false")
                        .property("atrium.mail.interval", "PT0.02S")
                        .start()) {
            Nodes.Owner owner = nodes.organization("Two Nodes Co", null);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            AtomicBoolean running = new AtomicBoolean(true);
            CountDownLatch started = new CountDownLatch(4);
            List<Future<?>> senders = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Mail mail = nodes.node(i % 2).bean(Mail.class);
                senders.add(pool.submit(() -> {
                    started.countDown();
                    while (running.get()) mail.deliverDue(3);
                    return null;
                }));
            }
            started.await();
            List<String> invited = new ArrayList<>();
            for (int i = 0; i < INVITATIONS; i++) {
                String email = Fixtures.uniqueEmail("node" + (i % 2));
                var r = nodes.node(i % 2)
                        .api()
                        .as(owner.token())
                        .post(owner.orgPath() + "/invitations", Map.of("email", email));
                assertThat(r.status()).as(r.toString()).isEqualTo(201);
                invited.add(email);
            }
            JdbcClient jdbc = JdbcClient.create(nodes.database());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> jdbc.sql("SELECT count(*) FROM mail_outbox WHERE org_id = :org AND status = 'sent'"
                                            + " AND kind = 'invitation'")
                                    .param("org", owner.orgId())
                                    .query(Long.class)
                                    .single()
                            == INVITATIONS);
            // Let both nodes go on polling for a while: nothing is sent twice later either.
            for (int i = 0; i < 20; i++) {
                nodes.node(i % 2).bean(Mail.class).deliverDue(50);
            }
            running.set(false);
            for (Future<?> f : senders) f.get();
            pool.shutdown();

            Map<String, Long> arrived = smtp.received().stream()
                    .filter(m -> m.subject().contains("Two Nodes Co"))
                    .flatMap(m -> m.to().stream())
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(arrived.keySet()).containsExactlyInAnyOrderElementsOf(invited);
            assertThat(arrived.values()).as("each message exactly once").allMatch(n -> n == 1);
            assertThat(jdbc.sql("SELECT sum(attempts) FROM mail_outbox WHERE org_id = :org AND kind = 'invitation'")
                            .param("org", owner.orgId())
                            .query(Long.class)
                            .single())
                    .isEqualTo(INVITATIONS);
        }
    }
}
