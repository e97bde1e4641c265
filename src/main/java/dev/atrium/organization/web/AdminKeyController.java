package dev.atrium.organization.web;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.IssuedToken;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
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
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Organization admin keys ({@code atr_adm_…}): issued and revoked by owners and admins. */
@RestController
class AdminKeyController {
    private final Access access;
    private final Identity identity;
    private final AuditLog audit;

    AdminKeyController(Access access, Identity identity, AuditLog audit) {
        this.access = access;
        this.identity = identity;
        this.audit = audit;
    }

    @Schema(name = "AdminKeyRequest")
    record KeyRequest(@Nullable String name) {}

    @Schema(name = "IssuedAdminKey")
    record IssuedKey(String id, String key, String prefix, Instant createdAt) {}

    @PostMapping("/api/v1/organizations/{org}/admin-keys")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional
    IssuedKey create(@AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody KeyRequest body) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        IssuedToken key = identity.issueAdminKey(a.org(), body.name() == null ? "" : body.name(), caller);
        audit.record(
                a.org(),
                caller,
                "admin_key.created",
                "key",
                key.id().value(),
                null,
                Map.of("name", body.name() == null ? "" : body.name().strip(), "prefix", key.prefix()));
        return new IssuedKey(key.id().value(), key.secret(), key.prefix(), key.createdAt());
    }

    @GetMapping("/api/v1/organizations/{org}/admin-keys")
    Map<String, List<KeyView>> list(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        return Map.of(
                "data", identity.adminKeys(a.org()).stream().map(KeyView::of).toList());
    }

    @DeleteMapping("/api/v1/organizations/{org}/admin-keys/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    void revoke(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String id) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        var before = identity.revokeAdminKey(a.org(), KeyId.parse(id));
        audit.record(a.org(), caller, "admin_key.revoked", "key", id, KeyView.of(before), Map.of("status", "revoked"));
    }
}
