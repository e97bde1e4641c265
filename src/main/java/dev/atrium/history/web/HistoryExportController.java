package dev.atrium.history.web;

import dev.atrium.common.OrgId;
import dev.atrium.common.ReportReads;
import dev.atrium.common.WorkspaceId;
import dev.atrium.history.HistoryExport;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET …/workspaces/{ws}/history/export}: the history the caller can see, as a streamed zip. */
@RestController
class HistoryExportController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final HistoryExport export;
    private final ReportReads reads;

    HistoryExportController(Access access, WorkspaceService workspaces, HistoryExport export, ReportReads reads) {
        this.access = access;
        this.workspaces = workspaces;
        this.export = export;
        this.reads = reads;
    }

    /** Written on the request thread (no async dispatch): the zip streams as it is built. */
    @GetMapping("/api/v1/organizations/{org}/workspaces/{ws}/history/export")
    void export(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            HttpServletResponse response)
            throws IOException {
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        export.requireReadable(a);
        reads.stream(response, () -> export.respond(a, response));
    }
}
