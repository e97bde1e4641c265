package dev.atrium.ledger.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.console.Forms;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.FundingBody;
import dev.atrium.ledger.Period;
import dev.atrium.ledger.RequestStatement;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import dev.atrium.workspace.WorkspaceTeam;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * A workspace's funding in the console: pool or budget, spend limits, overflow and refill;
 * allocations, reclaims and transfers; the workspace's recent ledger movements. Also the deletion
 * confirmation, which states how much of the budget returns to the pool. Owners, admins and billing
 * only, through the same {@link CreditAdmin} as the API.
 */
@ConsoleController
class FundingPage {
    private final Access access;
    private final WorkspaceService workspaces;
    private final WorkspaceTeam team;
    private final CreditAdmin credits;
    private final CreditReports reports;
    private final RequestStatement requests;

    FundingPage(
            Access access,
            WorkspaceService workspaces,
            WorkspaceTeam team,
            CreditAdmin credits,
            CreditReports reports,
            RequestStatement requests) {
        this.requests = requests;
        this.access = access;
        this.workspaces = workspaces;
        this.team = team;
        this.credits = credits;
        this.reports = reports;
    }

    /** The funding form as typed. Empty amounts mean "no limit" / "no refill". */
    record FundingForm(
            @Nullable String mode,
            @Nullable String spendLimit,
            @Nullable String spendPeriod,
            @Nullable String memberLimit,
            @Nullable String memberPeriod,
            @Nullable Boolean overflowToPool,
            @Nullable String refillKind,
            @Nullable String refillAmount,
            @Nullable String refillPeriod)
            implements java.io.Serializable {

        static FundingForm of(Funding f) {
            var refill = f.refill();
            return new FundingForm(
                    f.mode().wire(),
                    f.spendLimit() == null ? "" : f.spendLimit().amount().toDecimal(),
                    f.spendLimit() == null ? "month" : f.spendLimit().period().wire(),
                    f.memberSpendLimit() == null
                            ? ""
                            : f.memberSpendLimit().amount().toDecimal(),
                    f.memberSpendLimit() == null
                            ? "month"
                            : f.memberSpendLimit().period().wire(),
                    f.overflowToPool(),
                    refill == null ? "none" : refill.to() != null ? "to" : "add",
                    refill == null ? "" : (refill.to() != null ? refill.to() : refill.add()).toDecimal(),
                    refill == null ? "month" : refill.period().wire());
        }

        /** The API's body, so that the API's validation (and its messages) apply. */
        FundingBody toBody() {
            Funding.Mode m;
            try {
                m = Funding.Mode.parse(mode == null ? "" : mode);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("mode", "Choose pool or budget.");
            }
            boolean budget = m == Funding.Mode.BUDGET;
            FundingBody.RefillBody refill = null;
            if (budget && ("to".equals(refillKind) || "add".equals(refillKind))) {
                String amount = blank(refillAmount) ? null : refillAmount.strip();
                if (amount == null) throw ApiException.invalid("refill.amount", "Enter the refill amount.");
                refill = new FundingBody.RefillBody(
                        period(refillPeriod, "refill.period"),
                        "to".equals(refillKind) ? amount : null,
                        "add".equals(refillKind) ? amount : null);
            }
            return new FundingBody(
                    m,
                    limit(spendLimit, spendPeriod, "spend_limit"),
                    limit(memberLimit, memberPeriod, "member_spend_limit"),
                    budget && Boolean.TRUE.equals(overflowToPool),
                    refill);
        }

        private static FundingBody.@Nullable LimitBody limit(
                @Nullable String amount, @Nullable String period, String field) {
            if (blank(amount)) return null;
            return new FundingBody.LimitBody(amount.strip(), period(period, field + ".period"));
        }

        private static Period period(@Nullable String value, String field) {
            try {
                return Period.parse(value == null ? "" : value);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(field, "Choose day, week or month.");
            }
        }
    }

    /** An allocation, reclaim or transfer form as typed; {@code op} says which. */
    record MoveForm(
            @Nullable String op,
            @Nullable String amount,
            @Nullable String target,
            @Nullable String token) implements java.io.Serializable {}

