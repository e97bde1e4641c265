package dev.atrium.common;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What a request would otherwise read from PostgreSQL, kept on this node: bounded in size, each
 * entry trusted for a safety TTL at most, and dropped by its owner when a {@link ChangeFeed} message
 * says it changed. Made by {@link NodeCaches}, which also empties it when the feed may have missed
 * messages.
 *
 * <p>A load that overlaps an invalidation is answered but not kept: each invalidation bumps a
 * generation, and a value read under an older generation may predate the change. So an entry can be
 * stale only until the change's message arrives. While the feed is not listening the cache is
 * bypassed altogether. Absent values ({@code null} from the loader) are never kept. Inside a
 * read-write transaction it is bypassed too: what that transaction reads may be its own uncommitted
 * change, and what the cache holds may predate it.
 */
public final class NodeCache<K, V> {
    private final String name;
    private final int maxEntries;
    private final long ttlNanos;
    private final BooleanSupplier trusted;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final LongAdder hits = new LongAdder();
    private final LongAdder loads = new LongAdder();

    private record Entry<V>(V value, long loadedAt) {}

    NodeCache(String name, int maxEntries, Duration ttl, BooleanSupplier trusted) {
        if (maxEntries < 1) throw new IllegalArgumentException("maxEntries must be positive");
        this.name = name;
        this.maxEntries = maxEntries;
        this.ttlNanos = ttl.toNanos();
        this.trusted = trusted;
    }

    /**
     * The cached value of {@code key}, or what {@code loader} reads now (kept unless it is {@code
     * null} or an invalidation ran meanwhile). The loader's exceptions pass through; nothing is kept.
     */
    public @Nullable V get(K key, Function<? super K, ? extends @Nullable V> loader) {
        if (!trusted.getAsBoolean() || writing()) {
            loads.increment();
            return loader.apply(key);
        }
        long now = System.nanoTime();
        Entry<V> cached = entries.get(key);
        if (cached != null) {
            if (now - cached.loadedAt() < ttlNanos) {
                hits.increment();
                return cached.value();
            }
            entries.remove(key, cached);
        }
        loads.increment();
        long before = generation.get();
        V value = loader.apply(key);
        if (value != null && generation.get() == before) {
            if (entries.size() >= maxEntries) makeRoom(now);
            Entry<V> entry = new Entry<>(value, now);
            entries.put(key, entry);
            // An invalidation that ran between the check and the put may have missed this entry.
            if (generation.get() != before) entries.remove(key, entry);
        }
        return value;
    }

    /** Drops the entries {@code which} selects. */
    public void invalidate(BiPredicate<? super K, ? super V> which) {
        generation.incrementAndGet();
        entries.entrySet().removeIf(e -> which.test(e.getKey(), e.getValue().value()));
    }

    /** Drops the entry of {@code key}. */
    public void invalidate(K key) {
        generation.incrementAndGet();
        entries.remove(key);
    }

    /** Drops everything. */
    public void clear() {
        generation.incrementAndGet();
        entries.clear();
    }

    public String name() {
        return name;
    }

    public int size() {
        return entries.size();
    }

    /** Answers served from memory. */
    public long hits() {
        return hits.sum();
    }

    /** Answers read through the loader. */
    public long loads() {
        return loads.sum();
    }

    private static boolean writing() {
        return TransactionSynchronizationManager.isActualTransactionActive()
                && !TransactionSynchronizationManager.isCurrentTransactionReadOnly();
    }

    /** Expired entries first; if the cache is still full, an arbitrary tenth of it. */
    private void makeRoom(long now) {
        entries.values().removeIf(e -> now - e.loadedAt() >= ttlNanos);
        int excess = entries.size() - maxEntries + Math.max(1, maxEntries / 10);
        Iterator<K> keys = entries.keySet().iterator();
        while (excess-- > 0 && keys.hasNext()) {
            keys.next();
            keys.remove();
        }
    }
}
