package dev.atrium.ledger.internal;

import dev.atrium.common.ExclusiveJobs;
import dev.atrium.ledger.Alerts;
import dev.atrium.ledger.Ledger;
import dev.atrium.ledger.Webhooks;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The ledger's background work. Each job runs on one node at a time ({@link ExclusiveJobs}: every
 * node schedules it, the one holding its advisory lock runs it, another takes over when that node
 * stops). Each is also safe if two runs overlapped: expired holds are claimed with {@code FOR
 * UPDATE SKIP LOCKED} and resolved by a conditional UPDATE; grant expiry locks the organization's
 * lot cursor; subscription grants and refills run once per period by key.
 */
@Component
@org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(
        name = "atrium.jobs.enabled",
        havingValue = "true",
        matchIfMissing = true)
class LedgerJobs {
    private static final Logger log = LoggerFactory.getLogger(LedgerJobs.class);
    private final Ledger ledger;
    private final CreditMoves credits;
    private final Lots lots;
    private final PlanMoves plans;
    private final FundingRows funding;
    private final Alerts alerts;
    private final Webhooks webhooks;
    private final Clock clock;
    private final ExclusiveJobs jobs;

    LedgerJobs(
            Ledger ledger,
            CreditMoves credits,
            Lots lots,
            PlanMoves plans,
            FundingRows funding,
            Alerts alerts,
            Webhooks webhooks,
            Clock clock,
            ExclusiveJobs jobs) {
        this.jobs = jobs;
        this.alerts = alerts;
        this.webhooks = webhooks;
        this.ledger = ledger;
        this.credits = credits;
        this.lots = lots;
        this.plans = plans;
        this.funding = funding;
        this.clock = clock;
    }

    /** Subscription grants and budget refills of the current periods (each runs once per period). */
    @Scheduled(fixedDelayString = "${atrium.ledger.plan-interval:PT60S}", initialDelayString = "PT3S")
    void periodic() {
        jobs.run("ledger.plans", this::periodicNow);
    }

    private void periodicNow() {
        for (var org : plans.subscribed()) {
            try {
                plans.issueSubscriptionGrant(org, dev.atrium.ledger.Actor.SYSTEM);
            } catch (RuntimeException e) {
                log.warn("subscription grant for {} failed; retried next run", org, e);
            }
        }
        for (var org : funding.orgsWithRefills()) {
            try {
                plans.refill(org);
            } catch (RuntimeException e) {
                log.warn("budget refill for {} failed; retried next run", org, e);
            }
        }
    }

    @Scheduled(fixedDelayString = "${atrium.ledger.sweep-interval:PT15S}", initialDelayString = "PT5S")
    void sweepHolds() {
        jobs.run("ledger.sweep-holds", this::sweepHoldsNow);
    }

    private void sweepHoldsNow() {
        int settled;
        do {
            settled = ledger.sweepExpired(200);
            if (settled > 0) log.info("settled {} expired holds", settled);
        } while (settled == 200);
    }

    @Scheduled(fixedDelayString = "${atrium.ledger.expiry-interval:PT60S}", initialDelayString = "PT10S")
    void expireGrants() {
        jobs.run("ledger.expire-grants", this::expireGrantsNow);
    }

    private void expireGrantsNow() {
        for (var org : lots.orgsWithDueExpiries(clock.instant())) {
            try {
                credits.expireDue(org);
            } catch (RuntimeException e) {
                log.warn("grant expiry for {} failed; retried next run", org, e);
            }
        }
    }

    @Scheduled(fixedDelayString = "${atrium.alerts.interval:PT30S}", initialDelayString = "PT7S")
    void evaluateAlerts() {
        jobs.run("ledger.alerts", this::evaluateAlertsNow);
    }

    private void evaluateAlertsNow() {
        for (var org : alerts.configured()) {
            try {
                alerts.evaluate(org);
            } catch (RuntimeException e) {
                log.warn("alert evaluation for {} failed; retried next run", org, e);
            }
        }
    }

    @Scheduled(fixedDelayString = "${atrium.webhooks.interval:PT5S}", initialDelayString = "PT5S")
    void deliverWebhooks() {
        jobs.run("ledger.webhooks", this::deliverWebhooksNow);
    }

    private void deliverWebhooksNow() {
        // One delivery per endpoint per round (each endpoint's in order): keep going while some
        // were sent, within a bound so that a run always ends.
        for (int round = 0; round < 200 && webhooks.deliverDue(50) > 0; round++) {
            // next round: each endpoint's next delivery
        }
    }
}
