package dev.atrium.ledger.internal;

import dev.atrium.common.OrgId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Companion;
import dev.atrium.ledger.HoldId;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.internal.decide.Operation.Resolution;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A caller's ledger call, before the path that applies it has read the funding and locked the rows
 * it is decided against (then it becomes a {@code decide.Operation}).
 */
public sealed interface Call permits Call.Reserve, Call.Resolve {

    /** A new hold, expiring {@code ttl} after it is decided. */
    record Reserve(HoldRequest request, Duration ttl) implements Call {}

    /**
     * A capture (of {@code amount}), void or expiry (charging {@code amount} of recorded progress)
     * of a hold; {@code also}, if any, is written in the same transaction when it is admitted.
     */
    record Resolve(
            OrgId org,
            HoldId hold,
            Resolution resolution,
            long amount,
            Actor actor,
            @Nullable Companion<?> also) implements Call {}
}
