package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.credits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.workspace.WorkspaceService;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;

/**
 * The ledger's exported services guard credit movements themselves: a caller in another module
 * that calls {@link CreditAdmin} or {@link Plans} directly is checked, runs under idempotency and
 * is audited exactly as the API is.
 */
@IntegrationTest
class CreditAdminGuardTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    Access access;

    @Autowired
    WorkspaceService workspaces;

    @Autowired
    CreditAdmin credits;

    @Autowired
    Plans plans;

    @Autowired
    CreditReports reports;

    private static Caller user(Fixtures.Person p) {
        return new Caller.User(new UserId(p.userId()), KeyId.next());
    }

    /** The organization's audit actions of credit movements, funding and plan changes, oldest first. */
    private static List<String> creditAudit(Api owner, Fixtures.Tenant t) {
        return owner.get(t.path() + "/audit-events?limit=1000")
                .json()
                .path("data")
                .valueStream()
                .map(e -> e.path("action").asString())
                .filter(action -> action.startsWith("credits.")
                        || action.startsWith("subscription.")
                        || action.equals("workspace.funding_updated"))
                .toList()
                .reversed();
    }

    private static void refused(HttpStatus status, Executable call) {
        ApiException e = catchThrowableOfType(ApiException.class, call::execute);
        assertThat(e).as("refused with " + status).isNotNull();
        assertThat(e.status()).isEqualTo(status);
    }

    @Test
    void callingTheServicesDirectlyWithoutRightsIsRefusedMovesNothingAndRecordsNothing() {
        var t = fixtures.tenant("Guarded Credits");
        Api owner = fixtures.api().as(t.owner().token());
        String a = fixtures.workspace(t, "Budget A");
        String b = fixtures.workspace(t, "Budget B");
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        for (String ws : List.of(a, b))
            assertThat(owner.put(t.ws(ws) + "/funding", Map.of("mode", "budget"))
                            .status())
                    .isEqualTo(200);
        assertThat(owner.post(t.path() + "/credits/allocations", Map.of("workspace_id", a, "amount", "300"))
                        .status())
                .isEqualTo(201);
        OrgId org = new OrgId(t.orgId());
        WorkspaceId wsA = WorkspaceId.parse(a);
        WorkspaceId wsB = WorkspaceId.parse(b);
        var before = reports.invariant(org);
        var fundingBefore = credits.funding(org, wsA);
        List<String> auditBefore = creditAudit(owner, t);
        assertThat(auditBefore)
                .containsExactlyInAnyOrder(
                        "credits.granted",
                        "workspace.funding_updated",
                        "workspace.funding_updated",
                        "credits.allocated");

        var member = fixtures.addMember(t, "member", a);
        OrgAccess m = access.to(user(member), org);
        var toPool = new Funding(Funding.Mode.POOL, null, null, false, null);
        refused(HttpStatus.FORBIDDEN, () -> credits.grant(m, null, Map.of(), credits("500"), "purchase", null, null));
        refused(
                HttpStatus.FORBIDDEN,
                () -> credits.grant(m, "key-1", Map.of(), credits("500"), "purchase", null, null));
        refused(HttpStatus.FORBIDDEN, () -> credits.allocate(m, null, Map.of(), wsA, credits("100")));
        refused(HttpStatus.FORBIDDEN, () -> credits.reclaim(m, null, Map.of(), wsA, credits("100")));
        refused(HttpStatus.FORBIDDEN, () -> credits.transfer(m, null, Map.of(), wsA, wsB, credits("100")));
        refused(HttpStatus.FORBIDDEN, () -> credits.setFunding(workspaces.access(m, wsA), toPool));
        refused(HttpStatus.FORBIDDEN, () -> plans.subscribe(m, credits("100"), false));
        refused(HttpStatus.FORBIDDEN, () -> plans.cancel(m));

        // Someone of another organization gets no access to this one, and their own organization's
        // access reaches none of its workspaces.
        var other = fixtures.tenant("Other Org");
        refused(HttpStatus.NOT_FOUND, () -> access.to(user(other.owner()), org));
        OrgAccess outsider = access.to(user(other.owner()), new OrgId(other.orgId()));
        refused(HttpStatus.NOT_FOUND, () -> workspaces.access(outsider, wsA));
        refused(HttpStatus.UNPROCESSABLE_CONTENT, () -> credits.reclaim(outsider, null, Map.of(), wsA, credits("100")));
        refused(
                HttpStatus.UNPROCESSABLE_CONTENT,
                () -> credits.transfer(outsider, null, Map.of(), wsA, wsB, credits("100")));

        var after = reports.invariant(org);
        assertThat(after.holds()).isTrue();
        assertThat(after.granted()).isEqualTo(before.granted());
        assertThat(after.pool()).isEqualTo(before.pool());
        assertThat(after.budgets()).isEqualTo(before.budgets());
        assertThat(reports.overview(org).workspaces().stream()
                        .filter(w -> w.workspaceId().equals(wsA))
                        .findFirst()
                        .orElseThrow()
                        .available())
                .isEqualTo(credits("300"));
        assertThat(credits.funding(org, wsA)).isEqualTo(fundingBefore);
        assertThat(plans.subscription(org)).isEmpty();
        assertThat(creditAudit(owner, t)).isEqualTo(auditBefore);
    }

    @Test
    void callingTheServicesDirectlyWithRightsIsAuditedAndIdempotent() {
        var t = fixtures.tenant("Direct Credits");
        Api owner = fixtures.api().as(t.owner().token());
        String a = fixtures.workspace(t, "Budget");
        OrgId org = new OrgId(t.orgId());
        WorkspaceId wsA = WorkspaceId.parse(a);
        var billing = fixtures.addMember(t, "billing", null);
        OrgAccess manager = access.to(user(billing), org);

        var first = credits.grant(manager, "direct-1", Map.of("amount", "400"), credits("400"), "purchase", null, null);
        var again = credits.grant(manager, "direct-1", Map.of("amount", "400"), credits("400"), "purchase", null, null);
        assertThat(first.replayed()).isFalse();
        assertThat(again.replayed()).isTrue();
        assertThat(again.value()).isEqualTo(first.value());
        refused(
                HttpStatus.CONFLICT,
                () -> credits.grant(manager, "direct-1", Map.of("amount", "9"), credits("9"), "purchase", null, null));
        assertThat(reports.invariant(org).granted()).isEqualTo(credits("400"));

        credits.setFunding(workspaces.access(manager, wsA), new Funding(Funding.Mode.BUDGET, null, null, false, null));
        var moved = credits.allocate(manager, "alloc-1", Map.of("amount", "150"), wsA, credits("150"));
        assertThat(credits.allocate(manager, "alloc-1", Map.of("amount", "150"), wsA, credits("150"))
                        .replayed())
                .isTrue();
        assertThat(moved.value()).isEqualTo(new Movement("allocation", a, null, null, "150"));
        credits.reclaim(manager, null, Map.of(), wsA, credits("50"));
        plans.subscribe(manager, credits("100"), true);

        var invariant = reports.invariant(org);
        assertThat(invariant.holds()).isTrue();
        assertThat(invariant.budgets()).isEqualTo(credits("100"));
        assertThat(invariant.granted()).isEqualTo(credits("500"));

        var events = owner.get(t.path() + "/audit-events?limit=1000").json().path("data");
        assertThat(creditAudit(owner, t))
                .containsExactlyInAnyOrder(
                        "credits.granted",
                        "workspace.funding_updated",
                        "credits.allocated",
                        "credits.reclaimed",
                        "subscription.updated");
        assertThat(events.valueStream()
                        .filter(e -> "credits.granted".equals(e.path("action").asString()))
                        .findFirst()
                        .orElseThrow()
                        .path("actor_id")
                        .asString())
                .isEqualTo(billing.userId());
    }
}
