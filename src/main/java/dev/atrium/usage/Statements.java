package dev.atrium.usage;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.pricing.Costs;
import dev.atrium.pricing.Pricing;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.internal.Rollups;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Client-billing statements: one workspace's usage over a period, a line per model and category,
 * at cost and as billed with the organization's markup ({@link Pricing#markupPercent}). The markup
 * is applied to each line and rounded up to the micro-credit there; the billed total is the sum of
 * the billed lines, so the statement adds up as printed.
 */
@Service
public class Statements {
    private final Rollups rollups;
    private final Pricing pricing;

    Statements(Rollups rollups, Pricing pricing) {
        this.rollups = rollups;
        this.pricing = pricing;
    }

    public record Line(
            String model,
            String category,
            long count,
            long inputUnits,
            long outputUnits,
            Credits cost,
            Credits billed) {}

    public record Statement(
            WorkspaceId workspace,
            Instant start,
            Instant end,
            BigDecimal markupPercent,
            List<Line> lines,
            long count,
            Credits cost,
            Credits billed) {}

    @Transactional(readOnly = true)
    public Statement statement(OrgId org, WorkspaceId ws, Instant start, Instant end, boolean withMarkup) {
        BigDecimal percent = withMarkup ? pricing.markupPercent(org) : BigDecimal.ZERO;
        List<Line> lines = new ArrayList<>();
        rollups.stream(
                new UsageQuery(
                        org, start, end, Bucket.NONE, EnumSet.of(Dimension.MODEL, Dimension.CATEGORY), List.of(ws)),
                r -> lines.add(new Line(
                        String.valueOf(r.model()),
                        String.valueOf(r.category()),
                        r.count(),
                        r.inputUnits(),
                        r.outputUnits(),
                        r.credits(),
                        Costs.withMarkup(r.credits(), percent))));
        long count = 0;
        Credits cost = Credits.ZERO;
        Credits billed = Credits.ZERO;
        for (Line l : lines) {
            count += l.count();
            cost = cost.plus(l.cost());
            billed = billed.plus(l.billed());
        }
        return new Statement(ws, start, end, percent, List.copyOf(lines), count, cost, billed);
    }
}
