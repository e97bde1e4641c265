package dev.atrium.usage;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.CreditAdmin;
import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.Plans;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.internal.Projection;
import dev.atrium.usage.internal.Rollups;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Burn rates and projected exhaustion (docs/usage.md, "Forecast"). The burn rate of a workspace is
 * its credits over the last 7 (and 30) whole days before the current hour, divided by the days;
 * the projection uses the 7-day rate, the refill rules and subscription grants of the ledger, and
 * the workspace spend limits, which cap each workspace's burn per period.
 */
@Service
public class Forecasts {
    private final Rollups rollups;
    private final CreditReports reports;
    private final CreditAdmin admin;
    private final Plans plans;
    private final Clock clock;

    Forecasts(Rollups rollups, CreditReports reports, CreditAdmin admin, Plans plans, Clock clock) {
        this.rollups = rollups;
        this.reports = reports;
        this.admin = admin;
        this.plans = plans;
        this.clock = clock;
    }

    public record Burn(
            Credits available,
            Credits burnRatePerDay,
            @JsonProperty("burn_rate_per_day_7d") Credits burnRatePerDay7d,
            @JsonProperty("burn_rate_per_day_30d") Credits burnRatePerDay30d,
            @Nullable Instant projectedExhaustionAt,
            @Nullable String exhaustedBy) {}

    public record WorkspaceForecast(String workspaceId, String name, String mode, Burn forecast) {}

    public record Forecast(Instant asOf, Burn pool, List<WorkspaceForecast> workspaces) {}

    @Transactional(readOnly = true)
    public Forecast forecast(OrgId org) {
        Instant now = clock.instant();
        Map<String, Long> week = spent(org, now, 7);
        Map<String, Long> month = spent(org, now, 30);
        CreditReports.Overview overview = reports.overview(org);
        List<Projection.Account> accounts = new ArrayList<>();
        long poolBurn = 0;
        long poolBurn30 = 0;
        for (CreditReports.WorkspaceCredits w : overview.workspaces()) {
            String id = w.workspaceId().value();
            long rate = week.getOrDefault(id, 0L) / 7;
            Funding f = admin.funding(org, w.workspaceId());
            boolean budget = f.mode() == Funding.Mode.BUDGET;
            if (!budget) {
                poolBurn += rate;
                poolBurn30 += month.getOrDefault(id, 0L) / 30;
            }
            accounts.add(new Projection.Account(
                    rate,
                    budget,
                    w.available().micros(),
                    f.overflowToPool(),
                    f.refill() == null ? null : f.refill().period(),
                    f.refill() == null || f.refill().to() == null
                            ? null
                            : f.refill().to().micros(),
                    f.refill() == null || f.refill().add() == null
                            ? null
                            : f.refill().add().micros(),
                    f.spendLimit() == null
                            ? null
                            : new Projection.Cap(
                                    f.spendLimit().amount().micros(),
                                    f.spendLimit().period(),
                                    // What is left of this period's limit: captures since its start and
                                    // open holds count, as in the ledger's admission check.
                                    f.spendLimit().amount().micros()
                                            - w.spentPeriod().micros()
                                            - w.held().micros())));
        }
        Projection.Subscription plan = plans.subscription(org)
                .filter(s -> "active".equals(s.status()))
                .map(s -> new Projection.Subscription(s.monthlyCredits().micros(), s.rollover()))
                .orElse(null);
        long pool = overview.pool().available().micros();
        Projection.Result projected = Projection.run(now, pool, plan, accounts);
        List<WorkspaceForecast> workspaces = new ArrayList<>();
        for (int i = 0; i < accounts.size(); i++) {
            CreditReports.WorkspaceCredits w = overview.workspaces().get(i);
            String id = w.workspaceId().value();
            workspaces.add(new WorkspaceForecast(
                    id,
                    w.name(),
                    w.mode(),
                    new Burn(
                            w.available(),
                            Credits.ofMicros(accounts.get(i).burnPerDay()),
                            Credits.ofMicros(accounts.get(i).burnPerDay()),
                            Credits.ofMicros(month.getOrDefault(id, 0L) / 30),
                            projected.workspaces().get(i),
                            cause(projected.causes().get(i)))));
        }
        return new Forecast(
                now,
                new Burn(
                        overview.pool().available(),
                        Credits.ofMicros(poolBurn),
                        Credits.ofMicros(poolBurn),
                        Credits.ofMicros(poolBurn30),
                        projected.pool(),
                        projected.pool() == null ? null : "pool"),
                workspaces);
    }

    private static @Nullable String cause(Projection.@Nullable Cause cause) {
        return cause == null ? null : cause.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Credits per workspace over the {@code days} whole days before the current hour. */
    private Map<String, Long> spent(OrgId org, Instant now, int days) {
        Instant end = now.truncatedTo(ChronoUnit.HOURS);
        Map<String, Long> out = new HashMap<>();
        rollups.stream(
                new UsageQuery(
                        org, end.minus(Duration.ofDays(days)), end, Bucket.NONE, EnumSet.of(Dimension.WORKSPACE), null),
                r -> out.merge(String.valueOf(r.workspaceId()), r.credits().micros(), Long::sum));
        return out;
    }
}
