package dev.atrium.gateway.provider;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What a provider needs to know about one call besides the request body: the upstream model name,
 * the organization's own credential for the provider if it stored one, and the timeouts to apply.
 */
public record ProviderCall(
        String upstreamModel,
        @Nullable String apiKey,
        @Nullable String baseUrl,
        Duration connectTimeout,
        Duration firstByteTimeout,
        Duration idleTimeout) {}
