package dev.atrium.gateway.provider.anthropic;

import java.time.Duration;

/**
 * The {@code atrium.providers.anthropic.*} settings.
 *
 * @param baseUrl where the Messages API lives (without {@code /v1}); a call's own base URL wins
 * @param apiKey the installation's key, blank if none; an organization's stored key wins
 * @param version the {@code anthropic-version} header
 * @param defaultMaxTokens {@code max_tokens} when the request names none (Anthropic requires one)
 * @param maxAttempts attempts per call, the first included, while nothing has reached the client
 * @param retryBackoff the wait before the first retry, doubled for each further one
 */
record AnthropicSettings(
        String baseUrl, String apiKey, String version, int defaultMaxTokens, int maxAttempts, Duration retryBackoff) {

    AnthropicSettings {
        if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("atrium.providers.anthropic.default-max-tokens must be at least 1");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("atrium.providers.anthropic.max-attempts must be at least 1");
        }
        if (retryBackoff.isNegative()) {
            throw new IllegalArgumentException("atrium.providers.anthropic.retry-backoff must not be negative");
        }
    }
}
