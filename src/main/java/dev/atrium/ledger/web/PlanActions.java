package dev.atrium.ledger.web;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.ledger.Alerts;
import dev.atrium.ledger.Webhooks;
import dev.atrium.organization.OrgAccess;
import dev.atrium.workspace.WorkspaceAccess;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Alert and webhook changes with their authorization and audit record: one path for
 * the API and the console.
 */
@Component
class PlanActions {
    private final Alerts alerts;
    private final Webhooks webhooks;
    private final AuditLog audit;

    PlanActions(Alerts alerts, Webhooks webhooks, AuditLog audit) {
        this.alerts = alerts;
        this.webhooks = webhooks;
        this.audit = audit;
    }

    @Transactional
    List<Integer> setThresholds(WorkspaceAccess a, List<Integer> percents) {
        if (!a.org().seesAllWorkspaces() && !a.canManage())
            throw ApiException.forbidden("Alerts are managed by admins and billing.");
        var org = a.workspace().org();
        var ws = a.workspace().id();
        var before = alerts.thresholds(org, ws);
        var after = alerts.setThresholds(org, ws, percents);
        audit.record(
                org,
                a.org().caller(),
                "workspace.alerts_updated",
                "workspace",
                ws.value(),
                Map.of("thresholds_percent", before),
                Map.of("thresholds_percent", after));
        return after;
    }

    @Transactional
    void setPoolBelow(OrgAccess a, @Nullable Credits amount) {
        a.requireSeesAll();
        alerts.setPoolBelow(a.org(), amount);
        audit.record(
                a.org(),
                a.caller(),
                "credits.alerts_updated",
                "organization",
                a.org().value(),
                null,
                Map.of("pool_below", amount == null ? "" : amount.toDecimal()));
    }

    @Transactional
    Webhooks.Webhook createWebhook(OrgAccess a, @Nullable String url, List<String> events) {
        a.requireAdmin();
        if (url == null || url.isBlank()) throw ApiException.invalid("url", "url is required.");
        var hook = webhooks.create(a.org(), url.strip(), events);
        audit.record(
                a.org(),
                a.caller(),
                "webhook.created",
                "webhook",
                hook.id(),
                null,
                Map.of("url", hook.url(), "events", hook.events()));
        return hook;
    }

    @Transactional
    void deleteWebhook(OrgAccess a, String id) {
        a.requireAdmin();
        webhooks.delete(a.org(), id);
        audit.record(a.org(), a.caller(), "webhook.deleted", "webhook", id, null, null);
    }
}
