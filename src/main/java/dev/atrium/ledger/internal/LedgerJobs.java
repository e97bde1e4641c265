package dev.atrium.ledger.internal;

import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.Ledger;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Background settlement, safe on any number of nodes: expired holds are claimed with
 * {@code FOR UPDATE SKIP LOCKED} and resolved by a conditional UPDATE; grant expiry locks the
 * organization's lot cursor.
 */
@Component
class LedgerJobs {
    private static final Logger log = LoggerFactory.getLogger(LedgerJobs.class);
    private final Ledger ledger;
    private final CreditAdmin credits;
    private final Lots lots;
    private final Clock clock;

    LedgerJobs(Ledger ledger, CreditAdmin credits, Lots lots, Clock clock) {
        this.ledger = ledger;
        this.credits = credits;
        this.lots = lots;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${atrium.ledger.sweep-interval:PT15S}", initialDelayString = "PT5S")
    void sweepHolds() {
        int settled;
        do {
            settled = ledger.sweepExpired(200);
            if (settled > 0) log.info("settled {} expired holds", settled);
        } while (settled == 200);
    }

    @Scheduled(fixedDelayString = "${atrium.ledger.expiry-interval:PT60S}", initialDelayString = "PT10S")
    void expireGrants() {
        for (var org : lots.orgsWithDueExpiries(clock.instant())) {
            try {
                credits.expireDue(org);
            } catch (RuntimeException e) {
                log.warn("grant expiry for {} failed; retried next run", org, e);
            }
        }
    }
}
