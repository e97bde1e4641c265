package dev.atrium.ledger.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.Ids;
import dev.atrium.common.WorkspaceId;
import org.jspecify.annotations.Nullable;

/** Parsing of amounts and ids in credit requests, with errors that name the field. */
final class Amounts {
    private static final long MAX = 1_000_000_000_000L * Credits.MICROS_PER_CREDIT / 1_000; // 10^9 credits

    private Amounts() {}

    static Credits positive(@Nullable String value, String field) {
        if (value == null || value.isBlank()) throw ApiException.invalid(field, field + " is required.");
        Credits amount;
        try {
            amount = Credits.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, field + " must be a decimal amount with at most 6 decimal places.");
        }
        if (amount.micros() <= 0) throw ApiException.invalid(field, field + " must be greater than 0.");
        if (amount.micros() > MAX) throw ApiException.invalid(field, field + " is larger than 1,000,000,000 credits.");
        return amount;
    }

    static Credits nonNegative(@Nullable String value, String field) {
        if (value == null || value.isBlank()) throw ApiException.invalid(field, field + " is required.");
        try {
            Credits amount = Credits.parse(value);
            if (amount.isNegative()) throw ApiException.invalid(field, field + " must not be negative.");
            return amount;
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, field + " must be a decimal amount with at most 6 decimal places.");
        }
    }

    static WorkspaceId workspace(@Nullable String value, String field) {
        if (value == null) throw ApiException.invalid(field, field + " is required.");
        if (!Ids.isValid(value, WorkspaceId.PREFIX)) throw ApiException.invalid(field, "No such workspace.");
        return new WorkspaceId(value);
    }
}
