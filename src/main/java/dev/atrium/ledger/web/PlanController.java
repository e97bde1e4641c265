package dev.atrium.ledger.web;

import dev.atrium.common.Amount;
import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.Alerts;
import dev.atrium.ledger.Plans;
import dev.atrium.ledger.SubscriptionView;
import dev.atrium.ledger.Webhooks;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The subscription plan, alert thresholds and webhooks of an organization. */
@RestController
@RequestMapping("/api/v1/organizations/{org}")
class PlanController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final Plans plans;
    private final Alerts alerts;
    private final Webhooks webhooks;
    private final PlanActions actions;

    PlanController(
            Access access,
            WorkspaceService workspaces,
            Plans plans,
            Alerts alerts,
            Webhooks webhooks,
            PlanActions actions) {
        this.access = access;
        this.workspaces = workspaces;
        this.plans = plans;
        this.alerts = alerts;
        this.webhooks = webhooks;
        this.actions = actions;
    }

    record SubscriptionBody(
            @Amount @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String monthlyCredits,

            @Nullable Boolean rollover) {}

    record ThresholdsBody(@Nullable List<Integer> thresholdsPercent) {}

    record PoolAlertBody(@Amount @Nullable String poolBelow) {}

    record WebhookBody(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String url,

            @Nullable List<String> events) {}

    @GetMapping("/subscription")
    SubscriptionView subscription(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireSeesAll();
        return plans.subscription(a.org())
                .map(SubscriptionView::of)
                .orElseThrow(() -> ApiException.notFound("subscription"));
    }

    @PutMapping("/subscription")
    @Transactional
    SubscriptionView subscribe(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody SubscriptionBody body) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireSeesAll();
        var monthly = Amounts.positive(body.monthlyCredits(), "monthly_credits");
        return plans.subscribe(a, monthly, body.rollover() != null && body.rollover());
    }

    @DeleteMapping("/subscription")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    void cancel(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        plans.cancel(access.to(caller, OrgId.parse(org)).requireSeesAll());
    }

    @GetMapping("/workspaces/{ws}/alerts")
    Map<String, List<Integer>> thresholds(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        return Map.of(
                "thresholds_percent",
                alerts.thresholds(a.workspace().org(), a.workspace().id()));
    }

    @PutMapping("/workspaces/{ws}/alerts")
    @Transactional
    Map<String, List<Integer>> setThresholds(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody ThresholdsBody body) {
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        if (!a.org().seesAllWorkspaces() && !a.canManage())
            throw ApiException.forbidden("Alerts are managed by admins and billing.");
        if (body.thresholdsPercent() == null)
            throw ApiException.invalid("thresholds_percent", "thresholds_percent is required.");
        return Map.of("thresholds_percent", actions.setThresholds(a, body.thresholdsPercent()));
    }

    @GetMapping("/credits/alerts")
    Map<String, @Nullable String> poolAlert(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireSeesAll();
        var below = alerts.poolBelow(a.org());
        var body = new java.util.HashMap<String, @Nullable String>();
        body.put("pool_below", below == null ? null : below.toDecimal());
        return body;
    }

    @PutMapping("/credits/alerts")
    @Transactional
    Map<String, @Nullable String> setPoolAlert(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody PoolAlertBody body) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireSeesAll();
        var amount = body.poolBelow() == null ? null : Amounts.positive(body.poolBelow(), "pool_below");
        actions.setPoolBelow(a, amount);
        return poolAlert(caller, org);
    }

    @GetMapping("/webhooks")
    Map<String, List<Webhooks.Webhook>> webhooks(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        return Map.of("data", webhooks.list(a.org()));
    }

    @PostMapping("/webhooks")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional
    Webhooks.Webhook createWebhook(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody WebhookBody body) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        if (body.url() == null) throw ApiException.invalid("url", "url is required.");
        return actions.createWebhook(a, body.url(), body.events() == null ? List.of("*") : body.events());
    }

    @DeleteMapping("/webhooks/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    void deleteWebhook(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String id) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        actions.deleteWebhook(a, id);
    }

    @GetMapping("/webhooks/{id}/deliveries")
    Map<String, List<Webhooks.Delivery>> deliveries(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String id,
            @RequestParam(required = false) @Nullable Integer limit) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        int n = limit == null ? 50 : limit;
        if (n < 1 || n > 1000) throw ApiException.invalid("limit", "limit must be between 1 and 1000.");
        return Map.of("data", webhooks.deliveries(a.org(), id, n));
    }
}
