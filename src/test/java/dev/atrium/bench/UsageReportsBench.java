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
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.internal.CreditMoves;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrganizationService;
import dev.atrium.usage.RollupCheck;
import dev.atrium.usage.UsageEvent;
import dev.atrium.usage.UsageQuery;
import dev.atrium.usage.UsageQuery.Bucket;
import dev.atrium.usage.UsageQuery.Dimension;
import dev.atrium.usage.UsageRecorder;
import dev.atrium.usage.internal.RollupFolder;
import dev.atrium.usage.internal.Rollups;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceService;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * bench/usage-reports: one organization with {@code --workspaces} (50) workspaces and {@code --days}
 * (90) days of usage, {@code --events} events in all (default 10^7; {@code --events=1e8} for 10^8).
 *
 * <ol>
 *   <li><b>Ingest</b>: the events are written in time order by {@code --writers} (2) threads, in
 *       durable transactions of {@code --batch} (1000) events through {@link
 *       UsageRecorder#recordAll} (the multi-row statement behind {@code POST …/usage/events}, with
 *       the rollup trigger as in production); then {@code --api-batches} (30) requests of 1000
 *       events through {@code POST …/usage/events} itself (validation, pricing, ledger debit).
 *   <li><b>Reports</b> over HTTP, {@code --reps} (200) timed runs each after 10 warm-up runs,
 *       p50/p99/max: 30 days of one workspace by day × model (rotating over the workspaces);
 *       org-wide by month × category over the whole data; CSV export of a month (org-wide, day ×
 *       workspace × model × category, then also × member).
 *   <li><b>Check</b> ({@code --check=full}, up to 2·10^7 events; {@code --check=window} above) that the rollup rows equal the sums of their events.
 * </ol>
 *
 * <p>{@code --rollups=false} ingests with the rollup trigger disabled and stops there: the cost of
 * the events alone, for a breakdown (never a product configuration).
 *
 * <p>PostgreSQL is durable ({@code fsync}, {@code synchronous_commit} on, printed at start). The load
 * average is printed with each phase: this 2-core machine is shared. Run by {@code
 * bench/usage-reports/run.sh}; not a test.
 */
public final class UsageReportsBench {
    private static final Instant END = Instant.parse("2026-01-01T00:00:00Z");
    private static final String[] CATEGORIES = {"chat", "image", "speech"};

    private UsageReportsBench() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> f = flags(argv);
        long events = (long) Double.parseDouble(f.getOrDefault("events", "1e7"));
        int batch = Integer.parseInt(f.getOrDefault("batch", "1000"));
        int writers = Integer.parseInt(f.getOrDefault("writers", "2"));
        int nWs = Integer.parseInt(f.getOrDefault("workspaces", "50"));
        int users = Integer.parseInt(f.getOrDefault("users", "400"));
        int models = Integer.parseInt(f.getOrDefault("models", "20"));
        int days = Integer.parseInt(f.getOrDefault("days", "90"));
        int reps = Integer.parseInt(f.getOrDefault("reps", "200"));
        int apiBatches = Integer.parseInt(f.getOrDefault("api-batches", "30"));
        // --check=full: every row of both rollup tables, all grains, against its events (needs temporary
        // space of the order of the events' size: the default up to 2·10^7 events); --check=window:
        // the month rows over all events and the hour and day rows of the last two days (the default
        // above 2·10^7); --check=false: none.
        String check = f.getOrDefault("check", events <= 20_000_000L ? "full" : "window");
        if (check.equals("true")) check = "full";
        if (!List.of("full", "window", "false").contains(check))
            throw new IllegalArgumentException("--check: full, window or false");
        // --rollups=false: for a cost breakdown only. Ingests without the rollup trigger, then stops.
        boolean withRollups = Boolean.parseBoolean(f.getOrDefault("rollups", "true"));
        String dataDir = f.getOrDefault("data-dir", "target/bench-data/usage-" + UUID.randomUUID());

