package dev.atrium.usage.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.ReportReads;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.OrgAccess;
import dev.atrium.usage.Statements;
import dev.atrium.usage.Statements.Line;
import dev.atrium.usage.Statements.Statement;
import dev.atrium.workspace.Workspace;
import dev.atrium.workspace.WorkspaceService;
import io.swagger.v3.oas.annotations.Parameter;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/** {@code GET …/usage/statement}: a workspace's client-billing statement as JSON, CSV or a printable page. */
@RestController
@RequestMapping("/api/v1/organizations/{org}/usage/statement")
class StatementController {
    private final Scope scope;
    private final Statements statements;
    private final WorkspaceService workspaces;
    private final ReportReads reads;

    StatementController(Scope scope, Statements statements, WorkspaceService workspaces, ReportReads reads) {
        this.scope = scope;
        this.statements = statements;
        this.workspaces = workspaces;
        this.reads = reads;
    }

    record LineView(
            String model,
            String category,
            long count,
            long inputUnits,
            long outputUnits,
            String costCredits,
            String billedCredits) {}

    record StatementView(
            String workspaceId,
            String workspaceName,
            Instant start,
            Instant end,
            String markupPercent,
            List<LineView> lines,
            long count,
            String costCredits,
            String billedCredits) {}

    @GetMapping
    ResponseEntity<?> statement(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(name = "workspace_id", required = false) @Nullable String workspaceId,
            @Parameter(required = true, example = "2026-01-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String start,
            @Parameter(required = true, example = "2026-02-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String end,
            @RequestParam(required = false) @Nullable String markup,
            @RequestParam(required = false) @Nullable String format,
            HttpServletResponse response) {
        OrgAccess a = scope.all(caller, org);
        if (workspaceId == null || !Ids.isValid(workspaceId, WorkspaceId.PREFIX)) {
            throw ApiException.invalid("workspace_id", "workspace_id is required and must be a workspace id.");
        }
        Instant from = Params.hour(start, "start");
        Instant to = Params.hour(end, "end");
        Params.range(from, to, Params.MAX_RANGE);
        boolean withMarkup = markup == null || markup.isBlank() || Boolean.parseBoolean(markup);
        if (markup != null && !markup.isBlank() && !markup.equals("true") && !markup.equals("false")) {
            throw ApiException.invalid("markup", "markup must be true or false.");
        }
        String fmt = Params.format(format, "json", "csv", "html");
        Workspace ws = workspaces.access(a, new WorkspaceId(workspaceId)).workspace();
        Statement s = reads.read(response, () -> statements.statement(a.org(), ws.id(), from, to, withMarkup));
        StatementView view = new StatementView(
                ws.id().value(),
                ws.name(),
                s.start(),
                s.end(),
                s.markupPercent().toPlainString(),
                s.lines().stream()
                        .map(l -> new LineView(
                                l.model(),
                                l.category(),
                                l.count(),
                                l.inputUnits(),
                                l.outputUnits(),
                                l.cost().toDecimal(),
                                l.billed().toDecimal()))
                        .toList(),
                s.count(),
                s.cost().toDecimal(),
                s.billed().toDecimal());
        return switch (fmt) {
            case "csv" ->
                ResponseEntity.ok()
                        .contentType(new MediaType("text", "csv", java.nio.charset.StandardCharsets.UTF_8))
                        .header("Content-Disposition", "attachment; filename=\"statement.csv\"")
                        .body(csv(s));
            case "html" ->
                ResponseEntity.ok()
                        .contentType(new MediaType("text", "html", java.nio.charset.StandardCharsets.UTF_8))
                        .body(html(view));
            default -> ResponseEntity.ok(view);
        };
    }

    static String csv(Statement s) {
        StringBuilder sb =
                new StringBuilder("model,category,count,input_units,output_units,cost_credits,billed_credits\n");
        for (Line l : s.lines()) {
            sb.append(UsageController.cell(l.model()))
                    .append(',')
                    .append(l.category())
                    .append(',')
                    .append(l.count())
                    .append(',')
                    .append(l.inputUnits())
                    .append(',')
                    .append(l.outputUnits())
                    .append(',')
                    .append(l.cost().toDecimal())
                    .append(',')
                    .append(l.billed().toDecimal())
                    .append('\n');
        }
        sb.append("total,,")
                .append(s.count())
                .append(",,,")
                .append(s.cost().toDecimal())
                .append(',')
                .append(s.billed().toDecimal())
                .append('\n');
        return sb.toString();
    }

    static String html(StatementView v) {
        StringBuilder rows = new StringBuilder();
        for (LineView l : v.lines()) {
            rows.append("<tr><td>")
                    .append(e(l.model()))
                    .append("</td><td>")
                    .append(e(l.category()))
                    .append("</td><td class=n>")
                    .append(l.count())
                    .append("</td><td class=n>")
                    .append(l.inputUnits())
                    .append("</td><td class=n>")
                    .append(l.outputUnits())
                    .append("</td><td class=n>")
                    .append(l.billedCredits())
                    .append("</td></tr>\n");
        }
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>Statement — %s</title>
                <style>
                body{font-family:system-ui,sans-serif;margin:2rem;color:#111}
                table{border-collapse:collapse;width:100%%}th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left}
                .n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:bold;border-top:2px solid #111}
                @media print{body{margin:0}}
                </style></head><body>
                <h1>Usage statement</h1>
                <p>Workspace <strong>%s</strong> (%s)<br>Period %s to %s (UTC)<br>Amounts in credits%s</p>
                <table><thead><tr><th>Model</th><th>Category</th><th class=n>Operations</th><th class=n>Input units</th>
                <th class=n>Output units</th><th class=n>Credits</th></tr></thead>
                <tbody>
                %s</tbody>
                <tfoot><tr><td colspan=2>Total</td><td class=n>%d</td><td></td><td></td><td class=n>%s</td></tr></tfoot>
                </table></body></html>
                """.formatted(
                        e(v.workspaceName()),
                        e(v.workspaceName()),
                        e(v.workspaceId()),
                        v.start(),
                        v.end(),
                        v.markupPercent().equals("0") ? "" : ", including a " + e(v.markupPercent()) + "% markup",
                        rows,
                        v.count(),
                        v.billedCredits());
    }

    private static String e(String s) {
        return HtmlUtils.htmlEscape(s);
    }
}
