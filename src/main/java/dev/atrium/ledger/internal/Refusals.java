package dev.atrium.ledger.internal;

import dev.atrium.common.ApiException;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.InsufficientCredits;
import dev.atrium.ledger.Period;
import org.springframework.http.HttpStatus;

/**
 * How the ledger words a refusal of a hold or a settlement; when each applies is decided in one place,
 * {@code decide.Rules}.
 */
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

    /** 409 {@code hold_resolved}: a hold resolves once. */
    public static ApiException resolved(Hold h) {
        return ApiException.conflict("hold_resolved", "The hold is already " + h.status() + ".");
    }

    /** 409 {@code hold_expired}: past its expiry, only the sweeper settles a hold. */
    public static ApiException expired(Hold h) {
        return ApiException.conflict("hold_expired", "The hold expired at " + h.expiresAt() + ".");
    }

    /** 422 {@code capture_exceeds_hold}. */
    public static ApiException exceedsHold(Hold h) {
        return new ApiException(
                HttpStatus.UNPROCESSABLE_CONTENT,
                "capture_exceeds_hold",
                "The capture exceeds the held amount of " + h.amount() + ".",
                "amount");
    }

    /** 409 {@code hold_open}: the sweeper found a hold that has not expired (it never asks for one). */
    public static ApiException notExpired(Hold h) {
        return ApiException.conflict("hold_open", "The hold expires at " + h.expiresAt() + ".");
    }
}
