package dev.atrium.gateway.internal;

import dev.atrium.common.OrgId;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Per-organization provider endpoints and keys; keys are stored encrypted and never shown again. */
@Component
public class ProviderCredentials {
    private final JdbcClient jdbc;
    private final SecretBox box;
    private final Clock clock;

    ProviderCredentials(JdbcClient jdbc, SecretBox box, Clock clock) {
        this.jdbc = jdbc;
        this.box = box;
        this.clock = clock;
    }

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
        return jdbc.sql(
                        "SELECT base_url, api_key_encrypted FROM provider_credentials WHERE org_id = :org AND provider = :p")
                .param("org", org.value())
                .param("p", provider)
                .query((rs, n) -> {
                    byte[] sealed = rs.getBytes(2);
                    return new Credential(
                            rs.getString(1), sealed == null ? null : box.open(sealed, context(org, provider)));
                })
                .optional();
    }

    /**
     * The providers for which the organization stored what a call needs: an OpenAI-compatible
     * endpoint or key, an Anthropic key.
     */
    public java.util.Set<String> configured(OrgId org) {
        return java.util.Set.copyOf(
                jdbc.sql("""
                        SELECT provider FROM provider_credentials WHERE org_id = :org
                          AND (api_key_encrypted IS NOT NULL OR (base_url IS NOT NULL AND provider <> 'anthropic'))
                        """).param("org", org.value()).query(String.class).list());
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
        return new View(provider, baseUrl, hint, now);
    }

    public boolean delete(OrgId org, String provider) {
        return jdbc.sql("DELETE FROM provider_credentials WHERE org_id = :org AND provider = :p")
                        .param("org", org.value())
                        .param("p", provider)
                        .update()
                == 1;
    }

    private static String context(OrgId org, String provider) {
        return org.value() + "/" + provider;
    }
}
