package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NodeCacheTest {
    private final AtomicBoolean listening = new AtomicBoolean(true);
    private final AtomicInteger reads = new AtomicInteger();

    private NodeCache<String, String> cache(int max, Duration ttl) {
        return new NodeCache<>("test", max, ttl, listening::get);
    }

    private String read(String key) {
        reads.incrementAndGet();
        return key.toUpperCase(java.util.Locale.ROOT);
    }

    @Test
    void aValueIsReadOnceAndThenServedFromMemory() {
        var cache = cache(10, Duration.ofMinutes(1));
        assertThat(cache.get("a", this::read)).isEqualTo("A");
        assertThat(cache.get("a", this::read)).isEqualTo("A");
        assertThat(reads).hasValue(1);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(cache.loads()).isEqualTo(1);
    }

    @Test
    void anInvalidatedEntryIsReadAgain() {
        var cache = cache(10, Duration.ofMinutes(1));
        cache.get("a", this::read);
        cache.get("b", this::read);
        cache.invalidate((k, v) -> v.equals("A"));
        cache.get("a", this::read);
        cache.get("b", this::read);
        assertThat(reads).hasValue(3);
        cache.invalidate("b");
        cache.get("b", this::read);
        cache.clear();
        cache.get("a", this::read);
        assertThat(reads).hasValue(5);
    }

    @Test
    void aReadThatOverlapsAnInvalidationIsAnsweredButNotKept() {
        var cache = cache(10, Duration.ofMinutes(1));
        // The change commits (and its message arrives) while the old value is being read.
        String stale = cache.get("a", k -> {
            cache.invalidate((key, v) -> true);
            return "old";
        });
        assertThat(stale).isEqualTo("old");
        assertThat(cache.size()).isZero();
        assertThat(cache.get("a", this::read)).isEqualTo("A");
    }

    @Test
    void absentValuesAreNeverKept() {
        var cache = cache(10, Duration.ofMinutes(1));
        AtomicInteger misses = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            assertThat(cache.get("a", k -> {
                        misses.incrementAndGet();
                        return null;
                    }))
                    .isNull();
        }
        assertThat(misses).hasValue(3);
    }

    @Test
    void entriesAreTrustedForTheSafetyTtlOnly() throws InterruptedException {
        var cache = cache(10, Duration.ofMillis(50));
        cache.get("a", this::read);
        Thread.sleep(80);
        cache.get("a", this::read);
        assertThat(reads).hasValue(2);
    }

    @Test
    void theCacheStaysWithinItsBound() {
        var cache = cache(100, Duration.ofMinutes(1));
        for (int i = 0; i < 1_000; i++) cache.get("k" + i, this::read);
        assertThat(cache.size()).isLessThanOrEqualTo(100);
        assertThat(cache.get("k999", this::read)).isEqualTo("K999");
    }

    @Test
    void whileTheFeedDoesNotListenEveryReadGoesToTheDatabase() {
        var cache = cache(10, Duration.ofMinutes(1));
        listening.set(false);
        cache.get("a", this::read);
        cache.get("a", this::read);
        assertThat(reads).hasValue(2);
        assertThat(cache.size()).isZero();
        listening.set(true);
        cache.get("a", this::read);
        cache.get("a", this::read);
        assertThat(reads).hasValue(3);
    }
}
