package dev.atrium.ledger;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.internal.PlanMoves;
import dev.atrium.organization.OrgAccess;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The organization's subscription plan. Changing it (which issues the month's grant) needs the
 * owner, admin or billing role and is audited; the periodic grants and refills run inside the
 * ledger module.
 */
@Service
public class Plans {
    private final PlanMoves plans;
    private final AuditLog audit;

    Plans(PlanMoves plans, AuditLog audit) {
        this.plans = plans;
        this.audit = audit;
    }

    @Transactional(readOnly = true)
    public Optional<Subscription> subscription(OrgId org) {
        return plans.subscription(org);
    }

    /** Sets the plan and issues the current month's grant if it has not been issued yet. */
    @Transactional
    public SubscriptionView subscribe(OrgAccess a, Credits monthly, boolean rollover) {
        a.requireSeesAll();
        var before = plans.subscription(a.org()).map(SubscriptionView::of).orElse(null);
        var after = SubscriptionView.of(plans.subscribe(a.org(), monthly, rollover, Actor.of(a.caller())));
        audit.record(
                a.org(),
                a.caller(),
                "subscription.updated",
                "organization",
                a.org().value(),
                before,
                after);
        return after;
    }

    @Transactional
    public void cancel(OrgAccess a) {
        a.requireSeesAll();
        plans.cancel(a.org());
        audit.record(
                a.org(),
                a.caller(),
                "subscription.cancelled",
                "organization",
                a.org().value(),
                null,
                null);
    }
}
