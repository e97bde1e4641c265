package dev.atrium.history.web;

import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.ReportReads;
import dev.atrium.common.WorkspaceId;
import dev.atrium.history.ActivityView;
import dev.atrium.history.ConversationDetail;
import dev.atrium.history.ConversationId;
import dev.atrium.history.ConversationSummary;
import dev.atrium.history.History;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** A workspace's conversations (list, search, read, rename, share, delete) and its activities. */
@RestController
@RequestMapping("/api/v1/organizations/{org}/workspaces/{ws}")
class HistoryController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final History history;
    private final ReportReads reads;

    HistoryController(Access access, WorkspaceService workspaces, History history, ReportReads reads) {
        this.access = access;
        this.workspaces = workspaces;
        this.history = history;
        this.reads = reads;
    }

    /** {@code PATCH} body: either field may be left out. */
    record ConversationChange(
            @Nullable String title, @Nullable String visibility) {}

    @GetMapping("/conversations")
    Page<ConversationSummary> list(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after,
            HttpServletResponse response) {
        WorkspaceAccess a = in(caller, org, ws);
        PageRequest page = PageRequest.of(limit, after);
        // A search may read a replica (it finds what was written a moment ago a moment later); the plain
        // list, which a client reads right after creating a conversation, reads the primary.
        if (q == null || q.isBlank()) return history.list(a, null, page);
        return reads.read(response, () -> history.list(a, q, page));
    }

    @GetMapping("/conversations/{id}")
    ConversationDetail get(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id) {
        WorkspaceAccess a = in(caller, org, ws);
        return history.get(a, ConversationId.parse(id));
    }

    @PatchMapping("/conversations/{id}")
    ConversationDetail update(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            @RequestBody ConversationChange change) {
        WorkspaceAccess a = in(caller, org, ws);
        return history.update(a, ConversationId.parse(id), change.title(), change.visibility());
    }

    @DeleteMapping("/conversations/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id) {
        WorkspaceAccess a = in(caller, org, ws);
        history.delete(a, ConversationId.parse(id));
    }

    @GetMapping("/activities")
    Page<ActivityView> activities(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after) {
        return history.activities(in(caller, org, ws), PageRequest.of(limit, after));
    }

    private WorkspaceAccess in(Caller caller, String org, String ws) {
        return workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
    }
}