        SpringApplication app = new SpringApplication(AtriumApplication.class);
        app.setDefaultProperties(Map.of(
                "atrium.data-dir", dataDir,
                "atrium.database.url", "",
                // Not ephemeral: fsync, synchronous_commit and full_page_writes stay on (durable commits).
                "atrium.database.embedded.ephemeral", "false",
                "atrium.database.pool-size", String.valueOf(Math.max(writers + 2, 8)),
                "atrium.setup-token", "atr_setup_bench-token",
                "server.port", "0",
                "spring.main.banner-mode", "off",
                "logging.level.root", "WARN"));
        // As arguments: they win over application.properties (server.port=8080 may be taken).
        try (ConfigurableApplicationContext ctx = app.run("--server.port=0", "--atrium.data-dir=" + dataDir)) {
            JdbcClient jdbc = ctx.getBean(JdbcClient.class);
            int port = Integer.parseInt(ctx.getEnvironment().getRequiredProperty("local.server.port"));
            Identity identity = ctx.getBean(Identity.class);
            User user = identity.createUser(
                    "bench-" + UUID.randomUUID() + "@example.com", "correct horse battery staple", "Bench");
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
            ctx.getBean(CreditMoves.class)
                    .grant(org, Credits.parse("1000000000"), "purchase", null, "bench", Actor.SYSTEM);
            String token = identity.issuePersonalToken(user.id(), "bench", null).secret();
            System.out.printf(
                    "usage-reports: %,d events over %d days, %d workspaces, %d members, %d models; %d CPUs, Java %s%n",
                    events, days, nWs, users, models, Runtime.getRuntime().availableProcessors(), Runtime.version());
            System.out.printf(
                    "PostgreSQL %s (embedded, durable): fsync=%s synchronous_commit=%s full_page_writes=%s;"
                            + " load average at start %s%n",
                    show(jdbc, "server_version"),
                    show(jdbc, "fsync"),
                    show(jdbc, "synchronous_commit"),
                    show(jdbc, "full_page_writes"),
                    load());

            if (!withRollups) {
                jdbc.sql("ALTER TABLE usage_events DISABLE TRIGGER usage_events_rollup_insert")
                        .update();
                System.out.println("rollup trigger DISABLED (--rollups=false): ingest cost without rollups only");
            }
            CpuMeter cpu = new CpuMeter(Path.of(dataDir).resolve("postgres"));
            ingest(ctx, cpu, org, ws, events, batch, writers, users, models, days);
            if (!withRollups) {
                System.out.printf(
                        "  usage_events: %s with indexes%n",
                        show(jdbc, "(SELECT pg_size_pretty(pg_total_relation_size('usage_events')))"));
                System.exit(0);
            }
            jdbc.sql("ANALYZE usage_events").update();
            jdbc.sql("ANALYZE usage_rollups").update();
            jdbc.sql("ANALYZE usage_rollups_ws").update();
            for (String table : List.of("usage_rollups", "usage_rollups_ws")) {
                System.out.printf(
                        "  %s: %s rows (hour %,d, day %,d, month %,d), %s with indexes%n",
                        table,
                        String.format("%,d", rows(jdbc, table, org, null)),
                        rows(jdbc, table, org, "hour"),
                        rows(jdbc, table, org, "day"),
                        rows(jdbc, table, org, "month"),
                        show(
                                jdbc,
                                "(SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits"
                                        + " WHERE inhparent = '" + table + "'::regclass)"));
            }
            System.out.printf(
                    "  usage_events: %s with indexes%n",
                    show(jdbc, "(SELECT pg_size_pretty(pg_total_relation_size('usage_events')))"));

            Http http = new Http(port, token, org);
            if (apiBatches > 0) apiIngest(http, ws, apiBatches, models);

            System.out.printf(
                    "%nreports over HTTP, %d runs each after 10 warm-up runs (load average %s)%n", reps, load());
            Instant first = END.minus(Duration.ofDays(days));
            Instant month = END.minus(Duration.ofDays(30));
            Instant firstMonth = dev.atrium.ledger.Period.MONTH.start(first);
            Instant lastMonth = dev.atrium.ledger.Period.MONTH.start(END.minus(Duration.ofHours(1)));
            time(
                    "30 days, one workspace, day x model (JSON)",
                    reps,
                    i -> http.get("/usage?start=" + month + "&end=" + END + "&bucket=day&group_by=model&workspace_ids="
                            + ws.get(i % ws.size())));
            time(
                    "org-wide, " + firstMonth.toString().substring(0, 7) + " to "
                            + END.toString().substring(0, 7) + ", month x category (JSON)",
                    reps,
                    i -> http.get("/usage?start=" + firstMonth + "&end=" + END + "&bucket=month&group_by=category"));
            time(
                    "CSV export of a month, day x workspace x model x category",
                    reps,
                    i -> http.get("/usage?start=" + lastMonth + "&end=" + END
                            + "&bucket=day&group_by=workspace,model,category&format=csv"));
            time(
                    "CSV export of a month, day x workspace x member x model x cat.",
                    Math.max(10, reps / 10),
                    i -> http.get("/usage?start=" + lastMonth + "&end=" + END
                            + "&bucket=day&group_by=workspace,user,model,category&format=csv"));
            time(
                    "30 days, org-wide, day x workspace x model (JSON, streamed)",
                    Math.max(10, reps / 10),
                    i -> http.get("/usage?start=" + month + "&end=" + END + "&bucket=day&group_by=workspace,model"));
            // The one report over raw events (latency percentiles): its cost grows with the events of the range.
            time(
                    "performance of the last day, org-wide, by model (raw events)",
                    10,
                    i -> http.get("/usage/performance?start=" + END.minus(Duration.ofDays(1)) + "&end=" + END
                            + "&group_by=model"));
            System.out.printf("  [load average after the reports: %s]%n", load());

            if (Boolean.parseBoolean(f.getOrDefault("explain", "true"))) {
                Rollups rollups = ctx.getBean(Rollups.class);
                WorkspaceId one = new WorkspaceId(ws.getFirst());
                explain(
                        ctx,
                        rollups,
                        "30 days, one workspace, day x model",
                        new UsageQuery(org, month, END, Bucket.DAY, EnumSet.of(Dimension.MODEL), List.of(one)));
                explain(
                        ctx,
                        rollups,
                        "org-wide, month x category",
                        new UsageQuery(org, firstMonth, END, Bucket.MONTH, EnumSet.of(Dimension.CATEGORY), null));
                explain(
                        ctx,
                        rollups,
                        "a month, day x workspace x model x category",
                        new UsageQuery(
                                org,
                                lastMonth,
                                END,
                                Bucket.DAY,
                                EnumSet.of(Dimension.WORKSPACE, Dimension.MODEL, Dimension.CATEGORY),
                                null));
            }

            if (check.equals("full")) {
                long t1 = System.nanoTime();
                long mismatches = RollupCheck.mismatches(jdbc, org);
                System.out.printf(
                        "%ncheck: rollups (both tables, all grains) %s raw sums (%d mismatching rows, %.1f s)%n",
                        mismatches == 0 ? "equal" : "DIFFER FROM", mismatches, (System.nanoTime() - t1) / 1e9);
            } else if (check.equals("window")) {
                // Aggregating 10^8 events into their 24,000 month rows: a hash table in memory, not a
                // sort of every event spilled to disk (tens of GB of temporary files).
                TransactionTemplate roomy = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
                long t1 = System.nanoTime();
                long months = roomy.execute(s -> {
                    jdbc.sql("SET LOCAL work_mem = '1GB'").update();
                    jdbc.sql("SET LOCAL max_parallel_workers_per_gather = 0").update();
                    jdbc.sql("SET LOCAL enable_sort = off").update();
                    return RollupCheck.mismatches(jdbc, org, List.of("month"), "-infinity", "infinity");
                });
                System.out.printf(
                        "%ncheck: month rollups (both tables) over all events %s raw sums (%d mismatching rows, %.1f s)%n",
                        months == 0 ? "equal" : "DIFFER FROM", months, (System.nanoTime() - t1) / 1e9);
                long t2 = System.nanoTime();
                long recent = RollupCheck.mismatches(
                        jdbc,
                        org,
                        List.of("hour", "day"),
                        END.minus(Duration.ofDays(2)).toString(),
                        END.toString());
                System.out.printf(
                        "check: hour and day rollups (both tables) of the last two days %s raw sums (%d mismatching rows, %.1f s)%n",
                        recent == 0 ? "equal" : "DIFFER FROM", recent, (System.nanoTime() - t2) / 1e9);
            }
        }
        System.exit(0);
    }

    /**
     * Writes the events in time order: batch {@code b} holds events {@code b·batch …}, spread evenly
     * over the days; writers take the next batch as they finish one (as concurrent ingestion
     * requests would). Members belong to one workspace each; members and models are skewed.
     */
    private static void ingest(
            ConfigurableApplicationContext ctx,
            CpuMeter cpu,
            OrgId org,
            List<String> ws,
            long events,
            int batch,
            int writers,
            int users,
            int models,
            int days)
            throws InterruptedException {
        UsageRecorder recorder = ctx.getBean(UsageRecorder.class);
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        TransactionTemplate tx = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
        long spanMicros = days * 86_400_000_000L;
        Instant start = END.minus(Duration.ofDays(days));
        long batches = (events + batch - 1) / batch;
        AtomicLong next = new AtomicLong();
        AtomicLong written = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        String[] userIds = new String[users];
        for (int u = 0; u < users; u++) userIds[u] = UserId.PREFIX + String.format("%026d", u);
        UserId[] members = Arrays.stream(userIds).map(UserId::new).toArray(UserId[]::new);
        WorkspaceId[] workspaces = ws.stream().map(WorkspaceId::new).toArray(WorkspaceId[]::new);
        long tenth = Math.max(1, events / 10);
        System.out.printf(
                "%ningest: %,d events in durable transactions of %,d through UsageRecorder.recordAll, %d writers"
                        + " (load average %s)%n",
                events, batch, writers, load());
        CpuMeter.Usage cpu0 = cpu.sample();
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int seed = w;
            threads.add(Thread.ofPlatform().start(() -> {
                SplittableRandom random = new SplittableRandom(42 + seed);
                try {
                    for (long b = next.getAndIncrement(); b < batches; b = next.getAndIncrement()) {
                        long from = b * batch;
                        int n = (int) Math.min(batch, events - from);
                        List<UsageEvent> list = new ArrayList<>(n);
                        List<String> ids = new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            long j = from + i;
                            double r = random.nextDouble();
                            int u = (int) (Math.pow(random.nextDouble(), 2) * users);
                            int m = (int) (Math.pow(random.nextDouble(), 2) * models);
                            Instant at = start.plus(spanMicros / events * j, ChronoUnit.MICROS);
                            list.add(new UsageEvent(
                                    UsageEvent.newId(),
                                    org,
                                    workspaces[u % workspaces.length],
                                    members[u],
                                    null,
                                    "model-" + m,
                                    "bench",
                                    CATEGORIES[m % 3],
                                    CATEGORIES[m % 3],
                                    200 + (long) (r * 2000),
                                    (long) (r * 500),
                                    Credits.ofMicros(1 + (long) (r * 50_000)),
                                    50 + (long) (r * r * 5000),
                                    r < 0.01 ? "error" : "ok",
                                    null,
                                    null,
                                    "external",
                                    at));
                            ids.add("bench-" + j);
                        }
                        tx.executeWithoutResult(s -> recorder.recordAll(list, ids));
                        long done = written.addAndGet(n);
                        if (done / tenth != (done - n) / tenth) {
                            double s = (System.nanoTime() - t0) / 1e9;
                            System.out.printf(
                                    "  %,d events, %.0f s, %,.0f events/s so far, %,d deltas pending, load average %s%n",
                                    done, s, done / s, pending(jdbc), load());
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        if (failure.get() != null) throw new IllegalStateException(failure.get());
        double committed = (System.nanoTime() - t0) / 1e9;
        long left = pending(jdbc);
        // The rate counts until the rollups hold every event (nothing left pending), not just until
        // the events are committed.
        ctx.getBean(RollupFolder.class).foldAll();
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "ingest: %,d events in %.1f s: %,.0f events/s (durable, folded into the rollups; load average %s)%n"
                        + "  events committed after %.1f s (%,.0f events/s); %,d deltas pending then, folded %.1f s later%n",
                events, s, events / s, load(), committed, events / committed, left, s - committed);
        // CPU per event: what other load on the machine inflates least (the rate above moves with it).
        System.out.printf(
                "  CPU per event: %s (bench JVM, which also generates the events; PostgreSQL)%n",
                cpu.sample().minus(cpu0).perPair(events));
    }

    private static long pending(JdbcClient jdbc) {
        return jdbc.sql("SELECT count(*) FROM usage_rollup_pending")
                .query(Long.class)
                .single();
    }

    /** Requests of 1000 events through POST …/usage/events: one workspace each, 20 models, credits given. */
    private static void apiIngest(Http http, List<String> ws, int batches, int models) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        long t0 = System.nanoTime();
        long created = 0;
        Instant at = END.minus(Duration.ofHours(1));
        for (int b = 0; b < batches; b++) {
            StringBuilder body = new StringBuilder("{\"events\":[");
            for (int i = 0; i < 1000; i++) {
                int m = (int) (Math.pow(random.nextDouble(), 2) * models);
                if (i > 0) body.append(',');
                body.append("{\"id\":\"api-")
                        .append(b)
                        .append('-')
                        .append(i)
                        .append("\",\"workspace_id\":\"")
                        .append(ws.get(b % ws.size()))
                        .append("\",\"model\":\"model-")
                        .append(m)
                        .append("\",\"category\":\"")
                        .append(CATEGORIES[m % 3])
                        .append("\",\"credits\":\"0.00")
                        .append(1 + random.nextInt(999))
                        .append("\",\"input_units\":")
                        .append(random.nextInt(3000))
                        .append(",\"output_units\":")
                        .append(random.nextInt(500))
                        .append(",\"occurred_at\":\"")
                        .append(at.plusMillis(b * 1000L + i))
                        .append("\"}");
            }
            String answer = http.post("/usage/events", body.append("]}").toString());
            created += answer.split("\"created\"", -1).length - 1;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "ingest through POST /usage/events (one client, %d requests of 1000 events, one workspace and up to %d"
                        + " models each, ledger debited): %,d created in %.1f s: %,.0f events/s (load average %s)%n",
                batches, models, created, s, created / s, load());
    }

    private static void explain(ConfigurableApplicationContext ctx, Rollups rollups, String what, UsageQuery q) {
        TransactionTemplate tx = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
        tx.setReadOnly(true);
        System.out.printf("%nEXPLAIN ANALYZE: %s%n", what);
        tx.executeWithoutResult(s -> rollups.explain(q).forEach(line -> System.out.println("  " + line)));
    }

    private static void time(String what, int reps, IntFunction<Long> run) {
        for (int i = 0; i < 10; i++) run.apply(i);
        long[] micros = new long[reps];
        long bytes = 0;
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            bytes = run.apply(i);
            micros[i] = (System.nanoTime() - t) / 1000;
        }
        Arrays.sort(micros);
        System.out.printf(
                "  %-64s p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (%,d bytes)%n",
                what,
                micros[reps / 2] / 1000.0,
                micros[(int) Math.ceil(reps * 0.99) - 1] / 1000.0,
                micros[reps - 1] / 1000.0,
                bytes);
    }

    private static long rows(JdbcClient jdbc, String table, OrgId org, String grain) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE org_id = :org"
                        + (grain == null ? "" : " AND grain = :g"))
                .param("org", org.value())
                .param("g", grain == null ? "" : grain)
                .query(Long.class)
                .single();
    }

    /** A PostgreSQL setting, or any scalar expression given in parentheses. */
    private static String show(JdbcClient jdbc, String what) {
        String sql = what.startsWith("(") ? "SELECT " + what : "SELECT current_setting('" + what + "')";
        return jdbc.sql(sql).query(String.class).single();
    }

    /** The machine's 1-minute load average: other work on a 2-core machine moves every figure. */
    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /** A client of the organization's API: answers the body length (GET) or the body (POST). */
    private record Http(HttpClient client, String base, String token) {
        Http(int port, String token, OrgId org) {
            this(
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(),
                    "http://127.0.0.1:" + port + "/api/v1/organizations/" + org.value(),
                    token);
        }

        long get(String path) {
            try {
                HttpResponse<InputStream> r = client.send(
                        HttpRequest.newBuilder(URI.create(base + path))
                                .header("Authorization", "Bearer " + token)
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                long n;
                try (InputStream in = r.body()) {
                    n = in.transferTo(java.io.OutputStream.nullOutputStream());
                }
                if (r.statusCode() != 200) throw new IllegalStateException(path + " answered " + r.statusCode());
                return n;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        String post(String path, String json) throws IOException, InterruptedException {
            HttpResponse<String> r = client.send(
                    HttpRequest.newBuilder(URI.create(base + path))
                            .header("Authorization", "Bearer " + token)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(json))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200)
                throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
            return r.body();
        }
    }

    private static Map<String, String> flags(String[] argv) {
        Map<String, String> flags = new HashMap<>();
        for (String a : argv) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("flags look like --events=1e8, got: " + a);
            }
            flags.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        return flags;
    }
}
