package dev.atrium.gateway;

import dev.atrium.common.Credits;

/**
 * How a streamed chat turn ended: the credits captured by the ledger, the tokens they were priced
 * on, the time it took and its status ({@code ok}, {@code partial} when cut, {@code void} when
 * nothing was delivered).
 */
public record ChatOutcome(Credits charged, long inputTokens, long outputTokens, long latencyMs, String status) {}
