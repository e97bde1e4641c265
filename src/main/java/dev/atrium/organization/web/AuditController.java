package dev.atrium.organization.web;

import dev.atrium.audit.AuditEvent;
import dev.atrium.audit.AuditLog;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET …/audit-events}: the organization's audit log, newest first (owners and admins). */
@RestController
class AuditController {
    private final Access access;
    private final AuditLog audit;

    AuditController(Access access, AuditLog audit) {
        this.access = access;
        this.audit = audit;
    }

    @GetMapping("/api/v1/organizations/{org}/audit-events")
    Page<AuditEvent> list(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after,
            @RequestParam(required = false) @Nullable String action,
            @RequestParam(name = "actor_id", required = false) @Nullable String actorId,
            @RequestParam(name = "target_id", required = false) @Nullable String targetId) {
        var a = access.to(caller, OrgId.parse(org)).requireAdmin();
        return audit.list(a.org(), PageRequest.of(limit, after), action, actorId, targetId);
    }
}
