package dev.atrium.bench;

import dev.atrium.AtriumApplication;
import dev.atrium.common.Credits;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.gateway.settle.Settlement;
import dev.atrium.gateway.settle.SettlementWriter;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.User;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Admission;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.CreditLeases;
import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.Hold;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.LeaseCharge;
import dev.atrium.ledger.Ledger;
import dev.atrium.ledger.internal.CreditMoves;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrganizationService;
import dev.atrium.usage.UsageEvent;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * bench/ledger-hot-pool: durable hold+capture pairs per second against ONE hot pool, through
 * Atrium's {@link Ledger}, and in the same run a naive {@code SELECT … FOR UPDATE} baseline on the
 * same database, callers and connection pool. Run by {@code bench/ledger-hot-pool/run.sh}; not a
 * test (no {@code @Test}), so {@code ./mvnw verify} never runs it.
 *
 * <p>Flags: {@code --threads=64 --pool-size=64 --warmup=5 --duration=20 --hold=1 --capture=0.6
 * --data-dir=target/bench-data/x --only=atrium|lease|naive --combine=true|false --workers=1}: {@code
 * --combine=false} runs every Atrium operation as a batch of one in its own transaction (no
 * combining), {@code --workers} sets how many batches may be in flight. {@code --only=lease} runs
 * only the lease path: admission from a credit lease, settlement by the durable writer.
 */
public final class LedgerHotPoolBench {
    private LedgerHotPoolBench() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> flags = flags(argv);
        int threads = Integer.parseInt(flags.getOrDefault("threads", "64"));
        int poolSize = Integer.parseInt(flags.getOrDefault("pool-size", "64"));
        double warmup = Double.parseDouble(flags.getOrDefault("warmup", "5"));
        double duration = Double.parseDouble(flags.getOrDefault("duration", "20"));
        Credits holdAmount = Credits.parse(flags.getOrDefault("hold", "1"));
        Credits captureAmount = Credits.parse(flags.getOrDefault("capture", "0.6"));
        String dataDir = flags.getOrDefault("data-dir", "target/bench-data/run-" + UUID.randomUUID());
        String only = flags.getOrDefault("only", "");
        String combine = flags.getOrDefault("combine", "true");
        String workers = flags.getOrDefault("workers", "1");

