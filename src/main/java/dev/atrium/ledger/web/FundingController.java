package dev.atrium.ledger.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.FundingBody;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET|PUT …/workspaces/{ws}/funding}: pool or budget, limits, overflow and refill. */
@RestController
class FundingController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final CreditAdmin credits;

    FundingController(Access access, WorkspaceService workspaces, CreditAdmin credits) {
        this.access = access;
        this.workspaces = workspaces;
        this.credits = credits;
    }

    @GetMapping("/api/v1/organizations/{org}/workspaces/{ws}/funding")
    FundingBody get(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        return FundingBody.of(credits.funding(a.workspace().org(), a.workspace().id()));
    }

    @PutMapping("/api/v1/organizations/{org}/workspaces/{ws}/funding")
    @Transactional
    FundingBody put(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody FundingBody body) {
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        if (!a.org().seesAllWorkspaces()) {
            throw ApiException.forbidden("Funding is managed by owners, admins and billing.");
        }
        return FundingBody.of(credits.setFunding(a, validate(body)));
    }

    static Funding validate(FundingBody body) {
        if (body.mode() == null) throw ApiException.invalid("mode", "mode is required (pool or budget).");
        Funding.Limit spend = limit(body.spendLimit(), "spend_limit");
        Funding.Limit member = limit(body.memberSpendLimit(), "member_spend_limit");
        Funding.Refill refill = null;
        if (body.refill() != null) {
            FundingBody.RefillBody r = body.refill();
            if (r.period() == null) throw ApiException.invalid("refill.period", "refill.period is required.");
            if ((r.to() == null) == (r.add() == null)) {
                throw ApiException.invalid("refill", "refill takes exactly one of to and add.");
            }
            Credits to = r.to() == null ? null : Amounts.positive(r.to(), "refill.to");
            Credits add = r.add() == null ? null : Amounts.positive(r.add(), "refill.add");
            refill = new Funding.Refill(r.period(), to, add);
        }
        boolean overflow = body.overflowToPool() != null && body.overflowToPool();
        if (body.mode() == Funding.Mode.POOL && (overflow || refill != null)) {
            throw ApiException.invalid("mode", "overflow_to_pool and refill apply to budget mode only.");
        }
        return new Funding(body.mode(), spend, member, overflow, refill);
    }

    private static Funding.@Nullable Limit limit(FundingBody.@Nullable LimitBody body, String field) {
        if (body == null) return null;
        if (body.period() == null) throw ApiException.invalid(field + ".period", field + ".period is required.");
        return new Funding.Limit(Amounts.positive(body.amount(), field + ".amount"), body.period());
    }
}
