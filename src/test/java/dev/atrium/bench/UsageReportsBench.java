package dev.atrium.bench;

import dev.atrium.AtriumApplication;
import dev.atrium.common.Credits;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.User;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrganizationService;
import dev.atrium.usage.UsageEvent;
import dev.atrium.usage.UsageQuery;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageRecorder;
import dev.atrium.usage.UsageReports;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * bench/usage-reports: loads {@code --events} usage events (default 10^7) into one organization
 * through the rollup trigger, times the reports (which read rollups) against the equivalent raw
 * scans, measures the hot path (one event per transaction from {@code --threads} writers, with and
 * without the rollup trigger) and checks at the end that every rollup equals its events. Run by
 * {@code bench/usage-reports/run.sh}; not a test.
 *
 * <p>Flags: {@code --events=10000000 --batch=100000 --workspaces=50 --users=400 --models=20
 * --days=365 --threads=16 --hot-seconds=10 --reps=5 --data-dir=…}.
 */
public final class UsageReportsBench {
    private static final Instant END = Instant.parse("2026-01-01T00:00:00Z");

    private UsageReportsBench() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> f = new HashMap<>();
        for (String a : argv) f.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        long events = Long.parseLong(f.getOrDefault("events", "10000000"));
        int batch = Integer.parseInt(f.getOrDefault("batch", "100000"));
        int nWs = Integer.parseInt(f.getOrDefault("workspaces", "50"));
        int users = Integer.parseInt(f.getOrDefault("users", "400"));
        int models = Integer.parseInt(f.getOrDefault("models", "20"));
        int days = Integer.parseInt(f.getOrDefault("days", "365"));
        int threads = Integer.parseInt(f.getOrDefault("threads", "16"));
        int hotSeconds = Integer.parseInt(f.getOrDefault("hot-seconds", "10"));
        int reps = Integer.parseInt(f.getOrDefault("reps", "5"));
        String dataDir = f.getOrDefault("data-dir", "target/bench-data/usage-" + UUID.randomUUID());

