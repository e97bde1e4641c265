package dev.atrium.ledger;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.Book;
import dev.atrium.ledger.internal.FundingRows;
import dev.atrium.ledger.internal.SpendCounters;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Threshold alerts: a workspace's use of its budget or spend limit crossing a percentage, and the
 * pool falling below an amount. Each fires once per threshold and period (claimed by a primary key),
 * as an audit event, a webhook delivery and an {@link AlertFired} event (email).
 */
@Service
public class Alerts {
    private final JdbcClient jdbc;
    private final Book book;
    private final FundingRows funding;
    private final SpendCounters counters;
    private final Webhooks webhooks;
    private final AuditLog audit;
    private final JsonMapper json;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    Alerts(
            JdbcClient jdbc,
            Book book,
            FundingRows funding,
            SpendCounters counters,
            Webhooks webhooks,
            AuditLog audit,
            JsonMapper json,
            Clock clock,
            ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.book = book;
        this.funding = funding;
        this.counters = counters;
        this.webhooks = webhooks;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.events = events;
    }

    @Transactional(readOnly = true)
    public List<Integer> thresholds(OrgId org, WorkspaceId ws) {
        return jdbc.sql("SELECT thresholds_percent FROM alert_settings WHERE org_id = :org AND subject = :ws")
                .param("org", org.value())
                .param("ws", ws.value())
                .query((rs, n) -> Arrays.asList((Integer[]) rs.getArray(1).getArray()))
                .optional()
                .orElse(List.of());
    }

