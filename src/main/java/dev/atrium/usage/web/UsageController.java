package dev.atrium.usage.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.ReportReads;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Member;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import dev.atrium.usage.UsageQuery;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageReports;
import dev.atrium.usage.UsageRow;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/** Usage reports (docs/usage.md): rows by bucket and dimensions, summaries per workspace and member, performance. */
@RestController
@RequestMapping("/api/v1/organizations/{org}/usage")
class UsageController {
    static final List<String> METRICS =
            List.of("count", "input_units", "output_units", "credits", "error_count", "latency_ms_sum");
    private final Scope scope;
    private final UsageReports reports;
    private final OrganizationService organizations;
    private final JsonMapper json;
    private final ReportReads reads;

    private final dev.atrium.usage.RefusalCounts refusals;

    UsageController(
            Scope scope,
            UsageReports reports,
            OrganizationService organizations,
            JsonMapper json,
            ReportReads reads,
            dev.atrium.usage.RefusalCounts refusals) {
        this.refusals = refusals;
        this.scope = scope;
        this.reports = reports;
        this.organizations = organizations;
        this.json = json;
        this.reads = reads;
    }

    /** The JSON shape of a report, for the OpenAPI document (the report itself is streamed). */
    @Schema(name = "UsageReport")
    record ReportDoc(Instant start, Instant end, String bucket, List<String> groupBy, List<UsageRow> data) {}

