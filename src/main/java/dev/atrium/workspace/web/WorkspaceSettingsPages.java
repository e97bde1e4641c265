package dev.atrium.workspace.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.console.Forms;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.Policy;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceService;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Console pages that change a workspace: edit its name, kind and description; its policy; delete
 * it. Each goes through {@link WorkspaceService} like the API, so the same checks and audit apply.
 * The delete confirmation page lives in the ledger's web package (it shows the budget returning to
 * the pool); the deletion itself is here.
 */
@ConsoleController
class WorkspaceSettingsPages {
    private final Access access;
    private final WorkspaceService workspaces;

    WorkspaceSettingsPages(Access access, WorkspaceService workspaces) {
        this.access = access;
        this.workspaces = workspaces;
    }

    /** The policy form as typed: model lists one per line (or comma separated), numbers as text. */
    record PolicyForm(
            @Nullable String allowedModels,
            @Nullable String deniedModels,
            @Nullable Boolean recordHistory,
            @Nullable String retentionDays,
            @Nullable String maxCreditsPerRequest,
            @Nullable String requestsPerMinute,
            @Nullable String tokensPerMinute,
            @Nullable String concurrentCalls)
            implements java.io.Serializable {

        static PolicyForm of(Policy p) {
            return new PolicyForm(
                    p.allowedModels() == null ? "" : String.join("\n", p.allowedModels()),
                    p.deniedModels() == null ? "" : String.join("\n", p.deniedModels()),
                    p.recordHistory(),
                    p.retentionDays() == null ? "" : p.retentionDays().toString(),
                    p.maxCreditsPerRequest() == null
                            ? ""
                            : p.maxCreditsPerRequest().toDecimal(),
                    text(p.rateLimits().requestsPerMinute()),
                    text(p.rateLimits().tokensPerMinute()),
                    text(p.rateLimits().concurrent()));
        }

        /** The policy through the API's own validation. */
        Policy toPolicy() {
            Integer days = null;
            if (retentionDays != null && !retentionDays.isBlank()) {
                try {
                    days = Integer.valueOf(retentionDays.strip());
                } catch (NumberFormatException e) {
                    throw ApiException.invalid("retention_days", "retention_days must be a whole number of days.");
                }
            }
            String max = maxCreditsPerRequest == null || maxCreditsPerRequest.isBlank()
                    ? null
                    : maxCreditsPerRequest.strip();
            return WorkspaceController.validate(new WorkspaceController.PolicyBody(
                    models(allowedModels),
                    models(deniedModels),
                    Boolean.TRUE.equals(recordHistory),
                    days,
                    max,
                    RateLimits.fromText(requestsPerMinute, tokensPerMinute, concurrentCalls, "rate_limits")));
        }

        private static @Nullable List<String> models(@Nullable String text) {
            if (text == null || text.isBlank()) return null;
            List<String> list = Arrays.stream(text.split("[,\\n\\r]+"))
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .toList();
            return list.isEmpty() ? null : list;
        }
    }

    static String text(@Nullable Number n) {
        return n == null ? "" : n.toString();
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/edit")
    String editForm(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws, Model model) {
        WorkspaceAccess w = manageable(caller, org, ws);
        Workspace current = w.workspace();
        Forms.prepare(
                model,
                new WorkspacePages.WorkspaceForm(current.name(), current.kind().wire(), current.description()));
        model.addAttribute("workspace", current);
        model.addAttribute("kinds", WorkspaceKind.values());
        model.addAttribute("navSection", "workspaces");
        return "workspace/edit";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}")
    String update(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @ModelAttribute WorkspacePages.WorkspaceForm form,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        String path = path(w);
        try {
            Workspace after = workspaces.update(
                    w,
                    form.name() == null ? "" : form.name(),
                    WorkspacePages.kind(form.kind()),
                    form.description() == null ? "" : form.description());
            Flash.success(redirect, "Workspace “" + after.name() + "” saved.");
            return "redirect:" + path;
        } catch (ApiException e) {
            if (e.field() == null) throw e; // not allowed, archived: an error page, as in the API
            Forms.reject(redirect, form, e);
            return "redirect:" + path + "/edit";
        }
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/policy")
    String policyForm(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws, Model model) {
        WorkspaceAccess w = workspace(caller, org, ws);
        Forms.prepare(model, PolicyForm.of(workspaces.policy(w)));
        model.addAttribute("workspace", w.workspace());
        model.addAttribute("canManage", w.canManage() && w.workspace().active());
        model.addAttribute("navSection", "workspaces");
        return "workspace/policy";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/policy")
    String updatePolicy(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @ModelAttribute PolicyForm form,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        String path = path(w);
        try {
            workspaces.updatePolicy(w, form.toPolicy());
            Flash.success(redirect, "Policy saved.");
            return "redirect:" + path;
        } catch (ApiException e) {
            if (e.field() == null) throw e;
            Forms.reject(redirect, form, e);
            return "redirect:" + path + "/policy";
        }
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/delete")
    String delete(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(defaultValue = "") String confirm,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        w.org().requireAdmin();
        if (!confirm.strip().equals(w.workspace().name())) {
            redirect.addFlashAttribute("confirm", confirm);
            Flash.error(redirect, "Type the workspace's name exactly to confirm the deletion.");
            return "redirect:" + path(w) + "/delete";
        }
        WorkspaceService.Deletion d = workspaces.delete(w);
        Flash.success(
                redirect,
                "Workspace “" + w.workspace().name() + "” deleted: " + d.keysRevoked() + " key"
                        + (d.keysRevoked() == 1 ? "" : "s") + " revoked, its budget returned to the pool.");
        return "redirect:/orgs/" + w.org().org().value() + "/workspaces";
    }

    private WorkspaceAccess manageable(Caller caller, String org, String ws) {
        WorkspaceAccess w = workspace(caller, org, ws);
        w.requireManage().requireActive();
        return w;
    }

    private WorkspaceAccess workspace(Caller caller, String org, String ws) {
        return workspaces.access(access.to(caller, OrgId.parse(org)).requireMember(), WorkspaceId.parse(ws));
    }

    static String path(WorkspaceAccess w) {
        return "/orgs/" + w.org().org().value() + "/workspaces/"
                + w.workspace().id().value();
    }
}