    @Transactional
    public List<Integer> setThresholds(OrgId org, WorkspaceId ws, List<Integer> percents) {
        if (percents.size() > 20) throw ApiException.invalid("thresholds_percent", "at most 20 thresholds.");
        var sorted = new TreeSet<Integer>();
        for (Integer p : percents) {
            if (p == null || p < 1 || p > 1000) {
                throw ApiException.invalid(
                        "thresholds_percent", "thresholds_percent entries must be between 1 and 1000.");
            }
            sorted.add(p);
        }
        jdbc.sql("""
                        INSERT INTO alert_settings (org_id, subject, thresholds_percent, updated_at)
                        VALUES (:org, :ws, CAST(:list AS integer[]), :at)
                        ON CONFLICT (org_id, subject) DO UPDATE SET thresholds_percent = EXCLUDED.thresholds_percent,
                          updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param(
                        "list",
                        "{"
                                + String.join(
                                        ",",
                                        sorted.stream().map(String::valueOf).toList()) + "}")
                .param("at", Timestamp.from(clock.instant()))
                .update();
        return List.copyOf(sorted);
    }

    @Transactional(readOnly = true)
    public @Nullable Credits poolBelow(OrgId org) {
        return jdbc.sql("SELECT pool_below FROM alert_settings WHERE org_id = :org AND subject = 'pool'")
                .param("org", org.value())
                .query((rs, n) -> {
                    long v = rs.getLong(1);
                    return rs.wasNull() ? null : Credits.ofMicros(v);
                })
                .optional()
                .orElse(null);
    }

    @Transactional
    public void setPoolBelow(OrgId org, @Nullable Credits amount) {
        jdbc.sql("""
                        INSERT INTO alert_settings (org_id, subject, pool_below, updated_at) VALUES (:org, 'pool', :amount, :at)
                        ON CONFLICT (org_id, subject) DO UPDATE SET pool_below = EXCLUDED.pool_below, updated_at = EXCLUDED.updated_at
                        """)
                .param("org", org.value())
                .param("amount", amount == null ? null : amount.micros())
                .param("at", Timestamp.from(clock.instant()))
                .update();
    }

    /** Organizations with any alert configured. */
    @Transactional(readOnly = true)
    public List<OrgId> configured() {
        return jdbc.sql("SELECT DISTINCT org_id FROM alert_settings")
                .query((rs, n) -> new OrgId(rs.getString(1)))
                .list();
    }

    /** Checks the organization's thresholds now; returns the alerts that fired (each at most once per period). */
    @Transactional
    public List<Map<String, Object>> evaluate(OrgId org) {
        Instant now = clock.instant();
        List<Map<String, Object>> fired = new ArrayList<>();
        Credits below = poolBelow(org);
        if (below != null) {
            long pool = book.balance(org, Account.POOL);
            if (pool < below.micros()) {
                var details = new LinkedHashMap<String, Object>();
                details.put("type", "alert.pool_low");
                details.put("organization_id", org.value());
                details.put("pool_available", Credits.ofMicros(pool).toDecimal());
                details.put("threshold", below.toDecimal());
                fire(org, "pool", "below:" + below.micros(), Period.MONTH.start(now), details)
                        .ifPresent(fired::add);
            }
        }
        for (FundingRows.Funded w : funding.all(org)) {
            List<Integer> thresholds = thresholds(org, w.workspace());
            if (thresholds.isEmpty()) continue;
            Funding f = w.funding();
            String ws = w.workspace().value();
            Period period;
            long used;
            long capacity;
            String basis;
            if (f.mode() == Funding.Mode.BUDGET) {
                period = f.refill() != null ? f.refill().period() : Period.MONTH;
                long spent = spentSince(org, w.workspace(), period.start(now));
                long held = book.balance(org, Account.held(w.workspace()));
                used = spent + held;
                capacity = used + book.balance(org, Account.budget(w.workspace()));
                basis = "budget";
            } else if (f.spendLimit() != null) {
                period = f.spendLimit().period();
                used = counters.used(org, "workspace", ws, "", period.start(now));
                capacity = f.spendLimit().amount().micros();
                basis = "spend_limit";
            } else {
                continue;
            }
            if (capacity <= 0) continue;
            long percent = used * 100 / capacity;
            for (int t : thresholds) {
                if (percent < t) continue;
                var details = new LinkedHashMap<String, Object>();
                details.put("type", "alert.threshold");
                details.put("organization_id", org.value());
                details.put("workspace_id", ws);
                details.put("workspace_name", w.name());
                details.put("basis", basis);
                details.put("threshold_percent", t);
                details.put("used", Credits.ofMicros(used).toDecimal());
                details.put("of", Credits.ofMicros(capacity).toDecimal());
                details.put("period", period.wire());
                fire(org, ws, "percent:" + t, period.start(now), details).ifPresent(fired::add);
            }
        }
        return fired;
    }

    private java.util.Optional<Map<String, Object>> fire(
            OrgId org, String subject, String threshold, Instant periodStart, Map<String, Object> details) {
        details.put("period_start", periodStart.toString());
        details.put("fired_at", clock.instant().toString());
        String body = json.writeValueAsString(details);
        boolean claimed = jdbc.sql("""
                                INSERT INTO alert_firings (org_id, subject, threshold, period_start, fired_at, details)
                                VALUES (:org, :subject, :threshold, :start, :at, :details) ON CONFLICT DO NOTHING
                                """)
                        .param("org", org.value())
                        .param("subject", subject)
                        .param("threshold", threshold)
                        .param("start", Timestamp.from(periodStart))
                        .param("at", Timestamp.from(clock.instant()))
                        .param("details", body)
                        .update()
                == 1;
        if (!claimed) return java.util.Optional.empty();
        String event = (String) details.get("type");
        audit.record(
                org,
                "system",
                "atrium",
                event,
                subject.equals("pool") ? "organization" : "workspace",
                subject.equals("pool") ? org.value() : subject,
                null,
                details);
        webhooks.enqueue(org, event, body);
        // Email to the people concerned, queued in this same transaction (see the mail module).
        events.publishEvent(new AlertFired(
                org, event, subject.equals("pool") ? null : new WorkspaceId(subject), Map.copyOf(details)));
        return java.util.Optional.of(details);
    }

    private long spentSince(OrgId org, WorkspaceId ws, Instant since) {
        return jdbc.sql("""
                        SELECT coalesce(sum(amount), 0) FROM ledger_transfers
                        WHERE org_id = :org AND workspace_id = :ws AND kind = 'capture' AND created_at >= :since
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("since", Timestamp.from(since))
                .query(Long.class)
                .single();
    }
}
