package dev.atrium.ledger;

import dev.atrium.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.Trigger;

/**
 * The ledger tests' own application: time comes from a {@link MutableClock}, and the background
 * jobs (sweeper, grant expiry, refills) never fire on their own, so a test decides when each runs
 * and a reference model can predict every balance.
 */
@TestConfiguration(proxyBeanMethods = false)
public class LedgerTestConfiguration {

    @Bean
    @Primary
    MutableClock mutableClock() {
        return new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    @Bean(destroyMethod = "shutdown")
    @Primary
    IdleScheduler taskScheduler() {
        return new IdleScheduler();
    }

    /** Accepts every {@code @Scheduled} task and never runs it. */
    static final class IdleScheduler implements TaskScheduler {
        private final ScheduledExecutorService never = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "idle-scheduler");
            t.setDaemon(true);
            return t;
        });

        private ScheduledFuture<?> idle() {
            return never.schedule(() -> {}, 3650, TimeUnit.DAYS);
        }

        void shutdown() {
            never.shutdownNow();
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable task, Trigger trigger) {
            return idle();
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable task, Instant startTime) {
            return idle();
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Instant startTime, Duration period) {
            return idle();
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration period) {
            return idle();
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Instant startTime, Duration delay) {
            return idle();
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Duration delay) {
            return idle();
        }
    }
}
