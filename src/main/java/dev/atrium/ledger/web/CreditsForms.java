package dev.atrium.ledger.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.console.Forms;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.Plans;
import dev.atrium.ledger.Webhooks;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.workspace.WorkspaceService;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** The credits page's forms: grant, subscription, alerts, webhooks. Each redirects back to its section. */
@ConsoleController
class CreditsForms {
    private final Access access;
    private final WorkspaceService workspaces;
    private final CreditAdmin credits;
    private final Plans plans;
    private final PlanActions actions;

    CreditsForms(Access access, WorkspaceService workspaces, CreditAdmin credits, Plans plans, PlanActions actions) {
        this.access = access;
        this.workspaces = workspaces;
        this.credits = credits;
        this.plans = plans;
        this.actions = actions;
    }

    @PostMapping("/orgs/{org}/credits/grants")
    String grant(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @ModelAttribute CreditsPage.GrantForm form,
            RedirectAttributes redirect) {
        OrgAccess a = manager(caller, org);
        try {
            Credits amount = Amounts.positive(form.amount(), "amount");
            String kind = form.kind() == null || form.kind().isBlank() ? "purchase" : form.kind();
            String note = form.note() == null || form.note().isBlank()
                    ? null
                    : form.note().strip();
            String key = form.token() == null || form.token().isBlank() ? null : "console-" + form.token();
            var outcome = credits.grant(a, key, form, amount, kind, CreditsPage.endOfDay(form.expires()), note);
            Flash.success(redirect, outcome.value().amount() + " credits granted (" + kind + ").");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) throw e;
            Forms.reject(redirect, form, e);
        }
        return back(a, "grants");
    }

    @PostMapping("/orgs/{org}/credits/subscription")
    String subscribe(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(name = "monthly_credits", defaultValue = "") String monthly,
            @RequestParam(defaultValue = "false") boolean rollover,
            RedirectAttributes redirect) {
        OrgAccess a = manager(caller, org);
        try {
            var plan = plans.subscribe(a, Amounts.positive(monthly, "monthly_credits"), rollover);
            Flash.success(redirect, "Plan saved: " + plan.monthlyCredits() + " credits each month.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return back(a, "subscription");
    }

    @PostMapping("/orgs/{org}/credits/subscription/cancel")
    String cancel(@AuthenticationPrincipal Caller caller, @PathVariable String org, RedirectAttributes redirect) {
        OrgAccess a = manager(caller, org);
        plans.cancel(a);
        Flash.success(redirect, "Plan cancelled: no more monthly grants.");
        return back(a, "subscription");
    }

    @PostMapping("/orgs/{org}/credits/alerts")
    String poolAlert(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(name = "pool_below", defaultValue = "") String poolBelow,
            RedirectAttributes redirect) {
        OrgAccess a = manager(caller, org);
        try {
            actions.setPoolBelow(a, poolBelow.isBlank() ? null : Amounts.positive(poolBelow, "pool_below"));
            Flash.success(redirect, poolBelow.isBlank() ? "Pool alert turned off." : "Pool alert saved.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return back(a, "alerts");
    }

    @PostMapping("/orgs/{org}/credits/alerts/{ws}")
    String thresholds(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(defaultValue = "") String thresholds,
            RedirectAttributes redirect) {
        OrgAccess a = manager(caller, org);
        var w = workspaces.access(a, WorkspaceId.parse(ws));
        try {
            var saved = actions.setThresholds(w, CreditsPage.percents(thresholds));
            Flash.success(
                    redirect,
                    "Alerts of “" + w.workspace().name() + "” saved"
                            + (saved.isEmpty() ? ": none." : " at " + saved + " percent."));
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) throw e;
            Flash.error(redirect, e.getMessage());
        }
        return back(a, "alerts");
    }

    @PostMapping("/orgs/{org}/webhooks")
    String createWebhook(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(defaultValue = "") String url,
            @RequestParam(required = false) @Nullable List<String> events,
            RedirectAttributes redirect) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        try {
            Webhooks.Webhook hook =
                    actions.createWebhook(a, url, events == null || events.isEmpty() ? List.of("*") : events);
            redirect.addFlashAttribute("newWebhook", hook);
            Flash.success(redirect, "Webhook created. Copy its signing secret now: it will not be shown again.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.FORBIDDEN) throw e;
            redirect.addFlashAttribute("webhookUrl", url);
            Flash.error(redirect, e.getMessage());
        }
        return back(a, "webhooks");
    }

    @PostMapping("/orgs/{org}/webhooks/{id}/delete")
    String deleteWebhook(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String id,
            RedirectAttributes redirect) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireAdmin();
        actions.deleteWebhook(a, id);
        Flash.success(redirect, "Webhook deleted.");
        return back(a, "webhooks");
    }

    private OrgAccess manager(Caller caller, String org) {
        return CreditAdmin.requireManager(access.to(caller, OrgId.parse(org)).requireMember());
    }

    private static String back(OrgAccess a, String section) {
        return "redirect:/orgs/" + a.org().value() + "/credits#" + section;
    }
}