        SpringApplication app = new SpringApplication(AtriumApplication.class);
        app.setDefaultProperties(Map.of(
                "atrium.data-dir", dataDir,
                "atrium.database.url", "",
                "atrium.database.embedded.ephemeral", "false",
                "atrium.database.pool-size", String.valueOf(Math.max(threads, 8)),
                "atrium.setup-token", "atr_setup_bench-token",
                "server.port", "0",
                "spring.main.banner-mode", "off",
                "logging.level.root", "WARN"));
        // As arguments: they win over application.properties (server.port=8080 may be taken).
        try (ConfigurableApplicationContext ctx = app.run("--server.port=0", "--atrium.data-dir=" + dataDir)) {
            JdbcClient jdbc = ctx.getBean(JdbcClient.class);
            User user = ctx.getBean(Identity.class)
                    .createUser("bench-" + UUID.randomUUID() + "@example.com", "correct horse battery staple", "Bench");
            Caller caller = new Caller.User(user.id(), KeyId.next());
            OrgId org = ctx.getBean(OrganizationService.class)
                    .create(user.id(), caller, "Bench usage")
                    .id();
            List<String> ws = new ArrayList<>();
            for (int i = 0; i < nWs; i++) {
                ws.add(ctx.getBean(WorkspaceService.class)
                        .create(ctx.getBean(Access.class).to(caller, org), "ws " + i, WorkspaceKind.OTHER, null)
                        .id()
                        .value());
            }
            System.out.printf(
                    "usage-reports: %,d events over %d days, %d workspaces, %d members, %d models; %d CPUs%n",
                    events, days, nWs, users, models, Runtime.getRuntime().availableProcessors());

            // Load: set-based inserts; the trigger maintains the rollups row by row, as in production.
            long t0 = System.nanoTime();
            for (long done = 0; done < events; done += batch) {
                int n = (int) Math.min(batch, events - done);
                jdbc.sql("""
                                INSERT INTO usage_events (org_id, id, workspace_id, user_id, model, provider, category,
                                    operation, input_units, output_units, credits, latency_ms, status, source, occurred_at,
                                    recorded_at)
                                SELECT :org, 'evt_bench_' || (:offset + g), (CAST(:ws AS text[]))[1 + u % :nws],
                                       'usr_bench_' || u, 'model-' || m, 'bench', (ARRAY['chat', 'image', 'speech'])[1 + m % 3],
                                       'chat', 200 + (r * 2000)::int, (r * 500)::int, 1 + (r * 50000)::int,
                                       50 + (r * r * 5000)::int, CASE WHEN r < 0.01 THEN 'error' ELSE 'ok' END, 'gateway',
                                       CAST(:end AS timestamptz) - (random() * :days) * interval '1 day', now()
                                FROM (SELECT g, floor(power(random(), 2) * :users)::int AS u,
                                             floor(power(random(), 2) * :models)::int AS m, random() AS r
                                      FROM generate_series(1, :n) g) s
                                """)
                        .param("org", org.value())
                        .param("offset", done)
                        .param("ws", "{" + String.join(",", ws) + "}")
                        .param("nws", nWs)
                        .param("end", java.sql.Timestamp.from(END))
                        .param("days", days)
                        .param("users", users)
                        .param("models", models)
                        .param("n", n)
                        .update();
                if ((done / batch) % 10 == 9) System.out.printf("  loaded %,d%n", done + n);
            }
            double loadS = (System.nanoTime() - t0) / 1e9;
            jdbc.sql("ANALYZE usage_events").update();
            jdbc.sql("ANALYZE usage_rollups").update();
            long hourRows = count(jdbc, "hour", org);
            long dayRows = count(jdbc, "day", org);
            long monthRows = count(jdbc, "month", org);
            System.out.printf(
                    "load: %.1f s (%,.0f events/s incl. rollups); rollup rows: %,d hour, %,d day, %,d month%n",
                    loadS, events / loadS, hourRows, dayRows, monthRows);

            UsageReports reports = ctx.getBean(UsageReports.class);
            Instant year = END.minus(Duration.ofDays(days));
            Instant month = END.minus(Duration.ofDays(30));
            Instant week = END.minus(Duration.ofDays(7));
            List<WorkspaceId> one = List.of(new WorkspaceId(ws.getFirst()));
            time(
                    "report: whole range, month buckets, by workspace",
                    reps,
                    () -> reports.rows(
                                    new UsageQuery(org, year, END, Bucket.MONTH, EnumSet.of(Dimension.WORKSPACE), null))
                            .size());
            time(
                    "raw scan: the same figures from usage_events",
                    reps,
                    () -> jdbc.sql("""
                            SELECT date_trunc('month', occurred_at, 'UTC'), workspace_id, count(*), sum(credits)
                            FROM usage_events WHERE org_id = :org AND occurred_at >= :s AND occurred_at < :e GROUP BY 1, 2
                            """)
                            .param("org", org.value())
                            .param("s", java.sql.Timestamp.from(year))
                            .param("e", java.sql.Timestamp.from(END))
                            .query()
                            .listOfRows()
                            .size());
            time(
                    "report: whole range, day buckets, by model",
                    reps,
                    () -> reports.rows(new UsageQuery(org, year, END, Bucket.DAY, EnumSet.of(Dimension.MODEL), null))
                            .size());
            time(
                    "report: 30 days, day buckets, by all four dimensions",
                    reps,
                    () -> reports.rows(
                                    new UsageQuery(org, month, END, Bucket.DAY, EnumSet.allOf(Dimension.class), null))
                            .size());
            time(
                    "report: one workspace, whole range, month buckets, by member",
                    reps,
                    () -> reports.rows(new UsageQuery(org, year, END, Bucket.MONTH, EnumSet.of(Dimension.USER), one))
                            .size());
            time(
                    "report: 7 days, hour buckets, totals",
                    reps,
                    () -> reports.rows(
                                    new UsageQuery(org, week, END, Bucket.HOUR, EnumSet.noneOf(Dimension.class), null))
                            .size());
            time(
                    "summary: whole range per workspace (chat / image+speech)",
                    reps,
                    () -> reports.split(org, year, END, Dimension.WORKSPACE, null)
                            .size());
            time(
                    "performance: 7 days per model (raw percentiles)",
                    reps,
                    () -> reports.performance(org, week, END, Dimension.MODEL, null)
                            .size());

            hotPath(ctx, org, ws, threads, hotSeconds);

            long t1 = System.nanoTime();
            long mismatches =
                    jdbc.sql("""
                            WITH rolled AS (
                              SELECT grain, bucket_start, workspace_id, user_id, model, category, event_count, credits
                              FROM usage_rollups WHERE org_id = :org AND event_count <> 0),
                            raw AS (
                              SELECT g.grain, date_trunc(g.grain, occurred_at, 'UTC'), workspace_id, coalesce(user_id, ''),
                                     model, category, count(*), sum(credits)::bigint
                              FROM usage_events CROSS JOIN (VALUES ('hour'), ('day'), ('month')) AS g (grain)
                              WHERE org_id = :org GROUP BY 1, 2, 3, 4, 5, 6)
                            SELECT (SELECT count(*) FROM (SELECT * FROM rolled EXCEPT SELECT * FROM raw) a)
                                 + (SELECT count(*) FROM (SELECT * FROM raw EXCEPT SELECT * FROM rolled) b)
                            """).param("org", org.value()).query(Long.class).single();
            System.out.printf(
                    "check: rollups %s raw sums (%d mismatching rows, %.1f s)%n",
                    mismatches == 0 ? "equal" : "DIFFER FROM", mismatches, (System.nanoTime() - t1) / 1e9);
        }
    }

    private static long count(JdbcClient jdbc, String grain, OrgId org) {
        return jdbc.sql("SELECT count(*) FROM usage_rollups WHERE org_id = :org AND grain = :g")
                .param("org", org.value())
                .param("g", grain)
                .query(Long.class)
                .single();
    }

    private static void time(String what, int reps, Supplier<Integer> run) {
        long[] ms = new long[reps];
        int rows = 0;
        run.get(); // warm
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            rows = run.get();
            ms[i] = (System.nanoTime() - t) / 1_000_000;
        }
        Arrays.sort(ms);
        System.out.printf(
                "%-62s median %6d ms (min %d, max %d), %d rows%n", what, ms[reps / 2], ms[0], ms[reps - 1], rows);
    }

    /** One event per transaction from many writers, as the gateway settles them; then without the trigger. */
    private static void hotPath(
            ConfigurableApplicationContext ctx, OrgId org, List<String> ws, int threads, int seconds)
            throws InterruptedException {
        UsageRecorder recorder = ctx.getBean(UsageRecorder.class);
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        TransactionTemplate tx = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
        jdbc.sql("CREATE TABLE IF NOT EXISTS bench_events (LIKE usage_events INCLUDING ALL)")
                .update();
        for (boolean rollups : new boolean[] {true, false}) {
            AtomicLong done = new AtomicLong();
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(Thread.ofPlatform().start(() -> {
                    var random = ThreadLocalRandom.current();
                    while (System.nanoTime() < deadline) {
                        // Writers share members and models, so they meet on the same rollup rows.
                        String w = ws.get(random.nextInt(Math.min(4, ws.size())));
                        String u = UserId.PREFIX + "0".repeat(25) + random.nextInt(8);
                        String m = "model-" + random.nextInt(3);
                        if (rollups) {
                            tx.executeWithoutResult(s -> recorder.record(new UsageEvent(
                                    UsageEvent.newId(),
                                    org,
                                    new WorkspaceId(w),
                                    null,
                                    null,
                                    m,
                                    "bench",
                                    "chat",
                                    "chat",
                                    100,
                                    20,
                                    Credits.ofMicros(1000),
                                    40,
                                    "ok",
                                    null,
                                    null,
                                    "gateway",
                                    Instant.now())));
                        } else {
                            tx.executeWithoutResult(s -> jdbc.sql("""
                                            INSERT INTO bench_events (org_id, id, workspace_id, user_id, model, provider, category,
                                                operation, credits, status, source, occurred_at, recorded_at)
                                            VALUES (:org, :id, :ws, :u, :m, 'bench', 'chat', 'chat', 1000, 'ok', 'gateway', now(), now())
                                            """)
                                    .param("org", org.value())
                                    .param("id", UsageEvent.newId())
                                    .param("ws", w)
                                    .param("u", u)
                                    .param("m", m)
                                    .update());
                        }
                        done.incrementAndGet();
                    }
                }));
            }
            for (Thread t : workers) t.join();
            System.out.printf(
                    "hot path, %d writers on 96 rollup keys, one event per durable transaction, %s: %,.0f events/s%n",
                    threads,
                    rollups ? "with rollups (UsageRecorder)" : "same insert into a table without the trigger",
                    done.get() / (double) seconds);
        }
    }
}
