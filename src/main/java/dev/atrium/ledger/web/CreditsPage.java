package dev.atrium.ledger.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Forms;
import dev.atrium.identity.Caller;
import dev.atrium.ledger.Alerts;
import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.Grant;
import dev.atrium.ledger.Plans;
import dev.atrium.ledger.RequestStatement;
import dev.atrium.ledger.Webhooks;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceService;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The console's credits page: totals, grants and the new-grant form, the subscription plan, the
 * ledger statement (by workspace, paged), alert settings and, for owners and admins, webhooks with
 * their delivery log. Owners, admins and billing; changes go through {@link CreditAdmin},
 * {@link dev.atrium.ledger.Plans} and {@link PlanActions} like the API. The forms' handlers are in {@link CreditsForms}.
 */
@ConsoleController
class CreditsPage {
    static final int STATEMENT_PAGE = 25;

    private final Access access;
    private final WorkspaceService workspaces;
    private final CreditAdmin credits;
    private final CreditReports reports;
    private final Plans plans;
    private final Alerts alerts;
    private final Webhooks webhooks;
    private final RequestStatement requests;

    CreditsPage(
            Access access,
            WorkspaceService workspaces,
            CreditAdmin credits,
            CreditReports reports,
            Plans plans,
            Alerts alerts,
            Webhooks webhooks,
            RequestStatement requests) {
        this.requests = requests;
        this.access = access;
        this.workspaces = workspaces;
        this.credits = credits;
        this.reports = reports;
        this.plans = plans;
        this.alerts = alerts;
        this.webhooks = webhooks;
    }

    /** The new-grant form as typed; {@code token} makes a double submit replay instead of granting twice. */
    record GrantForm(
            @Nullable String amount,
            @Nullable String kind,
            @Nullable String expires,
            @Nullable String note,
            @Nullable String token)
            implements java.io.Serializable {}

    /** A workspace's alert thresholds, as shown. */
    record Thresholds(Workspace workspace, String percents) {}

    @GetMapping("/orgs/{org}/credits")
    String page(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable String workspace,
            @RequestParam(required = false) @Nullable String after,
            @RequestParam(required = false) @Nullable String webhook,
            @RequestParam(required = false) @Nullable String detail,
            Model model) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireMember().requireSeesAll();
        WorkspaceId ws = workspace == null || workspace.isBlank() ? null : Amounts.workspace(workspace, "workspace");
        if (ws != null) workspaces.access(a, ws); // out of reach: 404
        List<Workspace> all = workspaces
                .list(a, true, PageRequest.of(PageRequest.MAX_LIMIT, null))
                .data();
        Map<String, String> names = all.stream().collect(Collectors.toMap(w -> w.id().value(), Workspace::name));
        model.addAttribute("organizationId", a.org().value());
        model.addAttribute("overview", reports.overview(a.org()));
        List<Grant> grants = credits.grants(a.org(), null, 100);
        model.addAttribute("grants", grants);
        model.addAttribute("subscription", plans.subscription(a.org()).orElse(null));
        // One line per request by default; ?detail=entries shows every journal entry instead.
        boolean everyEntry = "entries".equals(detail);
        model.addAttribute("detail", everyEntry ? "entries" : "");
        if (everyEntry) {
            var page = reports.entries(a.org(), ws, PageRequest.of(STATEMENT_PAGE, after));
            model.addAttribute("entries", Statement.lines(page.data(), names));
            model.addAttribute("next", page.hasMore() ? page.next() : null);
        } else {
            var page = requests.lines(a.org(), ws, PageRequest.of(STATEMENT_PAGE, after));
            model.addAttribute("lines", Statement.grouped(page.data(), names));
            model.addAttribute("next", page.hasMore() ? page.next() : null);
        }
        model.addAttribute("after", after);
        model.addAttribute("workspaceFilter", ws == null ? "" : ws.value());
        model.addAttribute("names", names);
        model.addAttribute("workspaces", all);
        model.addAttribute(
                "thresholds",
                all.stream()
                        .filter(Workspace::active)
                        .map(w -> new Thresholds(
                                w,
                                alerts.thresholds(a.org(), w.id()).stream()
                                        .map(String::valueOf)
                                        .collect(Collectors.joining(", "))))
                        .toList());
        Credits below = alerts.poolBelow(a.org());
        model.addAttribute("poolBelow", below == null ? "" : below.toDecimal());
        model.addAttribute("admin", a.isAdmin());
        if (a.isAdmin()) {
            List<Webhooks.Webhook> hooks = webhooks.list(a.org());
            model.addAttribute("webhooks", hooks);
            if (webhook != null && hooks.stream().anyMatch(h -> h.id().equals(webhook))) {
                model.addAttribute("deliveryHook", webhook);
                model.addAttribute("deliveries", webhooks.deliveries(a.org(), webhook, 50));
            }
            model.addAttribute(
                    "webhookEvents", Webhooks.EVENTS.stream().sorted().toList());
        }
        Forms.prepare(model, new GrantForm("", "purchase", "", "", null));
        model.addAttribute("token", UUID.randomUUID().toString());
        model.addAttribute("grantKinds", Grant.KINDS.stream().sorted().toList());
        model.addAttribute("navSection", "credits");
        return "ledger/credits";
    }

    static @Nullable Instant endOfDay(@Nullable String date) {
        if (date == null || date.isBlank()) return null;
        try {
            return LocalDate.parse(date.strip())
                    .plusDays(1)
                    .atStartOfDay(ZoneOffset.UTC)
                    .toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.invalid("expires_at", "Dates are written as YYYY-MM-DD.");
        }
    }

    static List<Integer> percents(@Nullable String text) {
        if (text == null || text.isBlank()) return List.of();
        try {
            return Arrays.stream(text.split("[\\s,;%]+"))
                    .filter(s -> !s.isEmpty())
                    .map(Integer::valueOf)
                    .toList();
        } catch (NumberFormatException e) {
            throw ApiException.invalid("thresholds_percent", "Thresholds are whole percentages, e.g. 50, 80, 100.");
        }
    }
}
