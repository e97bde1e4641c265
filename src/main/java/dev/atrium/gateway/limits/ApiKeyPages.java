package dev.atrium.gateway.limits;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.Ids;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.console.Forms;
import dev.atrium.gateway.limits.ApiKeysController.SpendLimit;
import dev.atrium.identity.Caller;
import dev.atrium.identity.IssuedToken;
import dev.atrium.identity.KeyInfo;
import dev.atrium.identity.KeySettings;
import dev.atrium.organization.Access;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceMember;
import dev.atrium.workspace.WorkspaceRole;
import dev.atrium.workspace.WorkspaceService;
import dev.atrium.workspace.WorkspaceTeam;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Console pages for a workspace's API keys: create with their own settings (spend limit per period,
 * allowed models within the workspace's policy, expiry, rate limits), edit them, and rotate the
 * secret. They live beside the API ({@link ApiKeysController}) because checking the models and
 * showing what a key spent need the gateway's and usage's parts; the list and revocation are on the
 * workspace's page. Every change goes through {@link WorkspaceTeam}, so the API's rules and audit apply.
 */
@ConsoleController
class ApiKeyPages {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm");

    private final Access access;
    private final WorkspaceService workspaces;
    private final WorkspaceTeam team;
    private final WorkspaceKeys keys;
    private final KeyPolicy keyPolicy;

    ApiKeyPages(
            Access access, WorkspaceService workspaces, WorkspaceTeam team, WorkspaceKeys keys, KeyPolicy keyPolicy) {
        this.access = access;
        this.workspaces = workspaces;
        this.team = team;
        this.keys = keys;
        this.keyPolicy = keyPolicy;
    }

    /**
     * The key form as typed: the amount and numbers as text, the expiry as a local date and time in
     * UTC ({@code 2026-12-31T18:00}), the models ticked (none: every model the policy allows).
     */
    record KeyForm(
            @Nullable String name,
            @Nullable String userId,
            @Nullable String spendAmount,
            @Nullable String spendPeriod,
            @Nullable List<String> allowedModels,
            @Nullable String expiresAt,
            @Nullable String requestsPerMinute,
            @Nullable String tokensPerMinute,
            @Nullable String concurrentCalls)
            implements java.io.Serializable {

        static KeyForm blank() {
            return new KeyForm("", "", "", "month", List.of(), "", "", "", "");
        }

        static KeyForm of(KeyInfo k) {
            KeySettings s = k.settings();
            return new KeyForm(
                    k.name(),
                    k.userId() == null ? "" : k.userId().value(),
                    s.spendLimitMicros() == null
                            ? ""
                            : Credits.ofMicros(s.spendLimitMicros()).toDecimal(),
                    s.spendPeriod() == null ? "month" : s.spendPeriod(),
                    s.allowedModels() == null ? List.of() : new ArrayList<>(s.allowedModels()),
                    local(k.expiresAt()),
                    text(s.requestsPerMinute()),
                    text(s.tokensPerMinute()),
                    text(s.concurrent()));
        }

        /** Whether {@code model} is ticked. */
        public boolean allows(String model) {
            return allowedModels != null && allowedModels.contains(model);
        }

        @Nullable
        SpendLimit spendLimit() {
            if (spendAmount == null || spendAmount.isBlank()) return null;
            return new SpendLimit(spendAmount.strip(), spendPeriod == null ? "" : spendPeriod.strip());
        }

        @Nullable
        List<String> models() {
            if (allowedModels == null) return null;
            List<String> ticked =
                    allowedModels.stream().filter(m -> !m.isBlank()).toList();
            return ticked.isEmpty() ? null : ticked;
        }

        @Nullable
        Instant expiry() {
            if (expiresAt == null || expiresAt.isBlank()) return null;
            try {
                return LocalDateTime.parse(expiresAt.strip()).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw ApiException.invalid("expires_at", "expires_at must be a date and time, e.g. 2026-12-31T18:00.");
            }
        }

        RateLimits rateLimits() {
            return RateLimits.fromText(requestsPerMinute, tokensPerMinute, concurrentCalls, "rate_limits");
        }
    }

    private static String text(@Nullable Number n) {
        return n == null ? "" : n.toString();
    }

