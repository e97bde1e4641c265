package dev.atrium.usage.web;

import dev.atrium.audit.AuditEvent;
import dev.atrium.audit.AuditLog;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.console.Amounts;
import dev.atrium.console.ConsoleController;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.CreditReports;
import dev.atrium.organization.Access;
import dev.atrium.organization.Member;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import dev.atrium.usage.Forecasts;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageReports;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/**
 * The organization overview: the pool with its burn rate and forecast, recent alerts, and every
 * workspace with its funding and this month's credits (image &amp; speech, chatbot, total), for those
 * who see all workspaces (owner, admin, billing); a member sees only the workspaces they are
 * assigned to, with their usage and no credit balances. Drawn here, in usage, because it reads
 * both the ledger and the usage reports.
 */
@ConsoleController
class OverviewPage {
    private static final int MAX_ROWS = 500;

    private final Access access;
    private final OrganizationService organizations;
    private final WorkspaceService workspaces;
    private final CreditReports reports;
    private final UsageReports usage;
    private final Forecasts forecasts;
    private final AuditLog audit;
    private final Clock clock;

    OverviewPage(
            Access access,
            OrganizationService organizations,
            WorkspaceService workspaces,
            CreditReports reports,
            UsageReports usage,
            Forecasts forecasts,
            AuditLog audit,
            Clock clock) {
        this.access = access;
        this.organizations = organizations;
        this.workspaces = workspaces;
        this.reports = reports;
        this.usage = usage;
        this.forecasts = forecasts;
        this.audit = audit;
        this.clock = clock;
    }

    /** One line of the workspaces table; {@code credits} only for those who may see them. */
    record Row(
            Workspace workspace,
            String createdBy,
            CreditReports.@Nullable WorkspaceCredits credits,
            Bar bar,
            Credits imageSpeech,
            Credits chatbot,
            Credits total) {}

    /** An alert that fired this period, in words. */
    record AlertLine(java.time.Instant at, String text) {
        static AlertLine of(AuditEvent e, Map<String, String> names) {
            var after = e.after();
            if (e.action().equals("alert.pool_low")) {
                String level = after != null && after.has("threshold")
                        ? after.get("threshold").asString()
                        : "its alert level";
                return new AlertLine(e.createdAt(), "The pool fell below " + level + " credits.");
            }
            String percent = after != null && after.has("threshold_percent")
                    ? after.get("threshold_percent").asString()
                    : "?";
            return new AlertLine(
                    e.createdAt(),
                    names.getOrDefault(e.targetId(), e.targetId()) + " reached " + percent
                            + " % of its budget or spend limit.");
        }
    }

    /** The available / held / used proportions of a budget or spend limit, in steps of 5 percent. */
    record Bar(boolean shown, int available, int held, int used, String label) {
        static final Bar NONE = new Bar(false, 0, 0, 0, "");

        static Bar of(CreditReports.@Nullable WorkspaceCredits c) {
            if (c == null) return NONE;
            long available = c.available().micros();
            long held = c.held().micros();
            long used = c.spentPeriod().micros();
            long total;
            if ("budget".equals(c.mode())) {
                total = available + held + used;
            } else if (c.spendLimit() != null) {
                total = c.spendLimit().amount().micros();
            } else {
                return NONE;
            }
            if (total <= 0) return new Bar(true, 0, 0, 0, "No credits allocated");
            int h = percent(held, total);
            int u = percent(used, total);
            int a = Math.max(0, Math.min(100 - h - u, percent(available, total)));
            return new Bar(
                    true,
                    a,
                    h,
                    u,
                    Amounts.forPeople(Credits.ofMicros(available)) + " of " + Amounts.forPeople(Credits.ofMicros(total))
                            + " available");
        }

        private static int percent(long part, long total) {
            // Steps of 5: the stylesheet has a width class per step (no inline styles under the CSP).
            return (int) Math.round(20.0 * part / total) * 5;
        }
    }

    @GetMapping("/orgs/{org}")
    String overview(@AuthenticationPrincipal Caller caller, @PathVariable String org, Model model) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember();
        List<Workspace> list =
                workspaces.list(a, true, PageRequest.of(MAX_ROWS, null)).data();
        Map<String, CreditReports.WorkspaceCredits> credits = new HashMap<>();
        Map<String, String> names = new HashMap<>();
        if (a.seesAllWorkspaces()) {
            CreditReports.Overview overview = reports.overview(a.org());
            model.addAttribute("pool", overview.pool());
            credits.putAll(overview.workspaces().stream()
                    .collect(Collectors.toMap(w -> w.workspaceId().value(), Function.identity())));
            names.putAll(organizations.members(a, PageRequest.of(PageRequest.MAX_LIMIT, null)).data().stream()
                    .collect(Collectors.toMap(m -> m.userId().value(), Member::name)));
        } else if (a.user() != null) {
            names.put(a.user().value(), "You");
        }
        // This month's credits, over the workspaces the caller sees.
        DateRange month = DateRange.thisMonth(clock);
        Map<String, UsageReports.Split> used = new HashMap<>();
        for (var s : usage.split(
                a.org(),
                month.start(),
                month.end(),
                Dimension.WORKSPACE,
                a.seesAllWorkspaces() ? null : list.stream().map(Workspace::id).toList())) {
            if (s.key() != null) used.put(s.key(), s);
        }
        List<Row> rows = list.stream()
                .map(w -> {
                    var c = credits.get(w.id().value());
                    var u = used.get(w.id().value());
                    return new Row(
                            w,
                            names.getOrDefault(w.createdBy(), "—"),
                            c,
                            Bar.of(c),
                            u == null ? Credits.ZERO : u.imageSpeech(),
                            u == null ? Credits.ZERO : u.chatbot(),
                            u == null ? Credits.ZERO : u.total());
                })
                .toList();
        if (a.seesAllWorkspaces()) {
            model.addAttribute("burn", forecasts.forecast(a.org()).pool());
            Map<String, String> wsNames = new HashMap<>();
            list.forEach(w -> wsNames.put(w.id().value(), w.name()));
            List<AlertLine> alerts = new ArrayList<>();
            for (String action : List.of("alert.threshold", "alert.pool_low")) {
                audit.list(a.org(), PageRequest.of(5, null), action, null, null).data().stream()
                        .filter(e -> !e.createdAt().isBefore(month.start()))
                        .forEach(e -> alerts.add(AlertLine.of(e, wsNames)));
            }
            alerts.sort((x, y) -> y.at().compareTo(x.at()));
            model.addAttribute("alerts", alerts);
        }
        model.addAttribute("month", month);
        model.addAttribute("organization", organizations.get(a));
        model.addAttribute("seesCredits", a.seesAllWorkspaces());
        model.addAttribute("rows", rows);
        model.addAttribute("navSection", "overview");
        return "usage/overview";
    }
}
