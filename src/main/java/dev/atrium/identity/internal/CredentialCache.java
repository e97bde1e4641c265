package dev.atrium.identity.internal;

import dev.atrium.common.KeyId;
import dev.atrium.common.NodeCache;
import dev.atrium.common.NodeCaches;
import dev.atrium.identity.Caller;
import dev.atrium.identity.KeySettings;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Bearer credentials this node has seen, by the SHA-256 digest of the presented secret (never the
 * secret): the caller it stands for and when it expires. Unknown, revoked and expired credentials
 * are not kept, so each is read again. Every change to a credential publishes {@link #TOPIC} with an
 * id it involves (the key's, or its organization's, workspace's or user's), which drops every entry
 * involving that id on every node.
 *
 * <p>{@code last_used_at} is written at most once a minute per credential and node, on a virtual
 * thread of its own, so no request waits for it.
 */
@Component
public class CredentialCache {
    /** Key: an id the changed credentials involve: a key id, an organization, a workspace or a user id. */
    public static final String TOPIC = "identity.credentials";

    private static final Logger log = LoggerFactory.getLogger(CredentialCache.class);
    private final NodeCache<String, Known> cache;
    private final Keys keys;

    /** A credential as cached: its caller, expiry and last recorded use (moved on by this node's touches). */
    private record Known(Caller caller, @Nullable Instant expiresAt, AtomicReference<@Nullable Instant> lastUsedAt) {
        boolean involves(String id) {
            if (caller.credential().value().equals(id)) return true;
            return switch (caller) {
                case Caller.User u -> u.user().value().equals(id);
                case Caller.AdminKey k -> k.org().value().equals(id);
                case Caller.WorkspaceKey k ->
                    k.org().value().equals(id)
                            || k.workspace().value().equals(id)
                            || (k.boundUser() != null && k.boundUser().value().equals(id));
            };
        }
    }

    /** Workspace keys' settings by key id; any change to credentials drops them all (changes are rare). */
    private final NodeCache<KeyId, KeySettings> settings;

    CredentialCache(NodeCaches caches, Keys keys) {
        this.cache = caches.create("credentials");
        this.settings = caches.create("key-settings");
        this.keys = keys;
        caches.feed().subscribeAtCommit(TOPIC, id -> {
            cache.invalidate((digest, known) -> known.involves(id));
            settings.invalidate((key, value) -> true);
        });
    }

    /** A key's settings from this node's cache, else {@code load}ed. */
    public KeySettings settings(KeyId id, java.util.function.Supplier<KeySettings> load) {
        return settings.get(id, k -> load.get());
    }

    /** The caller of a digest, if the credential is known, unrevoked and unexpired at {@code now}. */
    public Optional<Caller> resolve(byte[] digest, boolean personal, Instant now) {
        Known known = cache.get(
                HexFormat.of().formatHex(digest),
                d -> (personal ? keys.resolvePersonal(digest, now) : keys.resolveOrgKey(digest, now))
                        .map(r -> new Known(r.caller(), r.expiresAt(), new AtomicReference<>(r.lastUsedAt())))
                        .orElse(null));
        if (known == null) return Optional.empty();
        if (known.expiresAt() != null && !known.expiresAt().isAfter(now)) return Optional.empty();
        touchIfDue(known, now);
        return Optional.of(known.caller());
    }

    private void touchIfDue(Known known, Instant now) {
        Instant last = known.lastUsedAt().get();
        if (!Keys.touchDue(last, now) || !known.lastUsedAt().compareAndSet(last, now)) return;
        Thread.ofVirtual().name("credential-touch").start(() -> {
            try {
                keys.touch(known.caller(), now);
            } catch (RuntimeException e) {
                // Only a statistic: the next due use records it.
                known.lastUsedAt().compareAndSet(now, last);
                log.debug("could not record the use of {}", known.caller().credential(), e);
            }
        });
    }
}
