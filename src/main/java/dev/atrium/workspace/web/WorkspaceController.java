package dev.atrium.workspace.web;

import dev.atrium.common.Amount;
import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.Policy;
import dev.atrium.workspace.RateLimits;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceService;
import java.util.LinkedHashSet;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Workspaces of an organization and their policies. */
@RestController
@RequestMapping("/api/v1/organizations/{org}/workspaces")
class WorkspaceController {
    private final Access access;
    private final WorkspaceService workspaces;

    WorkspaceController(Access access, WorkspaceService workspaces) {
        this.access = access;
        this.workspaces = workspaces;
    }

    record WorkspaceRequest(
            @Nullable String name,
            @Nullable WorkspaceKind kind,
            @Nullable String description) {}

    record PolicyBody(
            @Nullable List<String> allowedModels,
            @Nullable List<String> deniedModels,
            @Nullable Boolean recordHistory,
            @Nullable Integer retentionDays,
            @Amount @Nullable String maxCreditsPerRequest,
            @Nullable RateLimits rateLimits) {

        static PolicyBody of(Policy p) {
            return new PolicyBody(
                    p.allowedModels(),
                    p.deniedModels(),
                    p.recordHistory(),
                    p.retentionDays(),
                    p.maxCreditsPerRequest() == null
                            ? null
                            : p.maxCreditsPerRequest().toDecimal(),
                    p.rateLimits());
        }
    }

    @GetMapping
    Page<Workspace> list(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(name = "include_archived", defaultValue = "false") boolean includeArchived,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after) {
        return workspaces.list(access.to(caller, OrgId.parse(org)), includeArchived, PageRequest.of(limit, after));
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    Workspace create(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody WorkspaceRequest body) {
        return workspaces.create(
                access.to(caller, OrgId.parse(org)),
                body.name() == null ? "" : body.name(),
                body.kind(),
                body.description());
    }

    @GetMapping("/{ws}")
    Workspace get(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        return resolve(caller, org, ws).workspace();
    }

    @PatchMapping("/{ws}")
    Workspace update(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody WorkspaceRequest body) {
        return workspaces.update(resolve(caller, org, ws), body.name(), body.kind(), body.description());
    }

    @DeleteMapping("/{ws}")
    WorkspaceService.Deletion delete(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        return workspaces.delete(resolve(caller, org, ws));
    }

    @PostMapping("/{ws}/archive")
    WorkspaceService.Archival archive(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        return workspaces.archive(resolve(caller, org, ws));
    }

    @PostMapping("/{ws}/unarchive")
    Workspace unarchive(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        return workspaces.unarchive(resolve(caller, org, ws));
    }

    @GetMapping("/{ws}/policy")
    PolicyBody policy(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String ws) {
        return PolicyBody.of(workspaces.policy(resolve(caller, org, ws)));
    }

    @PutMapping("/{ws}/policy")
    PolicyBody putPolicy(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestBody PolicyBody body) {
        WorkspaceAccess a = resolve(caller, org, ws);
        return PolicyBody.of(workspaces.updatePolicy(a, validate(body)));
    }

    private WorkspaceAccess resolve(Caller caller, String org, String ws) {
        return workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
    }

    static Policy validate(PolicyBody body) {
        Credits max = null;
        if (body.maxCreditsPerRequest() != null) {
            try {
                max = Credits.parse(body.maxCreditsPerRequest());
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(
                        "max_credits_per_request",
                        "max_credits_per_request must be a decimal amount with at most 6 decimals.");
            }
            if (max.micros() <= 0) {
                throw ApiException.invalid(
                        "max_credits_per_request", "max_credits_per_request must be greater than 0.");
            }
        }
        if (body.retentionDays() != null && (body.retentionDays() < 1 || body.retentionDays() > 36500)) {
            throw ApiException.invalid("retention_days", "retention_days must be between 1 and 36500.");
        }
        return new Policy(
                models(body.allowedModels(), "allowed_models"),
                models(body.deniedModels(), "denied_models"),
                body.recordHistory() == null || body.recordHistory(),
                body.retentionDays(),
                max,
                RateLimits.checked(body.rateLimits(), "rate_limits"));
    }

    private static @Nullable List<String> models(@Nullable List<String> models, String field) {
        if (models == null) return null;
        if (models.size() > 500) throw ApiException.invalid(field, field + " may list at most 500 models.");
        var clean = new LinkedHashSet<String>();
        for (String m : models) {
            if (m == null || m.isBlank() || m.length() > 200) {
                throw ApiException.invalid(field, field + " entries must be model names of 1 to 200 characters.");
            }
            clean.add(m.strip());
        }
        return List.copyOf(clean);
    }
}
