package dev.atrium.gateway.settle;

import dev.atrium.history.ChatTurn;
import dev.atrium.ledger.LeaseCharge;
import dev.atrium.usage.UsageEvent;
import org.jspecify.annotations.Nullable;

/**
 * What settling one call admitted from a credit lease writes: the charge on the lease, the usage
 * event (whose hold id is the call's reservation id: what makes applying it twice harmless) and,
 * when the workspace keeps history, the chat turn.
 */
public record Settlement(
        LeaseCharge charge, UsageEvent event, @Nullable ChatTurn turn) implements Journaled {}