    private static String local(@Nullable Instant at) {
        return at == null ? "" : LOCAL.format(at.atOffset(ZoneOffset.UTC));
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/keys/new")
    String createForm(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws, Model model) {
        WorkspaceAccess w = workspace(caller, org, ws);
        w.requireActive();
        if (!w.canManage() && !w.canUse()) throw ApiException.forbidden("This action needs a role that runs models.");
        Forms.prepare(model, KeyForm.blank());
        page(model, w, null);
        return "workspace/key-form";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/keys")
    String create(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @ModelAttribute KeyForm form,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        String path = path(w);
        String name = form.name() == null ? "" : form.name();
        try {
            // Members issue keys for themselves only (the form does not offer the choice): the service binds them.
            UserId bound = w.canManage() ? user(form.userId()) : null;
            KeySettings settings =
                    keys.settings(w, form.spendLimit(), form.models(), form.expiry(), form.rateLimits(), true);
            IssuedToken key = team.issueKey(w, name, bound, settings);
            // A flash attribute lives for exactly one page view: the secret is shown once.
            redirect.addFlashAttribute("newKey", key);
            Flash.success(redirect, "Key “" + name.strip() + "” created. Copy it now: it will not be shown again.");
            return "redirect:" + path + "#keys";
        } catch (ApiException e) {
            if (e.field() == null) throw e; // not allowed, archived: an error page, as in the API
            Forms.reject(redirect, form, e);
            return "redirect:" + path + "/keys/new";
        }
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/keys/{key}/edit")
    String editForm(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String key,
            Model model) {
        WorkspaceAccess w = workspace(caller, org, ws);
        KeyInfo k = changeable(w, key);
        Forms.prepare(model, KeyForm.of(k));
        page(model, w, k);
        return "workspace/key-form";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/keys/{key}")
    String update(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String key,
            @ModelAttribute KeyForm form,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        KeyInfo k = changeable(w, key);
        String path = path(w);
        try {
            Instant expiry = form.expiry();
            // The form shows the expiry to the minute: unchanged, it keeps its exact time and is not re-checked.
            boolean unchanged = expiry != null
                    && k.expiresAt() != null
                    && expiry.equals(k.expiresAt().truncatedTo(ChronoUnit.MINUTES));
            if (unchanged) expiry = k.expiresAt();
            boolean expiryChanged = !Objects.equals(expiry, k.expiresAt());
            KeySettings settings =
                    keys.settings(w, form.spendLimit(), form.models(), expiry, form.rateLimits(), expiryChanged);
            KeyInfo after = team.updateKey(w, k.id(), form.name() == null ? "" : form.name(), settings);
            Flash.success(redirect, "Key “" + after.name() + "” saved.");
            return "redirect:" + path + "#keys";
        } catch (ApiException e) {
            if (e.field() == null) throw e;
            Forms.reject(redirect, form, e);
            return "redirect:" + path + "/keys/" + k.id().value() + "/edit";
        }
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/keys/{key}/rotate")
    String rotateConfirm(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String key,
            Model model) {
        WorkspaceAccess w = workspace(caller, org, ws);
        KeyInfo k = changeable(w, key);
        model.addAttribute("workspace", w.workspace());
        model.addAttribute("key", k);
        model.addAttribute("navSection", "workspaces");
        return "workspace/key-rotate";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/keys/{key}/rotate")
    String rotate(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String key,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        KeyInfo k = changeable(w, key);
        IssuedToken rotated = team.rotateKey(w, k.id());
        redirect.addFlashAttribute("newKey", rotated);
        Flash.success(
                redirect,
                "Key “" + k.name()
                        + "” has a new secret; the old one no longer works. Copy it now: it will not be shown again.");
        return "redirect:" + path(w) + "#keys";
    }

    /** A key the caller may change: of this workspace, not revoked, theirs or they manage the workspace. */
    private KeyInfo changeable(WorkspaceAccess w, String id) {
        if (!Ids.isValid(id, KeyId.PREFIX)) throw ApiException.notFound("key");
        w.requireActive();
        KeyInfo k = team.key(w, new KeyId(id));
        boolean own = k.userId() != null && k.userId().equals(w.org().user());
        if (!w.canManage() && !own) throw ApiException.forbidden("This action needs the workspace admin role.");
        if (k.revokedAt() != null) throw ApiException.conflict("key_revoked", "This key is revoked.");
        return k;
    }

    private void page(Model model, WorkspaceAccess w, @Nullable KeyInfo key) {
        model.addAttribute("workspace", w.workspace());
        model.addAttribute("key", key);
        var models = new LinkedHashSet<>(keyPolicy.modelsAllowed(w));
        // A model the key has that the policy no longer allows is still shown, so saving does not drop it silently.
        if (key != null && key.settings().allowedModels() != null)
            models.addAll(key.settings().allowedModels());
        model.addAttribute("models", List.copyOf(models));
        model.addAttribute("periods", List.of("day", "week", "month"));
        boolean chooseUser = key == null && w.canManage();
        model.addAttribute("chooseUser", chooseUser);
        List<WorkspaceMember> members =
                team.list(w, PageRequest.of(PageRequest.MAX_LIMIT, null)).data();
        if (chooseUser) {
            model.addAttribute(
                    "members",
                    members.stream()
                            .filter(m -> m.role() != WorkspaceRole.VIEWER)
                            .toList());
        }
        if (key != null) {
            model.addAttribute(
                    "actingMember",
                    key.userId() == null
                            ? null
                            : members.stream()
                                    .filter(m -> m.userId().equals(key.userId()))
                                    .map(m -> m.name() + " (" + m.email() + ")")
                                    .findFirst()
                                    .orElse(key.userId().value()));
            model.addAttribute("status", keys.status(key));
            model.addAttribute("spent", keys.spentThisPeriod(w, key).toDecimal());
        }
        model.addAttribute("navSection", "workspaces");
    }

    private WorkspaceAccess workspace(Caller caller, String org, String ws) {
        return workspaces.access(access.to(caller, OrgId.parse(org)).requireMember(), WorkspaceId.parse(ws));
    }

    private static String path(WorkspaceAccess w) {
        return "/orgs/" + w.org().org().value() + "/workspaces/"
                + w.workspace().id().value();
    }

    private static @Nullable UserId user(@Nullable String value) {
        if (value == null || value.isBlank()) return null;
        if (!Ids.isValid(value.strip(), UserId.PREFIX))
            throw ApiException.invalid("user_id", "Choose a member of the workspace.");
        return new UserId(value.strip());
    }
}
