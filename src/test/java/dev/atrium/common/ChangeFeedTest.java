package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.support.IntegrationTest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

@IntegrationTest
class ChangeFeedTest {
    @Autowired
    ChangeFeed feed;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void aMessageArrivesWhenItsTransactionCommitsAndNeverWhenItRollsBack() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        feed.subscribe("test.commit", seen::add);
        await().atMost(Duration.ofSeconds(5)).until(feed::listening);
        var tx = new TransactionTemplate(transactions);
        tx.executeWithoutResult(s -> {
            feed.publish("test.commit", "rolled-back");
            s.setRollbackOnly();
        });
        tx.executeWithoutResult(s -> {
            feed.publish("test.commit", "in-transaction");
            // Not before the commit.
            sleep(300);
            assertThat(seen).doesNotContain("in-transaction");
        });
        feed.publish("test.commit", "alone");
        await().atMost(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(seen).containsExactly("in-transaction", "alone"));
    }

    @Test
    void aLostConnectionResyncsAndTheFeedListensAgain() {
        List<String> seen = new CopyOnWriteArrayList<>();
        AtomicInteger resyncs = new AtomicInteger();
        feed.subscribe("test.resync", seen::add);
        feed.onResync(resyncs::incrementAndGet);
        await().atMost(Duration.ofSeconds(5)).until(feed::listening);
        jdbc.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'atrium-change-feed'")
                .query((rs, n) -> 1)
                .list();
        await().atMost(Duration.ofSeconds(5)).until(() -> resyncs.get() >= 2 && feed.listening());
        feed.publish("test.resync", "after");
        await().atMost(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(seen).containsExactly("after"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