    @GetMapping
    @ApiResponse(
            responseCode = "200",
            description = "The report, as JSON or (format=csv) CSV with the same columns.",
            content = {
                @Content(mediaType = "application/json", schema = @Schema(implementation = ReportDoc.class)),
                @Content(mediaType = "text/csv", schema = @Schema(type = "string"))
            })
    void report(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @Parameter(required = true, example = "2026-01-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String start,
            @Parameter(required = true, example = "2026-02-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String end,
            @RequestParam(required = false) @Nullable String bucket,
            @RequestParam(name = "group_by", required = false) @Nullable String groupBy,
            @RequestParam(name = "workspace_ids", required = false) @Nullable String workspaceIds,
            @RequestParam(required = false) @Nullable String format,
            HttpServletResponse response)
            throws IOException {
        OrgAccess a = scope.org(caller, org);
        Instant from = Params.hour(start, "start");
        Instant to = Params.hour(end, "end");
        Bucket b = Params.bucket(bucket);
        Params.range(from, to, b == Bucket.HOUR ? Params.MAX_HOURLY_RANGE : Params.MAX_RANGE);
        Set<Dimension> dims = Params.groupBy(groupBy);
        String fmt = Params.format(format, "json", "csv");
        List<WorkspaceId> visible = scope.visible(a, Params.workspaces(workspaceIds));
        UsageQuery q = new UsageQuery(a.org(), from, to, b, dims, visible);
        List<Dimension> ordered =
                Arrays.stream(Dimension.values()).filter(dims::contains).toList();
        if (fmt.equals("csv")) {
            response.setContentType("text/csv;charset=UTF-8");
            response.setHeader("Content-Disposition", "attachment; filename=\"usage.csv\"");
            UsageCsv csv = UsageCsv.of(a, ordered, scope, organizations);
            // The writer is made afresh by each attempt: a replica read that fails before anything is
            // sent is read again from the primary, and nothing of the first attempt may remain.
            reads.stream(response, () -> {
                Writer out = new BufferedWriter(
                        new OutputStreamWriter(response.getOutputStream(), StandardCharsets.UTF_8), 1 << 16);
                out.write(csv.header());
                try {
                    var buckets = new BucketText();
                    reports.stream(q, row -> write(out, csv.line(row, buckets.of(row.bucketStart()))));
                } catch (UncheckedIOException e) {
                    throw e.getCause();
                }
                out.flush();
            });
            return;
        }
        // JSON is streamed too: each row goes out as it comes from the cursor, so memory stays flat
        // whatever the number of rows (same shape as a serialized body).
        response.setContentType("application/json");
        reads.stream(response, () -> json(response, from, to, b, ordered, q));
    }

    private void json(
            HttpServletResponse response, Instant from, Instant to, Bucket b, List<Dimension> ordered, UsageQuery q)
            throws IOException {
        // Closing the generator hands its buffer to the response without flushing or closing it: after
        // a failed replica read the unsent buffer is reset and the report read again from the primary.
        try (JsonGenerator g = json.writer()
                .withoutFeatures(StreamWriteFeature.AUTO_CLOSE_TARGET, StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
                .createGenerator(response.getOutputStream())) {
            g.writeStartObject();
            g.writeStringProperty("start", from.toString());
            g.writeStringProperty("end", to.toString());
            g.writeStringProperty("bucket", b.wire());
            g.writeName("group_by");
            g.writeStartArray();
            for (Dimension d : ordered) g.writeString(d.wire());
            g.writeEndArray();
            g.writeName("data");
            g.writeStartArray();
            reports.stream(q, row -> json(g, row, ordered));
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    static void json(JsonGenerator g, UsageRow r, List<Dimension> dims) {
        g.writeStartObject();
        g.writeStringProperty("bucket_start", r.bucketStart().toString());
        for (Dimension d : dims) {
            String v = value(r, d);
            if (v == null) g.writeNullProperty(d.column());
            else g.writeStringProperty(d.column(), v);
        }
        g.writeNumberProperty("count", r.count());
        g.writeNumberProperty("input_units", r.inputUnits());
        g.writeNumberProperty("output_units", r.outputUnits());
        g.writeStringProperty("credits", r.credits().toDecimal());
        g.writeNumberProperty("error_count", r.errorCount());
        g.writeNumberProperty("latency_ms_sum", r.latencyMsSum());
        g.writeEndObject();
    }

    private static void write(Writer out, String line) {
        try {
            out.write(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text of a bucket's start, formatted once for the consecutive rows of a bucket. */
    private static final class BucketText {
        private @Nullable Instant last;
        private String text = "";

        String of(Instant bucketStart) {
            if (!bucketStart.equals(last)) {
                last = bucketStart;
                text = bucketStart.toString();
            }
            return text;
        }
    }

    static @Nullable String value(UsageRow r, Dimension d) {
        return switch (d) {
            case WORKSPACE -> r.workspaceId();
            case USER -> r.userId();
            case MODEL -> r.model();
            case CATEGORY -> r.category();
        };
    }

    /** RFC 4180: quote a cell holding a comma, quote or line break (model ids are client-chosen). */
    static String cell(@Nullable String value) {
        if (value == null) return "";
        if (value.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r')) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }

    record WorkspaceSplit(
            String workspaceId, String name, String imageSpeechCredits, String chatbotCredits, String totalCredits) {}

    record MemberSplit(
            @Nullable String userId,
            @Nullable String name,
            @Nullable String email,
            String imageSpeechCredits,
            String chatbotCredits,
            String totalCredits) {}

    record Report<T>(Instant start, Instant end, List<T> data) {}

    @GetMapping("/summary")
    Report<WorkspaceSplit> summary(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @Parameter(required = true, example = "2026-01-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String start,
            @Parameter(required = true, example = "2026-02-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String end,
            HttpServletResponse response) {
        OrgAccess a = scope.org(caller, org);
        Instant from = Params.hour(start, "start");
        Instant to = Params.hour(end, "end");
        Params.range(from, to, Params.MAX_RANGE);
        Map<WorkspaceId, String> names = scope.names(a);
        var splits = reads.read(
                response,
                () -> reports.split(
                        a.org(),
                        from,
                        to,
                        Dimension.WORKSPACE,
                        a.seesAllWorkspaces() ? null : List.copyOf(names.keySet())));
        Map<String, UsageReports.Split> byWs = new LinkedHashMap<>();
        splits.forEach(s -> byWs.put(s.key(), s));
        List<WorkspaceSplit> data = new ArrayList<>();
        names.forEach((id, name) -> {
            var s = byWs.remove(id.value());
            data.add(
                    s == null
                            ? new WorkspaceSplit(id.value(), name, "0", "0", "0")
                            : new WorkspaceSplit(
                                    id.value(),
                                    name,
                                    s.imageSpeech().toDecimal(),
                                    s.chatbot().toDecimal(),
                                    s.total().toDecimal()));
        });
        // Usage of workspaces deleted since: still counted, without a name.
        byWs.values()
                .forEach(s -> data.add(new WorkspaceSplit(
                        String.valueOf(s.key()),
                        "",
                        s.imageSpeech().toDecimal(),
                        s.chatbot().toDecimal(),
                        s.total().toDecimal())));
        return new Report<>(from, to, data);
    }

    @GetMapping("/members")
    Report<MemberSplit> members(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @Parameter(required = true, example = "2026-01-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String start,
            @Parameter(required = true, example = "2026-02-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String end,
            @RequestParam(name = "workspace_ids", required = false) @Nullable String workspaceIds,
            HttpServletResponse response) {
        OrgAccess a = scope.all(caller, org);
        Instant from = Params.hour(start, "start");
        Instant to = Params.hour(end, "end");
        Params.range(from, to, Params.MAX_RANGE);
        @Nullable List<WorkspaceId> filter = Params.workspaces(workspaceIds);
        var splits = reads.read(response, () -> reports.split(a.org(), from, to, Dimension.USER, filter));
        List<MemberSplit> data = new ArrayList<>();
        for (var s : splits) {
            Member m = null;
            if (s.key() != null) {
                try {
                    m = organizations.find(a.org(), new UserId(s.key()));
                } catch (ApiException removed) {
                    // A former member: their usage stays, their name is gone.
                }
            }
            data.add(new MemberSplit(
                    s.key(),
                    m == null ? null : m.name(),
                    m == null ? null : m.email(),
                    s.imageSpeech().toDecimal(),
                    s.chatbot().toDecimal(),
                    s.total().toDecimal()));
        }
        return new Report<>(from, to, data);
    }

    record PerformanceRow(
            @Nullable String model,
            @Nullable String workspaceId,
            long count,
            double errorRate,
            long latencyMsP50,
            long latencyMsP95,
            long rateLimited,
            Map<String, Long> rateLimitedByReason) {}

    @GetMapping("/performance")
    Report<PerformanceRow> performance(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @Parameter(required = true, example = "2026-01-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String start,
            @Parameter(required = true, example = "2026-02-01T00:00:00Z") @RequestParam(required = false) @Nullable
                    String end,
            @RequestParam(name = "group_by", required = false) @Nullable String groupBy,
            @RequestParam(name = "workspace_ids", required = false) @Nullable String workspaceIds,
            HttpServletResponse response) {
        OrgAccess a = scope.org(caller, org);
        Instant from = Params.hour(start, "start");
        Instant to = Params.hour(end, "end");
        Params.range(from, to, Params.MAX_PERFORMANCE_RANGE);
        Dimension by = groupBy == null || groupBy.isBlank()
                ? Dimension.MODEL
                : Params.dimension(groupBy, "group_by", "model, workspace");
        List<WorkspaceId> visible = scope.visible(a, Params.workspaces(workspaceIds));
        // Calls refused by rate limits never reach a model: counted per workspace (none on model rows).
        record Read(List<UsageReports.Performance> rows, Map<String, Map<String, Long>> refused) {}
        Read read = reads.read(
                response,
                () -> new Read(
                        reports.performance(a.org(), from, to, by, visible),
                        by == Dimension.WORKSPACE ? refusals.byWorkspace(a.org(), from, to, visible) : Map.of()));
        var rows = read.rows();
        Map<String, Map<String, Long>> refused = read.refused();
        var out = new java.util.ArrayList<PerformanceRow>();
        for (var p : rows) {
            Map<String, Long> reasons = by == Dimension.WORKSPACE ? refused.getOrDefault(p.key(), Map.of()) : Map.of();
            out.add(new PerformanceRow(
                    by == Dimension.MODEL ? p.key() : null,
                    by == Dimension.WORKSPACE ? p.key() : null,
                    p.count(),
                    p.errorRate(),
                    p.latencyMsP50(),
                    p.latencyMsP95(),
                    reasons.values().stream().mapToLong(Long::longValue).sum(),
                    reasons));
        }
        var seen = rows.stream().map(UsageReports.Performance::key).collect(java.util.stream.Collectors.toSet());
        refused.forEach((ws, reasons) -> {
            if (!seen.contains(ws))
                out.add(new PerformanceRow(
                        null,
                        ws,
                        0,
                        0,
                        0,
                        0,
                        reasons.values().stream().mapToLong(Long::longValue).sum(),
                        reasons));
        });
        return new Report<>(from, to, out);
    }
}
