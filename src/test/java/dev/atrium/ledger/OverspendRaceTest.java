package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.assertInvariant;
import static dev.atrium.ledger.LedgerTestSupport.concurrently;
import static dev.atrium.ledger.LedgerTestSupport.credits;
import static dev.atrium.ledger.LedgerTestSupport.org;
import static dev.atrium.ledger.LedgerTestSupport.ws;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * OVERSPEND-RACE: concurrent holds never admit more than a budget or a limit allows. Half of the
 * holds run inside a transaction of their own (one at a time, as inside an idempotent request) and
 * half outside one (combined into batches), so both paths race each other on the same rows.
 */
@IntegrationTest
class OverspendRaceTest extends LedgerTestBase {
    private static final int REPETITIONS = 20;
    private static final int HOLDS = 200;

    @Autowired
    PlatformTransactionManager transactions;

    /** Runs the hold inside a caller's transaction for even {@code i}, combined for odd. */
    private void hold(int i, HoldRequest request) {
        if (i % 2 == 0) {
            new TransactionTemplate(transactions).executeWithoutResult(tx -> ledger.holdInTransaction(request));
        } else {
            ledger.hold(request);
        }
    }

    private int admitted(OrgId org, WorkspaceId ws, UserId user, int count) throws Exception {
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = i;
            tasks.add(() -> {
                try {
                    hold(n, new HoldRequest(org, ws, user, credits("10"), Category.CHAT, "m", null, Actor.SYSTEM));
                    return true;
                } catch (InsufficientCredits e) {
                    return false;
                }
            });
        }
        return (int) concurrently(32, tasks).stream().filter(b -> b).count();
    }

    @Test
    void aBudgetOf1000AdmitsExactly100HoldsOf10Among200Concurrent() throws Exception {
        var t = fixtures.tenant("Race Budget");
        OrgId org = org(t);
        admin.grant(org, credits("100000"), "purchase", null, null, Actor.SYSTEM);
        UserId user = new UserId(t.owner().userId());
        for (int rep = 0; rep < REPETITIONS; rep++) {
            WorkspaceId ws = ws(fixtures.workspace(t, "budget " + rep));
            admin.setFunding(org, ws, new Funding(Funding.Mode.BUDGET, null, null, false, null), Actor.SYSTEM);
            admin.allocate(org, ws, credits("1000"), Actor.SYSTEM);
            assertThat(admitted(org, ws, user, HOLDS)).as("repetition %d", rep).isEqualTo(100);
        }
        assertInvariant(reports, org);
    }

    @Test
    void aPoolSpendLimitOf1000AdmitsExactly100() throws Exception {
        var t = fixtures.tenant("Race Limit");
        OrgId org = org(t);
        admin.grant(org, credits("1000000"), "purchase", null, null, Actor.SYSTEM);
        UserId user = new UserId(t.owner().userId());
        for (int rep = 0; rep < REPETITIONS; rep++) {
            WorkspaceId ws = ws(fixtures.workspace(t, "limit " + rep));
            admin.setFunding(
                    org,
                    ws,
                    new Funding(Funding.Mode.POOL, new Funding.Limit(credits("1000"), Period.DAY), null, false, null),
                    Actor.SYSTEM);
            assertThat(admitted(org, ws, user, HOLDS)).as("repetition %d", rep).isEqualTo(100);
        }
        assertInvariant(reports, org);
    }

    @Test
    void aMemberLimitOf1000AdmitsExactly100() throws Exception {
        var t = fixtures.tenant("Race Member");
        OrgId org = org(t);
        admin.grant(org, credits("1000000"), "purchase", null, null, Actor.SYSTEM);
        for (int rep = 0; rep < REPETITIONS; rep++) {
            WorkspaceId ws = ws(fixtures.workspace(t, "member " + rep));
            var member = fixtures.addMember(t, "member", ws.value());
            admin.setFunding(
                    org,
                    ws,
                    new Funding(Funding.Mode.POOL, null, new Funding.Limit(credits("1000"), Period.MONTH), false, null),
                    Actor.SYSTEM);
            assertThat(admitted(org, ws, new UserId(member.userId()), HOLDS))
                    .as("repetition %d", rep)
                    .isEqualTo(100);
        }
        assertInvariant(reports, org);
    }

    @Test
    void tenPoolWorkspacesRacingForAPoolOf1000NeverDriveItNegative() throws Exception {
        var t = fixtures.tenant("Race Pool");
        OrgId org = org(t);
        admin.grant(org, credits("1000"), "purchase", null, null, Actor.SYSTEM);
        UserId user = new UserId(t.owner().userId());
        List<WorkspaceId> workspaces = new ArrayList<>();
        for (int i = 0; i < 10; i++) workspaces.add(ws(fixtures.workspace(t, "pool " + i)));
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            WorkspaceId ws = workspaces.get(i % 10);
            int n = i;
            tasks.add(() -> {
                try {
                    hold(n, new HoldRequest(org, ws, user, credits("10"), Category.IMAGE, null, null, Actor.SYSTEM));
                    return true;
                } catch (InsufficientCredits e) {
                    return false;
                }
            });
        }
        assertThat(concurrently(32, tasks).stream().filter(b -> b).count()).isEqualTo(100);
        var overview = reports.overview(org);
        assertThat(overview.pool().available().micros()).isZero();
        assertThat(overview.pool().held()).isEqualTo(credits("1000"));
        assertInvariant(reports, org);
    }
}
