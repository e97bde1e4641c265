package dev.atrium.common;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Makes the node's {@link NodeCache}s: {@code atrium.cache.max-entries} entries each (default
 * 10,000), trusted for {@code atrium.cache.ttl} at most (default 60 s: a safety net for a message
 * lost without the connection dropping), emptied whenever the {@link ChangeFeed} may have missed
 * messages, and bypassed while it is not listening or when {@code atrium.cache.enabled=false}.
 */
@Component
public class NodeCaches {
    private final ChangeFeed feed;
    private final Duration ttl;
    private final int maxEntries;
    private final boolean enabled;
    private final List<NodeCache<?, ?>> caches = new CopyOnWriteArrayList<>();

    NodeCaches(
            ChangeFeed feed,
            @Value("${atrium.cache.ttl:PT60S}") Duration ttl,
            @Value("${atrium.cache.max-entries:10000}") int maxEntries,
            @Value("${atrium.cache.enabled:true}") boolean enabled) {
        this.feed = feed;
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.enabled = enabled;
    }

    /** A new cache; its owner subscribes to the topics that invalidate it. */
    public <K, V> NodeCache<K, V> create(String name) {
        NodeCache<K, V> cache = new NodeCache<>(name, maxEntries, ttl, () -> enabled && feed.listening());
        feed.onResync(cache::clear);
        caches.add(cache);
        return cache;
    }

    /** The feed the caches listen to, for their owners' subscriptions. */
    public ChangeFeed feed() {
        return feed;
    }

    public List<NodeCache<?, ?>> all() {
        return List.copyOf(caches);
    }

    /** Drops everything every cache holds. */
    public void clearAll() {
        caches.forEach(NodeCache::clear);
    }
}
