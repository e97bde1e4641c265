package dev.atrium.ledger.internal.decide;

import dev.atrium.common.ApiException;
import dev.atrium.ledger.Hold;

/** What {@link Rules#decide} answers: the operation's effects, or why it is refused (then nothing changes). */
public sealed interface Outcome permits Outcome.Decided, Outcome.Refused {

    /** Admitted: {@code effects} were applied to the state, and are to be written. */
    record Decided(Effects effects) implements Outcome {
        /** The new hold, or the hold as settled: what the caller gets back. */
        public Hold hold() {
            HoldRow row = effects.hold();
            if (row == null) throw new IllegalStateException("a lease's operation decides no hold");
            return row.hold();
        }
    }

    /**
     * Refused with {@code refusal}: 402 {@code insufficient_credits}, 403 {@code
     * workspace_archived}, 404, 409 {@code hold_resolved} / {@code hold_expired}, 422.
     */
    record Refused(ApiException refusal) implements Outcome {}
}