        SpringApplication app = new SpringApplication(AtriumApplication.class);
        app.setDefaultProperties(Map.of(
                "atrium.data-dir", dataDir,
                "atrium.database.url", "",
                // Not ephemeral: fsync, synchronous_commit and full_page_writes stay on (durable commits).
                "atrium.database.embedded.ephemeral", "false",
                "atrium.database.pool-size", String.valueOf(poolSize),
                "atrium.setup-token", "atr_setup_bench-token",
                "server.port", "0",
                "spring.main.banner-mode", "off",
                "logging.level.root", "WARN",
                "atrium.ledger.combine", combine,
                "atrium.ledger.combine-workers", workers));
        try (ConfigurableApplicationContext ctx = app.run()) {
            JdbcClient jdbc = ctx.getBean(JdbcClient.class);
            System.out.printf(
                    "ledger-hot-pool: %d callers, Hikari pool %d, warm-up %.0f s, measured %.0f s, hold %s, capture %s,"
                            + " %d CPUs, combine=%s workers=%s%n",
                    threads,
                    poolSize,
                    warmup,
                    duration,
                    holdAmount,
                    captureAmount,
                    Runtime.getRuntime().availableProcessors(),
                    combine,
                    workers);
            System.out.printf(
                    "PostgreSQL %s (embedded, data in %s): fsync=%s synchronous_commit=%s full_page_writes=%s%n",
                    show(jdbc, "server_version"),
                    dataDir,
                    show(jdbc, "fsync"),
                    show(jdbc, "synchronous_commit"),
                    show(jdbc, "full_page_writes"));

            CpuMeter meter = new CpuMeter(Path.of(dataDir).resolve("postgres"));
            PairLoop.Result atrium = null;
            if (only.isEmpty() || only.equals("atrium")) {
                atrium = atrium(ctx, jdbc, meter, threads, warmup, duration, holdAmount, captureAmount);
                System.out.println(atrium.line());
                System.out.println("  [load average after this phase: " + load() + "]");
            }
            PairLoop.Result leased = null;
            if (only.isEmpty() || only.equals("lease")) {
                leased = leased(ctx, jdbc, meter, threads, warmup, duration, holdAmount, captureAmount);
                System.out.println(leased.line());
                System.out.println("  [load average after this phase: " + load() + "]");
            }
            PairLoop.Result naive = null;
            if (!only.equals("atrium") && !only.equals("lease")) {
                naive = naive(ctx, jdbc, meter, threads, warmup, duration, holdAmount, captureAmount);
                System.out.println(naive.line());
                System.out.println("  [load average after this phase: " + load() + "]");
            }
            if (leased != null && naive != null) {
                System.out.printf(
                        "ratio leased / naive: %.2fx; goal: >= 50000 admitted-and-settled calls/s on one hot pool"
                                + " (now %.0f, %.1f%% of it)%n",
                        leased.perSecond() / Math.max(naive.perSecond(), 1e-9),
                        leased.perSecond(),
                        100 * leased.perSecond() / 50_000);
            }
            if (atrium != null && naive != null) {
                System.out.printf(
                        "ratio atrium / naive: %.2fx%n", atrium.perSecond() / Math.max(naive.perSecond(), 1e-9));
                System.out.printf(
                        "goal: >= 50000 pairs/s (now %.0f, %.1f%% of it) and >= 10x the naive baseline (now %.2fx)%n",
                        atrium.perSecond(),
                        100 * atrium.perSecond() / 50_000,
                        atrium.perSecond() / Math.max(naive.perSecond(), 1e-9));
            }
        }
        // Spring's scheduler threads are daemons, but make sure a lingering one cannot keep the JVM up.
        System.exit(0);
    }

    private static PairLoop.Result atrium(
            ConfigurableApplicationContext ctx,
            JdbcClient jdbc,
            CpuMeter meter,
            int threads,
            double warmup,
            double duration,
            Credits holdAmount,
            Credits captureAmount)
            throws InterruptedException {
        Ledger ledger = ctx.getBean(Ledger.class);
        CreditReports reports = ctx.getBean(CreditReports.class);
        HotPool pool = hotPool(ctx, "hot pool");
        OrgId org = pool.org();
        WorkspaceId ws = pool.workspace();
        Actor actor = new Actor("bench", "ledger-hot-pool");

        checkpoint(jdbc);
        PairLoop.Result result =
                PairLoop.run("atrium Ledger.hold+capture", threads, warmup, duration, meter, (t, seq) -> {
                    Hold hold = ledger.hold(
                            new HoldRequest(org, ws, null, holdAmount, Category.CHAT, "bench-model", null, actor));
                    Hold captured = ledger.capture(org, hold.id(), captureAmount, actor);
                    if (!"captured".equals(captured.status()))
                        throw new IllegalStateException("not captured: " + captured);
                });
        var inv = reports.invariant(org);
        System.out.printf(
                "  atrium ledger after the run: invariant %s (conserved %s, no negative balance %s, journal matches %s),"
                        + " open holds %s, spent %s%n",
                inv.holds() ? "HOLDS" : "BROKEN",
                inv.conserved(),
                inv.nonNegative(),
                inv.journalMatches(),
                inv.openHolds(),
                inv.spent());
        return result;
    }

    /**
     * The gateway's path: admission from the node's credit lease (in memory; an exact hold until the
     * lease is open or when it runs dry), then the settlement: for a leased call, a charge handed to
     * the durable settlement writer (journaled, committed in batches: usage event and lease capture);
     * for a held one, the capture. Counts a call once it is admitted and settled; after the run, waits
     * for the writer to commit everything and reports how long that took and the ledger's state.
     */
    private static PairLoop.Result leased(
            ConfigurableApplicationContext ctx,
            JdbcClient jdbc,
            CpuMeter meter,
            int threads,
            double warmup,
            double duration,
            Credits holdAmount,
            Credits captureAmount)
            throws InterruptedException {
        Ledger ledger = ctx.getBean(Ledger.class);
        CreditLeases leases = ctx.getBean(CreditLeases.class);
        SettlementWriter writer = ctx.getBean(SettlementWriter.class);
        CreditReports reports = ctx.getBean(CreditReports.class);
        HotPool pool = hotPool(ctx, "leased pool");
        OrgId org = pool.org();
        WorkspaceId ws = pool.workspace();
        Actor actor = new Actor("bench", "ledger-hot-pool");
        checkpoint(jdbc);
        long eventsBefore =
                jdbc.sql("SELECT count(*) FROM usage_events").query(Long.class).single();
        PairLoop.Result result =
                PairLoop.run("leased admit+settle (writer behind)", threads, warmup, duration, meter, (t, seq) -> {
                    HoldRequest r =
                            new HoldRequest(org, ws, null, holdAmount, Category.CHAT, "bench-model", null, actor);
                    switch (leases.admit(r)) {
                        case Admission.Leased a -> {
                            LeaseCharge charge = leases.charge(a, captureAmount, actor);
                            writer.submit(new Settlement(charge, event(org, ws, a.reservation(), captureAmount), null));
                        }
                        case Admission.Held h -> ledger.capture(org, h.hold().id(), captureAmount, actor);
                    }
                });
        long drainStart = System.nanoTime();
        boolean drained = writer.awaitCommitted(java.time.Duration.ofSeconds(60));
        long drainMillis = (System.nanoTime() - drainStart) / 1_000_000;
        long events =
                jdbc.sql("SELECT count(*) FROM usage_events").query(Long.class).single() - eventsBefore;
        leases.returnAll(java.time.Duration.ofSeconds(10));
        var lag = ctx.getBean(io.micrometer.core.instrument.MeterRegistry.class)
                .get(SettlementWriter.LAG_METRIC)
                .timer()
                .takeSnapshot();
        double p50 = 0, p99 = 0;
        for (var v : lag.percentileValues()) {
            if (v.percentile() == 0.5) p50 = v.value(java.util.concurrent.TimeUnit.MILLISECONDS);
            if (v.percentile() == 0.99) p99 = v.value(java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        System.out.printf(
                "  settlement lag (submit to commit, %d settlements, warm-up included, callers never waiting):"
                        + " p50 %.1f ms  p99 %.1f ms  max %.1f ms%n",
                lag.count(), p50, p99, lag.max(java.util.concurrent.TimeUnit.MILLISECONDS));
        var inv = reports.invariant(org);
        System.out.printf(
                "  after the run: writer drained %s in %d ms; %d calls settled (usage events); invariant %s"
                        + " (conserved %s, no negative balance %s, journal matches %s), open holds %s, leased %s%n",
                drained,
                drainMillis,
                events,
                inv.holds() ? "HOLDS" : "BROKEN",
                inv.conserved(),
                inv.nonNegative(),
                inv.journalMatches(),
                inv.openHolds(),
                inv.leased());
        return result;
    }

    /** An organization of its own with 10⁹ credits, and a pool-funded workspace. */
    private record HotPool(OrgId org, WorkspaceId workspace) {}

    private static HotPool hotPool(ConfigurableApplicationContext ctx, String name) {
        CreditMoves admin = ctx.getBean(CreditMoves.class);
        User user = ctx.getBean(Identity.class)
                .createUser("bench-" + UUID.randomUUID() + "@example.com", "correct horse battery staple", "Bench");
        Caller caller = new Caller.User(user.id(), KeyId.next());
        OrgId org = ctx.getBean(OrganizationService.class)
                .create(user.id(), caller, "Bench " + name)
                .id();
        WorkspaceId ws = ctx.getBean(WorkspaceService.class)
                .create(ctx.getBean(Access.class).to(caller, org), name, WorkspaceKind.OTHER, null)
                .id();
        admin.setFunding(org, ws, Funding.POOL, Actor.SYSTEM);
        admin.grant(org, Credits.parse("1000000000"), "purchase", null, "bench", Actor.SYSTEM);
        return new HotPool(org, ws);
    }

    private static UsageEvent event(OrgId org, WorkspaceId ws, String reservation, Credits charged) {
        return new UsageEvent(
                UsageEvent.newId(),
                org,
                ws,
                null,
                null,
                "bench-model",
                "bench",
                "chat",
                "chat",
                10,
                10,
                charged,
                1,
                "ok",
                reservation,
                null,
                "gateway",
                java.time.Instant.now());
    }

    private static PairLoop.Result naive(
            ConfigurableApplicationContext ctx,
            JdbcClient jdbc,
            CpuMeter meter,
            int threads,
            double warmup,
            double duration,
            Credits holdAmount,
            Credits captureAmount)
            throws Exception {
        NaivePool naive = new NaivePool(ctx.getBean(DataSource.class));
        long initial = Credits.parse("1000000000").micros();
        naive.create(initial);
        checkpoint(jdbc);
        long hold = holdAmount.micros();
        long capture = captureAmount.micros();
        PairLoop.Result result =
                PairLoop.run("naive SELECT FOR UPDATE baseline", threads, warmup, duration, meter, (t, s) -> {
                    long id = naive.hold(hold);
                    if (id < 0) throw new IllegalStateException("naive pool exhausted");
                    if (!naive.capture(id, capture)) throw new IllegalStateException("naive hold " + id + " not open");
                });
        long captures = jdbc.sql("SELECT count(*) FROM naive.holds WHERE status = 'captured'")
                .query(Long.class)
                .single();
        long open = jdbc.sql("SELECT count(*) FROM naive.holds WHERE status = 'held'")
                .query(Long.class)
                .single();
        boolean conserved = naive.balance() == initial - captures * capture - open * hold;
        System.out.printf("  naive pool after the run: balance conserved %s, open holds %d%n", conserved, open);
        return result;
    }

    private static String show(JdbcClient jdbc, String setting) {
        return jdbc.sql("SELECT current_setting('" + setting + "')")
                .query(String.class)
                .single();
    }

    /** The machine's 1-minute load average: other work on a 2-core machine moves every figure. */
    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /** Starts each phase with a clean checkpoint, so one phase's dirty pages do not bill the other. */
    private static void checkpoint(JdbcClient jdbc) {
        jdbc.sql("CHECKPOINT").update();
        System.out.println("  [load average before this phase: " + load() + "]");
    }

    private static Map<String, String> flags(String[] argv) {
        Map<String, String> flags = new HashMap<>();
        for (String a : argv) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("flags look like --threads=64, got: " + a);
            }
            flags.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        return flags;
    }
}
