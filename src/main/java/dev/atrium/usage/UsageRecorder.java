package dev.atrium.usage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Writes usage events inside the transaction that settles the operation, so none is lost or doubled. */
@Service
public class UsageRecorder {
    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final Clock clock;

    UsageRecorder(JdbcClient jdbc, JdbcTemplate template, Clock clock) {
        this.jdbc = jdbc;
        this.template = template;
        this.clock = clock;
    }

    /**
     * Appends the event; a statement-level trigger (last replaced by {@code
     * V91__usage_rollup_pending_deltas.sql}) appends its hour's delta to the pending rollups in the same
     * transaction, and reports read those with the folded rollups, so they never disagree with the events.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(UsageEvent e) {
        insert(e, null);
    }

    /**
     * Appends an ingested event under the client's id; false (and nothing written) when an event
     * with that id exists already.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean recordExternal(UsageEvent e, String externalId) {
        return insert(e, externalId) == 1;
    }

    private int insert(UsageEvent e, @Nullable String externalId) {
        return jdbc.sql("""
                        INSERT INTO usage_events (org_id, id, workspace_id, user_id, key_id, model, provider, category, operation,
                            input_units, output_units, credits, latency_ms, status, hold_id, request_id, source, occurred_at,
                            recorded_at, external_id)
                        VALUES (:org, :id, :ws, :user, :key, :model, :provider, :category, :operation, :in, :out, :credits,
                            :latency, :status, :hold, :request, :source, :occurred, :recorded, :external)
                        ON CONFLICT (org_id, external_id) WHERE external_id IS NOT NULL DO NOTHING
                        """)
                .param("org", e.org().value())
                .param("id", e.id())
                .param("ws", e.workspace().value())
                .param("user", e.user() == null ? null : e.user().value())
                .param("key", e.key() == null ? null : e.key().value())
                .param("model", e.model())
                .param("provider", e.provider())
                .param("category", e.category())
                .param("operation", e.operation())
                .param("in", e.inputUnits())
                .param("out", e.outputUnits())
                .param("credits", e.credits().micros())
                .param("latency", (int) Math.min(Integer.MAX_VALUE, e.latencyMs()))
                .param("status", e.status())
                .param("hold", e.holdId())
                .param("request", e.requestId())
                .param("source", e.source())
                .param("occurred", Timestamp.from(e.occurredAt()))
                .param("recorded", Timestamp.from(clock.instant()))
                .param("external", externalId)
                .update();
    }

    /**
     * Appends many events in one statement: the rows travel as one array per column and are inserted
     * by one {@code INSERT … SELECT FROM unnest(…)}, so the rollup trigger runs once for the whole set
     * (one pending row per touched hour and key). {@code externalIds} is null or parallel to {@code events}
     * (an entry may be null); an event whose external id is already stored is skipped. Answers the
     * external ids written. The caller's transaction decides what is committed.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Set<String> recordAll(List<UsageEvent> events, @Nullable List<@Nullable String> externalIds) {
        if (externalIds != null && externalIds.size() != events.size()) {
            throw new IllegalArgumentException("one external id (or null) per event");
        }
        return insert(
                events,
                externalIds,
                "ON CONFLICT (org_id, external_id) WHERE external_id IS NOT NULL DO NOTHING RETURNING external_id");
    }

    /**
     * Appends the events that are not stored yet, recognised by their hold (or reservation) id, in
     * one statement; answers the hold ids written. For settlements that may be applied twice (a
     * journal replayed after a crash): what was written before is skipped, and so must be
     * whatever else the caller would write with it. The caller's transaction decides what is
     * committed.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Set<String> recordNew(List<UsageEvent> events) {
        for (UsageEvent e : events) {
            if (e.holdId() == null) throw new IllegalArgumentException("recordNew needs a hold id on each event");
        }
        return insert(events, null, "ON CONFLICT DO NOTHING RETURNING hold_id");
    }

    private Set<String> insert(
            List<UsageEvent> events, @Nullable List<@Nullable String> externalIds, String onConflict) {
        Set<String> written = new HashSet<>();
        if (events.isEmpty()) return written;
        int n = events.size();
        String[] org = new String[n], id = new String[n], ws = new String[n], user = new String[n], key = new String[n];
        String[] model = new String[n], provider = new String[n], category = new String[n], operation = new String[n];
        String[] status = new String[n], hold = new String[n], request = new String[n], source = new String[n];
        String[] external = new String[n];
        Long[] in = new Long[n], out = new Long[n], credits = new Long[n], latency = new Long[n], at = new Long[n];
        for (int i = 0; i < n; i++) {
            UsageEvent e = events.get(i);
            org[i] = e.org().value();
            id[i] = e.id();
            ws[i] = e.workspace().value();
            user[i] = e.user() == null ? null : e.user().value();
            key[i] = e.key() == null ? null : e.key().value();
            model[i] = e.model();
            provider[i] = e.provider();
            category[i] = e.category();
            operation[i] = e.operation();
            in[i] = e.inputUnits();
            out[i] = e.outputUnits();
            credits[i] = e.credits().micros();
            latency[i] = Math.min(Integer.MAX_VALUE, e.latencyMs());
            status[i] = e.status();
            hold[i] = e.holdId();
            request[i] = e.requestId();
            source[i] = e.source();
            at[i] = micros(e.occurredAt());
            external[i] = externalIds == null ? null : externalIds.get(i);
        }
        Timestamp recorded = Timestamp.from(clock.instant());
        String sql = """
                INSERT INTO usage_events (org_id, id, workspace_id, user_id, key_id, model, provider, category, operation,
                    input_units, output_units, credits, latency_ms, status, hold_id, request_id, source, occurred_at,
                    recorded_at, external_id)
                SELECT o, i, w, u, k, m, p, c, op, iu, ou, cr, l::int, st, h, rq, src,
                       timestamptz 'epoch' + at * interval '1 microsecond', ?, x
                FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                            ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[],
                            ?::text[], ?::text[], ?::bigint[], ?::text[])
                     AS t (o, i, w, u, k, m, p, c, op, iu, ou, cr, l, st, h, rq, src, at, x)
                """ + onConflict;
        template.execute((ConnectionCallback<Void>) con -> {
            try (PreparedStatement ps = con.prepareStatement(sql)) {
                int p = 1;
                ps.setTimestamp(p++, recorded);
                for (String[] column : List.of(org, id, ws, user, key, model, provider, category, operation)) {
                    ps.setArray(p++, con.createArrayOf("text", column));
                }
                for (Long[] column : List.of(in, out, credits, latency))
                    ps.setArray(p++, con.createArrayOf("int8", column));
                for (String[] column : List.of(status, hold, request, source)) {
                    ps.setArray(p++, con.createArrayOf("text", column));
                }
                ps.setArray(p++, con.createArrayOf("int8", at));
                ps.setArray(p, con.createArrayOf("text", external));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String x = rs.getString(1);
                        if (x != null) written.add(x);
                    }
                }
            }
            return null;
        });
        return written;
    }

    private static long micros(Instant at) {
        return Math.addExact(TimeUnit.SECONDS.toMicros(at.getEpochSecond()), at.getNano() / 1000);
    }
}
