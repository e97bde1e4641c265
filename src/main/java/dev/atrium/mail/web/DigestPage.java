package dev.atrium.mail.web;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.identity.Caller;
import dev.atrium.mail.Mail;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** A workspace's weekly email digest, on or off (whoever may manage the workspace). */
@ConsoleController
class DigestPage {
    private final Access access;
    private final WorkspaceService workspaces;
    private final Mail mail;

    DigestPage(Access access, WorkspaceService workspaces, Mail mail) {
        this.access = access;
        this.workspaces = workspaces;
        this.mail = mail;
    }

    private WorkspaceAccess workspace(Caller caller, String org, String ws) {
        return workspaces.access(access.to(caller, OrgId.parse(org)).requireMember(), WorkspaceId.parse(ws));
    }

    @GetMapping("/orgs/{org}/workspaces/{ws}/mail-digest")
    String page(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws, Model model) {
        WorkspaceAccess w = workspace(caller, org, ws);
        model.addAttribute("workspace", w.workspace());
        model.addAttribute("weekly", mail.weeklyDigest(w));
        model.addAttribute("status", mail.status());
        model.addAttribute("navSection", "workspaces");
        return "mail/digest";
    }

    @PostMapping("/orgs/{org}/workspaces/{ws}/mail-digest")
    String save(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(defaultValue = "false") boolean weekly,
            RedirectAttributes redirect) {
        WorkspaceAccess w = workspace(caller, org, ws);
        mail.setWeeklyDigest(w, weekly);
        Flash.success(
                redirect,
                weekly
                        ? "The workspace's admins will get a usage digest by email every Monday."
                        : "Weekly digest turned off.");
        return "redirect:/orgs/" + w.org().org().value() + "/workspaces/"
                + w.workspace().id().value() + "/mail-digest";
    }
}
