package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.credits;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.internal.CreditMoves;
import dev.atrium.support.Fixtures;
import java.util.ArrayList;
import java.util.List;

/**
 * An organization with ten workspaces funded every way the ledger knows: pool, pool with a
 * workspace (and member) spend limit, budget, budget overflowing to the pool, budget with a limit.
 */
record MixedOrg(Fixtures.Tenant tenant, OrgId org, UserId owner, List<WorkspaceId> workspaces, List<Funding> fundings) {

    static final List<Funding> FUNDINGS = List.of(
            Funding.POOL,
            Funding.POOL,
            new Funding(Funding.Mode.POOL, new Funding.Limit(credits("2000"), Period.DAY), null, false, null),
            new Funding(
                    Funding.Mode.POOL,
                    new Funding.Limit(credits("5000"), Period.MONTH),
                    new Funding.Limit(credits("300"), Period.DAY),
                    false,
                    null),
            budget(false),
            budget(false),
            budget(true),
            budget(true),
            new Funding(Funding.Mode.BUDGET, new Funding.Limit(credits("1500"), Period.DAY), null, false, null),
            new Funding(Funding.Mode.BUDGET, new Funding.Limit(credits("2500"), Period.WEEK), null, true, null));

    static Funding budget(boolean overflow) {
        return new Funding(Funding.Mode.BUDGET, null, null, overflow, null);
    }

    /** A tenant granted {@code pool} credits, with every budget workspace allocated {@code allocation}. */
    static MixedOrg create(Fixtures fixtures, CreditMoves admin, String name, String pool, String allocation) {
        var t = fixtures.tenant(name);
        OrgId org = new OrgId(t.orgId());
        admin.grant(org, credits(pool), "purchase", null, "opening balance", Actor.SYSTEM);
        List<WorkspaceId> workspaces = new ArrayList<>();
        for (int i = 0; i < FUNDINGS.size(); i++) {
            WorkspaceId ws = new WorkspaceId(fixtures.workspace(t, name + " ws" + i));
            Funding f = FUNDINGS.get(i);
            admin.setFunding(org, ws, f, Actor.SYSTEM);
            if (f.mode() == Funding.Mode.BUDGET) admin.allocate(org, ws, credits(allocation), Actor.SYSTEM);
            workspaces.add(ws);
        }
        return new MixedOrg(t, org, new UserId(t.owner().userId()), List.copyOf(workspaces), FUNDINGS);
    }

    boolean budget(int i) {
        return fundings.get(i).mode() == Funding.Mode.BUDGET;
    }
}
