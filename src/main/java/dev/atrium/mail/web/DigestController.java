package dev.atrium.mail.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.mail.Mail;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceService;
import io.swagger.v3.oas.annotations.media.Schema;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET|PUT …/workspaces/{ws}/mail-digest}: whether the workspace's admins get a weekly usage digest by email. */
@RestController
class DigestController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final Mail mail;

    DigestController(Access access, WorkspaceService workspaces, Mail mail) {
        this.access = access;
        this.workspaces = workspaces;
        this.mail = mail;
    }

    record DigestRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            Boolean weekly) {}

    /** {@code weekly}: the setting; {@code smtp_configured}: whether this server sends email at all. */
    record DigestResponse(String workspaceId, boolean weekly, boolean smtpConfigured) {}

    @GetMapping("/api/v1/organizations/{org}/workspaces/{ws}/mail-digest")
    DigestResponse get(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        var w = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        return new DigestResponse(ws, mail.weeklyDigest(w), mail.status().smtpConfigured());
    }

    @PutMapping("/api/v1/organizations/{org}/workspaces/{ws}/mail-digest")
    DigestResponse put(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody DigestRequest body) {
        var w = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        if (body.weekly() == null) throw ApiException.invalid("weekly", "weekly must be true or false.");
        return new DigestResponse(
                ws, mail.setWeeklyDigest(w, body.weekly()), mail.status().smtpConfigured());
    }
}
