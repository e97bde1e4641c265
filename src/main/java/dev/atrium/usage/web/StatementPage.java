package dev.atrium.usage.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.ReportReads;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.identity.Caller;
import dev.atrium.organization.OrgAccess;
import dev.atrium.usage.Statements;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceService;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The client-billing statement of one workspace in the console: a printable page and its CSV, with
 * or without the organization's markup (owners, admins and billing, as the API's statement).
 */
@ConsoleController
class StatementPage {
    private final Scope scope;
    private final Statements statements;
    private final WorkspaceService workspaces;
    private final Clock clock;
    private final ReportReads reads;

    StatementPage(Scope scope, Statements statements, WorkspaceService workspaces, Clock clock, ReportReads reads) {
        this.reads = reads;
        this.scope = scope;
        this.statements = statements;
        this.workspaces = workspaces;
        this.clock = clock;
    }

    @GetMapping("/orgs/{org}/usage/statement")
    String statement(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable String workspace,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to,
            @RequestParam(defaultValue = "true") boolean markup,
            Model model) {
        OrgAccess a = scope.all(caller, org).requireMember();
        DateRange range = DateRange.forPage(from, to, clock, model);
        var names = scope.names(a);
        model.addAttribute("organizationId", a.org().value());
        model.addAttribute("workspaceNames", names);
        model.addAttribute("range", range);
        model.addAttribute("markup", markup);
        model.addAttribute("navSection", "usage");
        if (workspace == null || workspace.isBlank()) {
            model.addAttribute("statement", null);
            model.addAttribute("workspace", null);
            return "usage/statement";
        }
        Workspace ws = workspaces.access(a, id(workspace)).workspace();
        model.addAttribute("workspace", ws);
        model.addAttribute("statement", statements.statement(a.org(), ws.id(), range.start(), range.end(), markup));
        return "usage/statement";
    }

    @GetMapping("/orgs/{org}/usage/statement.csv")
    ResponseEntity<String> csv(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam String workspace,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to,
            @RequestParam(defaultValue = "true") boolean markup,
            HttpServletResponse response) {
        OrgAccess a = scope.all(caller, org).requireMember();
        DateRange range = DateRange.parse(from, to, clock);
        Workspace ws = workspaces.access(a, id(workspace)).workspace();
        var s = reads.read(response, () -> statements.statement(a.org(), ws.id(), range.start(), range.end(), markup));
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header(
                        "Content-Disposition",
                        "attachment; filename=\"statement-" + ws.id().value() + "-" + range.from() + "-to-" + range.to()
                                + ".csv\"")
                .body(StatementController.csv(s));
    }

    private static WorkspaceId id(String value) {
        if (!Ids.isValid(value, WorkspaceId.PREFIX)) throw ApiException.notFound("workspace");
        return new WorkspaceId(value);
    }
}
