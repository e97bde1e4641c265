package dev.atrium.gateway.internal;

import dev.atrium.common.ChangeFeed;
import dev.atrium.common.NodeCache;
import dev.atrium.common.NodeCaches;
import dev.atrium.common.OrgId;
import dev.atrium.common.SecretBox;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Per-organization provider endpoints and keys; keys are stored encrypted and never shown again.
 * What calls use is read once per organization and kept on the node ({@link NodeCache}); a change
 * publishes {@link #TOPIC}, which drops it on every node.
 */
@Component
public class ProviderCredentials {
    /** {@link ChangeFeed} topic of changes to an organization's provider credentials; the key is its id. */
    public static final String TOPIC = "gateway.provider-credentials";

    private final JdbcClient jdbc;
    private final SecretBox box;
    private final Clock clock;
    private final ChangeFeed changes;
    private final NodeCache<OrgId, Own> cache;

    ProviderCredentials(JdbcClient jdbc, SecretBox box, Clock clock, NodeCaches caches) {
        this.jdbc = jdbc;
        this.box = box;
        this.clock = clock;
        this.changes = caches.feed();
        this.cache = caches.create("provider-credentials");
        changes.subscribeAtCommit(TOPIC, org -> cache.invalidate(new OrgId(org)));
    }

    /**
     * An organization's credentials by provider (keys still sealed: opened per call, so that a key
     * that cannot be opened fails only its provider's calls, and no plain key stays in memory), and
     * the providers they let run.
     */
    private record Own(Map<String, Sealed> byProvider, Set<String> configured) {}

    private record Sealed(@Nullable String baseUrl, byte @Nullable [] apiKey) {}

    /** What may be shown: the endpoint and the key's last characters. */
    public record View(
            String provider,
            @Nullable String baseUrl,
            @Nullable String keyHint,
            Instant updatedAt) {}

    /** What a call uses. */
    public record Credential(
            @Nullable String baseUrl, @Nullable String apiKey) {}

    public Optional<Credential> find(OrgId org, String provider) {
        return Optional.ofNullable(own(org).byProvider().get(provider))
                .map(s -> new Credential(
                        s.baseUrl(), s.apiKey() == null ? null : box.open(s.apiKey(), context(org, provider))));
    }

    /**
     * The providers for which the organization stored what a call needs: an OpenAI-compatible
     * endpoint or key, an Anthropic key.
     */
    public Set<String> configured(OrgId org) {
        return own(org).configured();
    }

    private Own own(OrgId org) {
        Own own = cache.get(org, this::load);
        return own == null ? new Own(Map.of(), Set.of()) : own;
    }

    private Own load(OrgId org) {
        Map<String, Sealed> byProvider = new HashMap<>();
        Set<String> configured = new HashSet<>();
        jdbc.sql("SELECT provider, base_url, api_key_encrypted FROM provider_credentials WHERE org_id = :org")
                .param("org", org.value())
                .query(rs -> {
                    String provider = rs.getString(1);
                    String baseUrl = rs.getString(2);
                    byte[] sealed = rs.getBytes(3);
                    byProvider.put(provider, new Sealed(baseUrl, sealed));
                    if (sealed != null || (baseUrl != null && !provider.equals("anthropic"))) configured.add(provider);
                });
        return new Own(Map.copyOf(byProvider), Set.copyOf(configured));
    }

    public List<View> list(OrgId org) {
        return jdbc.sql(
                        "SELECT provider, base_url, key_hint, updated_at FROM provider_credentials WHERE org_id = :org ORDER BY provider")
                .param("org", org.value())
                .query((rs, n) -> new View(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant()))
                .list();
    }

    public View put(OrgId org, String provider, @Nullable String baseUrl, @Nullable String apiKey) {
        Instant now = clock.instant();
        String hint = apiKey == null ? null : "…" + apiKey.substring(Math.max(0, apiKey.length() - 4));
        jdbc.sql("""
                        INSERT INTO provider_credentials (org_id, provider, base_url, api_key_encrypted, key_hint, updated_at)
                        VALUES (:org, :p, :url, :key, :hint, :at)
                        ON CONFLICT (org_id, provider) DO UPDATE SET base_url = EXCLUDED.base_url,
                          api_key_encrypted = EXCLUDED.api_key_encrypted, key_hint = EXCLUDED.key_hint, updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("p", provider)
                .param("url", baseUrl)
                .param("key", apiKey == null ? null : box.seal(apiKey, context(org, provider)))
                .param("hint", hint)
                .param("at", Timestamp.from(now))
                .update();
        changes.publish(TOPIC, org.value());
        return new View(provider, baseUrl, hint, now);
    }

    public boolean delete(OrgId org, String provider) {
        boolean deleted = jdbc.sql("DELETE FROM provider_credentials WHERE org_id = :org AND provider = :p")
                        .param("org", org.value())
                        .param("p", provider)
                        .update()
                == 1;
        changes.publish(TOPIC, org.value());
        return deleted;
    }

    private static String context(OrgId org, String provider) {
        return org.value() + "/" + provider;
    }
}
