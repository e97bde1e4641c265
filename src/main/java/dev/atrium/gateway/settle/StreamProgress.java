package dev.atrium.gateway.settle;

import dev.atrium.common.Credits;
import dev.atrium.ledger.LeaseCharge;
import dev.atrium.usage.UsageEvent;

/**
 * How far a stream admitted from a credit lease has got: what it would be charged were it cut now
 * (its charge on the lease, and its usage event with status {@code partial}, both under the call's
 * reservation id), and the most it was admitted for. Journaled about once a second while the
 * stream relays; only the last one of a stream whose own {@link Settlement} never came is applied,
 * at the next start.
 */
public record StreamProgress(LeaseCharge charge, UsageEvent event, long admitted) implements Journaled {
    public StreamProgress {
        if (!charge.reservation().equals(event.holdId()))
            throw new IllegalArgumentException("a stream's charge and usage event carry its one reservation id");
        if (admitted <= 0) throw new IllegalArgumentException("a stream is admitted for more than nothing");
    }

    /** The reservation id of the stream. */
    public String reservation() {
        return charge.reservation();
    }

    /** The settlement of a stream cut here: this progress, never more than was admitted. */
    public Settlement asSettlement() {
        long micros = Math.min(charge.micros(), admitted);
        if (micros == charge.micros()) return new Settlement(charge, event, null);
        LeaseCharge c = new LeaseCharge(
                charge.org(),
                charge.workspace(),
                charge.user(),
                charge.category(),
                charge.lease(),
                charge.reservation(),
                micros,
                charge.actor());
        UsageEvent e = new UsageEvent(
                event.id(),
                event.org(),
                event.workspace(),
                event.user(),
                event.key(),
                event.model(),
                event.provider(),
                event.category(),
                event.operation(),
                event.inputUnits(),
                event.outputUnits(),
                Credits.ofMicros(micros),
                event.latencyMs(),
                event.status(),
                event.holdId(),
                event.requestId(),
                event.source(),
                event.occurredAt());
        return new Settlement(c, e, null);
    }
}
