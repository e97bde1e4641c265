package dev.atrium.ledger;

/** The response of a request run under an {@code Idempotency-Key}, and whether it is a replay of an earlier one. */
public record Idempotent<T>(T value, boolean replayed) {}
