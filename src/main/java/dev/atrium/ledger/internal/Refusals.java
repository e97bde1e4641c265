package dev.atrium.ledger.internal;

import dev.atrium.common.ApiException;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.InsufficientCredits;
import dev.atrium.ledger.Period;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/** Why the ledger refuses a hold or a resolution: one wording for every path that decides it. */
public final class Refusals {
    private Refusals() {}

    public static ApiException archived() {
        return new ApiException(
                HttpStatus.FORBIDDEN, "workspace_archived", "The workspace is archived: no AI activity.");
    }

    public static InsufficientCredits workspaceLimit(Period period) {
        return new InsufficientCredits("The workspace's spend limit for this " + period.wire() + " would be exceeded.");
    }

    public static InsufficientCredits memberLimit(Period period) {
        return new InsufficientCredits("The member's spend limit for this " + period.wire() + " would be exceeded.");
    }

    public static InsufficientCredits budget() {
        return new InsufficientCredits("The workspace's budget has not enough credits.");
    }

    public static InsufficientCredits budgetAndPool() {
        return new InsufficientCredits("The workspace's budget and the organization's pool have not enough credits.");
    }

    public static InsufficientCredits pool() {
        return new InsufficientCredits("The organization's credit pool has not enough credits.");
    }

    /**
     * Why the hold cannot be resolved now with {@code captured} credits (409 {@code hold_resolved},
     * 409 {@code hold_expired}, 422 {@code capture_exceeds_hold}, checked in that order); null when it can.
     */
    public static @Nullable ApiException resolution(Hold h, long captured, Instant now) {
        if (!"held".equals(h.status())) {
            return ApiException.conflict("hold_resolved", "The hold is already " + h.status() + ".");
        }
        if (!h.expiresAt().isAfter(now)) {
            return ApiException.conflict("hold_expired", "The hold expired at " + h.expiresAt() + ".");
        }
        if (captured > h.amount().micros()) {
            return new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "capture_exceeds_hold",
                    "The capture exceeds the held amount of " + h.amount() + ".",
                    "amount");
        }
        return null;
    }
}
