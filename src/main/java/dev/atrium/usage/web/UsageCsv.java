package dev.atrium.usage.web;

import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrganizationService;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The usage report's CSV: {@code bucket_start}, the grouped dimensions, each id followed by what
 * names it ({@code workspace_name} after {@code workspace_id}, {@code member_email} after
 * {@code user_id}), then the metrics. The names are looked up in maps built once per export, so a
 * row costs two hash lookups at most, never a query.
 */
final class UsageCsv {
    private final List<Dimension> dims;
    private final Map<String, String> workspaceNames;
    private final Map<String, String> memberEmails;

    /** {@code workspaceNames} and {@code memberEmails} are keyed by id; an id they lack gets an empty cell. */
    UsageCsv(List<Dimension> dims, Map<String, String> workspaceNames, Map<String, String> memberEmails) {
        this.dims = List.copyOf(dims);
        this.workspaceNames = escaped(workspaceNames);
        this.memberEmails = escaped(memberEmails);
    }

    /** The CSV writer of a report: names of workspaces and members resolved once, for the columns grouped by. */
    static UsageCsv of(OrgAccess a, List<Dimension> dims, Scope scope, OrganizationService organizations) {
        Map<String, String> workspaceNames = new HashMap<>();
        if (dims.contains(Dimension.WORKSPACE)) {
            scope.names(a).forEach((id, name) -> workspaceNames.put(id.value(), name));
        }
        Map<String, String> memberEmails = new HashMap<>();
        if (dims.contains(Dimension.USER)) {
            organizations.emails(a).forEach((id, email) -> memberEmails.put(id.value(), email));
        }
        return new UsageCsv(dims, workspaceNames, memberEmails);
    }

    String header() {
        List<String> header = new ArrayList<>();
        header.add("bucket_start");
        for (Dimension d : dims) {
            header.add(d.column());
            if (d == Dimension.WORKSPACE) header.add("workspace_name");
            if (d == Dimension.USER) header.add("member_email");
        }
        header.addAll(UsageController.METRICS);
        return String.join(",", header) + "\n";
    }

    String line(UsageRow r, String bucketStart) {
        StringBuilder sb = new StringBuilder(bucketStart);
        for (Dimension d : dims) {
            String v = UsageController.value(r, d);
            sb.append(',').append(UsageController.cell(v));
            if (d == Dimension.WORKSPACE) sb.append(',').append(name(workspaceNames, v));
            if (d == Dimension.USER) sb.append(',').append(name(memberEmails, v));
        }
        sb.append(',').append(r.count());
        sb.append(',').append(r.inputUnits());
        sb.append(',').append(r.outputUnits());
        sb.append(',').append(r.credits().toDecimal());
        sb.append(',').append(r.errorCount());
        sb.append(',').append(r.latencyMsSum());
        return sb.append('\n').toString();
    }

    private static String name(Map<String, String> cells, @Nullable String id) {
        return id == null ? "" : cells.getOrDefault(id, "");
    }

    /** Names as CSV cells, quoted once here rather than on every row. */
    private static Map<String, String> escaped(Map<String, String> names) {
        Map<String, String> cells = new HashMap<>(names.size() * 2);
        names.forEach((id, name) -> cells.put(id, UsageController.cell(name)));
        return cells;
    }
}