    @GetMapping("/orgs/{org}/workspaces/{ws}/funding")
    String page(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(required = false) @Nullable String detail,
            Model model) {
        WorkspaceAccess w = manager(caller, org, ws);
        OrgId o = w.workspace().org();
        Funding funding = credits.funding(o, w.workspace().id());
        CreditReports.Overview overview = reports.overview(o);
        Forms.prepare(model, FundingForm.of(funding));
        if (!model.containsAttribute("move")) model.addAttribute("move", new MoveForm("", "", "", null));
        model.addAttribute("workspace", w.workspace());
        model.addAttribute("funding", funding);
        model.addAttribute("pool", overview.pool());
        model.addAttribute(
                "credits",
                overview.workspaces().stream()
                        .filter(c -> c.workspaceId().equals(w.workspace().id()))
                        .findFirst()
                        .orElse(null));
        model.addAttribute(
                "budgets",
                overview.workspaces().stream()
                        .filter(c -> "budget".equals(c.mode())
                                && !c.workspaceId().equals(w.workspace().id()))
                        .toList());
        Map<String, String> names = new java.util.HashMap<>();
        overview.workspaces().forEach(c -> names.put(c.workspaceId().value(), c.name()));
        // One line per request by default; ?detail=entries shows every journal entry instead.
        boolean everyEntry = "entries".equals(detail);
        model.addAttribute("detail", everyEntry ? "entries" : "");
        if (everyEntry) {
            model.addAttribute(
                    "entries",
                    Statement.lines(
                            reports.entries(o, w.workspace().id(), PageRequest.of(10, null))
                                    .data(),
                            names));
        } else {
            model.addAttribute(
                    "lines",
                    Statement.grouped(
                            requests.lines(o, w.workspace().id(), PageRequest.of(10, null))
                                    .data(),
                            names));
        }
        model.addAttribute("periods", Period.values());
        // One token per rendered form: a double submit replays the first movement instead of repeating it.
        model.addAttribute("token", UUID.randomUUID().toString());
        model.addAttribute("navSection", "workspaces");
        return "ledger/funding";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/funding")
    String save(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @ModelAttribute FundingForm form,
            RedirectAttributes redirect) {
        WorkspaceAccess w = manager(caller, org, ws);
        String path = path(w) + "/funding";
        try {
            Funding after = credits.setFunding(w, FundingController.validate(form.toBody()));
            Flash.success(
                    redirect,
                    "Funding saved: " + (after.mode() == Funding.Mode.BUDGET ? "own budget." : "draws from the pool."));
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN || e.status() == HttpStatus.NOT_FOUND) throw e;
            Forms.reject(redirect, form, e);
        }
        return "redirect:" + path;
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/funding/move")
    String move(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @ModelAttribute MoveForm form,
            RedirectAttributes redirect) {
        WorkspaceAccess w = manager(caller, org, ws);
        WorkspaceId id = w.workspace().id();
        String op = form.op() == null ? "" : form.op();
        String key = form.token() == null || form.token().isBlank() ? null : "console-" + form.token();
        try {
            Credits amount = Amounts.positive(form.amount(), "amount");
            Map<String, String> request = Map.of("workspace_id", id.value(), "amount", amount.toDecimal());
            switch (op) {
                case "allocate" -> credits.allocate(w.org(), key, request, id, amount);
                case "reclaim" -> credits.reclaim(w.org(), key, request, id, amount);
                case "transfer" -> {
                    WorkspaceId to = Amounts.workspace(form.target(), "to_workspace_id");
                    // The target must be within reach like any other workspace named by the caller.
                    workspaces.access(w.org(), to);
                    credits.transfer(
                            w.org(),
                            key,
                            Map.of("from", id.value(), "to", to.value(), "amount", amount.toDecimal()),
                            id,
                            to,
                            amount);
                }
                default -> throw ApiException.invalid("op", "Choose allocate, reclaim or transfer.");
            }
            Flash.success(
                    redirect,
                    switch (op) {
                        case "allocate" -> amount.toDecimal() + " credits allocated from the pool.";
                        case "reclaim" -> amount.toDecimal() + " credits returned to the pool.";
                        default -> amount.toDecimal() + " credits transferred.";
                    });
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) throw e;
            redirect.addFlashAttribute("move", form);
            redirect.addFlashAttribute(
                    "moveError", e.status() == HttpStatus.NOT_FOUND ? "No such workspace." : e.getMessage());
        }
        return "redirect:" + path(w) + "/funding#movements";
    }

    /** What deleting erases and what returns to the pool, before the owner confirms. */
    @GetMapping("/orgs/{org}/workspaces/{ws}/delete")
    String confirmDelete(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws, Model model) {
        WorkspaceAccess w =
                workspaces.access(access.to(caller, OrgId.parse(org)).requireMember(), WorkspaceId.parse(ws));
        w.org().requireAdmin();
        if (w.workspace().primary()) {
            throw ApiException.conflict("primary_workspace", "The Primary Workspace cannot be deleted.");
        }
        OrgId o = w.workspace().org();
        var c = reports.overview(o).workspaces().stream()
                .filter(x -> x.workspaceId().equals(w.workspace().id()))
                .findFirst()
                .orElse(null);
        boolean budget = c != null && "budget".equals(c.mode());
        model.addAttribute("workspace", w.workspace());
        model.addAttribute("budget", budget);
        model.addAttribute("returning", budget ? c.available() : Credits.ZERO);
        model.addAttribute("held", c == null ? Credits.ZERO : c.held());
        model.addAttribute(
                "activeKeys",
                team.keys(w).stream().filter(k -> k.revokedAt() == null).count());
        model.addAttribute(
                "memberCount",
                team.list(w, PageRequest.of(PageRequest.MAX_LIMIT, null)).data().size());
        if (!model.containsAttribute("confirm")) model.addAttribute("confirm", "");
        model.addAttribute("navSection", "workspaces");
        return "ledger/delete-workspace";
    }

    private WorkspaceAccess manager(Caller caller, String org, String ws) {
        WorkspaceAccess w =
                workspaces.access(access.to(caller, OrgId.parse(org)).requireMember(), WorkspaceId.parse(ws));
        CreditAdmin.requireManager(w.org());
        return w;
    }

    private static String path(WorkspaceAccess w) {
        return "/orgs/" + w.workspace().org().value() + "/workspaces/"
                + w.workspace().id().value();
    }

    private static boolean blank(@Nullable String s) {
        return s == null || s.isBlank();
    }
}
