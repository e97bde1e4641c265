package dev.atrium.usage.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.ReportReads;
import dev.atrium.common.WorkspaceId;
import dev.atrium.console.ConsoleController;
import dev.atrium.identity.Caller;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import dev.atrium.usage.UsageQuery;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageReports;
import dev.atrium.usage.UsageRow;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's usage page: credits per day by category, by model and by workspace (charts drawn by
 * ECharts from the data in the page, with the same figures in tables), a date-range picker, and
 * the CSV export. A member sees the workspaces they are assigned to; others see all (as the API's
 * {@link Scope}).
 */
@ConsoleController
class UsagePage {
    private static final int TOP_SERIES = 8;

    private final Scope scope;
    private final UsageReports reports;
    private final JsonMapper json;
    private final Clock clock;
    private final OrganizationService organizations;
    private final ReportReads reads;

    UsagePage(
            Scope scope,
            UsageReports reports,
            JsonMapper json,
            Clock clock,
            OrganizationService organizations,
            ReportReads reads) {
        this.organizations = organizations;
        this.reads = reads;
        this.scope = scope;
        this.reports = reports;
        this.json = json;
        this.clock = clock;
    }

    /** A workspace's credits over the range, split as the platform's users know them. */
    record WorkspaceLine(String id, String name, Credits imageSpeech, Credits chatbot, Credits total) {}

    @GetMapping("/orgs/{org}/usage")
    String page(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to,
            @RequestParam(required = false) @Nullable String workspace,
            Model model) {
        OrgAccess a = scope.org(caller, org).requireMember();
        DateRange range = DateRange.forPage(from, to, clock, model);
        Map<WorkspaceId, String> names = scope.names(a);
        WorkspaceId only = workspace(workspace);
        List<WorkspaceId> visible = scope.visible(a, only == null ? null : List.of(only));
        List<LocalDate> days = range.from().datesUntil(range.to().plusDays(1)).toList();

        Map<String, Object> charts = new LinkedHashMap<>();
        charts.put("days", days.stream().map(LocalDate::toString).toList());
        charts.put("category", series(a.org(), range, visible, Dimension.CATEGORY, days, c -> label(c)));
        charts.put("model", series(a.org(), range, visible, Dimension.MODEL, days, Function.identity()));
        charts.put(
                "workspace",
                series(
                        a.org(),
                        range,
                        visible,
                        Dimension.WORKSPACE,
                        days,
                        id -> names.getOrDefault(new WorkspaceId(id), id)));

        List<WorkspaceLine> lines = new ArrayList<>();
        Credits total = Credits.ZERO;
        for (var s : reports.split(a.org(), range.start(), range.end(), Dimension.WORKSPACE, visible)) {
            String id = s.key() == null ? "" : s.key();
            lines.add(new WorkspaceLine(
                    id, names.getOrDefault(new WorkspaceId(id), id), s.imageSpeech(), s.chatbot(), s.total()));
            total = total.plus(s.total());
        }
        lines.sort((x, y) -> y.total().compareTo(x.total()));
        model.addAttribute("organizationId", a.org().value());
        model.addAttribute("range", range);
        model.addAttribute("workspaceFilter", only == null ? "" : only.value());
        model.addAttribute("workspaceNames", names);
        model.addAttribute("lines", lines);
        model.addAttribute("total", total);
        model.addAttribute("chartData", json.writeValueAsString(charts));
        model.addAttribute("seesAll", a.seesAllWorkspaces());
        model.addAttribute("navSection", "usage");
        return "usage/usage";
    }

    /** The report as CSV: one line per day, workspace, model and category, as the API's CSV. */
    @GetMapping("/orgs/{org}/usage/export.csv")
    void csv(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable String from,
            @RequestParam(required = false) @Nullable String to,
            @RequestParam(required = false) @Nullable String workspace,
            HttpServletResponse response)
            throws IOException {
        OrgAccess a = scope.org(caller, org).requireMember();
        DateRange range = DateRange.parse(from, to, clock);
        WorkspaceId only = workspace(workspace);
        List<WorkspaceId> visible = scope.visible(a, only == null ? null : List.of(only));
        List<Dimension> dims = List.of(Dimension.WORKSPACE, Dimension.USER, Dimension.MODEL, Dimension.CATEGORY);
        response.setContentType("text/csv;charset=UTF-8");
        response.setHeader(
                "Content-Disposition", "attachment; filename=\"usage-" + range.from() + "-to-" + range.to() + ".csv\"");
        UsageCsv csv = UsageCsv.of(a, dims, scope, organizations);
        // A CSV export, read from the reports replica when there is one (see ReportReads).
        reads.stream(response, () -> {
            Writer out = new OutputStreamWriter(response.getOutputStream(), StandardCharsets.UTF_8);
            out.write(csv.header());
            try {
                reports.stream(
                        new UsageQuery(a.org(), range.start(), range.end(), Bucket.DAY, Set.copyOf(dims), visible),
                        row -> {
                            try {
                                out.write(csv.line(row, row.bucketStart().toString()));
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            out.flush();
        });
    }

    /** Credits per day for each value of {@code by}: the largest {@link #TOP_SERIES}, the rest as "other". */
    private Map<String, List<String>> series(
            OrgId org,
            DateRange range,
            @Nullable List<WorkspaceId> visible,
            Dimension by,
            List<LocalDate> days,
            Function<String, String> label) {
        Map<String, long[]> perKey = new TreeMap<>();
        Map<LocalDate, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < days.size(); i++) index.put(days.get(i), i);
        reports.stream(
                new UsageQuery(org, range.start(), range.end(), Bucket.DAY, EnumSet.of(by), visible),
                (UsageRow row) -> {
                    String key = switch (by) {
                        case CATEGORY -> row.category();
                        case MODEL -> row.model();
                        case WORKSPACE -> row.workspaceId();
                        case USER -> row.userId();
                    };
                    Integer i = index.get(LocalDate.ofInstant(row.bucketStart(), ZoneOffset.UTC));
                    if (i == null) return;
                    long[] values =
                            perKey.computeIfAbsent(label.apply(key == null ? "—" : key), k -> new long[days.size()]);
                    values[i] = Math.addExact(values[i], row.credits().micros());
                });
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(perKey.entrySet());
        sorted.sort((x, y) -> Long.compare(sum(y.getValue()), sum(x.getValue())));
        Map<String, List<String>> out = new LinkedHashMap<>();
        long[] other = new long[days.size()];
        for (int n = 0; n < sorted.size(); n++) {
            if (n < TOP_SERIES) {
                out.put(sorted.get(n).getKey(), decimals(sorted.get(n).getValue()));
            } else {
                long[] v = sorted.get(n).getValue();
                for (int i = 0; i < v.length; i++) other[i] += v[i];
            }
        }
        if (sorted.size() > TOP_SERIES) out.put("other", decimals(other));
        return out;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) s += v;
        return s;
    }

    private static List<String> decimals(long[] micros) {
        List<String> out = new ArrayList<>(micros.length);
        for (long m : micros) out.add(Credits.ofMicros(m).toDecimal());
        return out;
    }

    private static String label(String category) {
        return switch (category) {
            case "chat" -> "chatbot";
            case "image" -> "image";
            case "speech" -> "speech";
            default -> category;
        };
    }

    private static @Nullable WorkspaceId workspace(@Nullable String value) {
        if (value == null || value.isBlank()) return null;
        if (!Ids.isValid(value, WorkspaceId.PREFIX)) throw ApiException.notFound("workspace");
        return new WorkspaceId(value);
    }
}
