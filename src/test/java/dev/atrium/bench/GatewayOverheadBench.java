package dev.atrium.bench;

import dev.atrium.AtriumApplication;
import dev.atrium.common.Credits;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.User;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.CreditReports;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.internal.CreditMoves;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrganizationService;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceService;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.HdrHistogram.Histogram;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * bench/gateway-overhead: the latency Atrium's gateway adds to a chat completion, all accounting on
 * (bearer → caller, workspace and policy, pricing, hold, forward, capture + usage event). A local
 * mock OpenAI-compatible upstream answers after a fixed latency; the same requests go to it directly
 * and through Atrium ({@code atrium.providers.openai.base-url} pointing at it), at concurrency 1
 * (interleaved, so both paths see the same machine) and open-loop at fixed rates, with latency
 * measured from each request's due time (no coordinated omission). Then an in-process breakdown of
 * where the time goes. Run by {@code bench/gateway-overhead/run.sh}; not a test.
 *
 * <p>Flags: {@code --latency-ms=20 --warmup=10 --warmup-concurrency=16 --c1-requests=1000
 * --rates=50,100,250,500,1000,2000,3500,5000 --duration=10 --stop-after=2 --max-added-p99-ms=100
 * --breakdown=500 --tenants=1 --pool-size=20 --timeout-s=30 --phases=c1,breakdown,open --count-jdbc=false
 * --data-dir=…}.
 */
public final class GatewayOverheadBench {
    private static final String MODEL = "gpt-4o-mini";

    private GatewayOverheadBench() {}

    private record Tenant(OrgId org, WorkspaceId ws, String key) {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> flags = flags(argv);
        double latencyMs = Double.parseDouble(flags.getOrDefault("latency-ms", "20"));
        double warmup = Double.parseDouble(flags.getOrDefault("warmup", "10"));
        int warmupConcurrency = Integer.parseInt(flags.getOrDefault("warmup-concurrency", "16"));
        int c1 = Integer.parseInt(flags.getOrDefault("c1-requests", "1000"));
        double[] rates = Arrays.stream(flags.getOrDefault("rates", "50,100,250,500,1000,2000,3500,5000")
                        .split(","))
                .mapToDouble(Double::parseDouble)
                .toArray();
        double duration = Double.parseDouble(flags.getOrDefault("duration", "10"));
        int stopAfter = Integer.parseInt(flags.getOrDefault("stop-after", "2"));
        double maxAddedP99Ms = Double.parseDouble(flags.getOrDefault("max-added-p99-ms", "100"));
        int breakdown = Integer.parseInt(flags.getOrDefault("breakdown", "500"));
        int tenants = Integer.parseInt(flags.getOrDefault("tenants", "1"));
        int poolSize = Integer.parseInt(flags.getOrDefault("pool-size", "20"));
        Duration timeout = Duration.ofSeconds(Long.parseLong(flags.getOrDefault("timeout-s", "30")));
        Set<String> phases = new HashSet<>(
                Arrays.asList(flags.getOrDefault("phases", "c1,breakdown,open").split(",")));
        String dataDir = flags.getOrDefault("data-dir", "target/bench-data/run-" + UUID.randomUUID());

        try (MockUpstream mock = new MockUpstream((long) (latencyMs * 1e6))) {
            SpringApplication app = new SpringApplication(AtriumApplication.class);
            Map<String, Object> props = new HashMap<>();
            props.put("atrium.data-dir", dataDir);
            props.put("atrium.database.url", "");
            // Not ephemeral: fsync, synchronous_commit and full_page_writes stay on (durable commits).
            props.put("atrium.database.embedded.ephemeral", "false");
            props.put("atrium.database.pool-size", String.valueOf(poolSize));
            props.put("atrium.setup-token", "atr_setup_bench-token");
            props.put("atrium.providers.openai.base-url", "http://127.0.0.1:" + mock.port() + "/v1");
            props.put("atrium.providers.openai.api-key", "sk-bench");
            props.put("server.port", "0");
            props.put("spring.main.banner-mode", "off");
            props.put("logging.level.root", "WARN");
            app.setDefaultProperties(props);
            boolean countJdbc = Boolean.parseBoolean(flags.getOrDefault("count-jdbc", "false"));
            if (countJdbc) app.addInitializers(c -> c.getBeanFactory().addBeanPostProcessor(new StatementCounter()));
            // As command-line arguments too: application.properties outranks default properties,
            // and its server.port (8080) would otherwise win over port 0.
            String[] args = props.entrySet().stream()
                    .map(e -> "--" + e.getKey() + "=" + e.getValue())
                    .toArray(String[]::new);
            try (ConfigurableApplicationContext ctx = app.run(args)) {
                run(
                        ctx,
                        mock,
                        latencyMs,
                        warmup,
                        warmupConcurrency,
                        c1,
                        rates,
                        duration,
                        stopAfter,
                        maxAddedP99Ms,
                        breakdown,
                        tenants,
                        poolSize,
                        timeout,
                        phases,
                        dataDir);
            }
        }
        System.exit(0);
    }

    private static void run(
            ConfigurableApplicationContext ctx,
            MockUpstream mock,
            double latencyMs,
            double warmup,
            int warmupConcurrency,
            int c1,
            double[] rates,
            double duration,
            int stopAfter,
            double maxAddedP99Ms,
            int breakdown,
            int tenantCount,
            int poolSize,
            Duration timeout,
            Set<String> phases,
            String dataDir)
            throws Exception {
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        int port = Integer.parseInt(ctx.getEnvironment().getRequiredProperty("local.server.port"));
        List<Tenant> tenants = new ArrayList<>();
        for (int i = 0; i < tenantCount; i++) tenants.add(tenant(ctx, i));

        System.out.printf(
                "gateway-overhead: mock upstream latency %.1f ms, model %s (provider openai → mock), %d tenant(s),"
                        + " Hikari pool %d, %d CPUs, %s%n",
                latencyMs,
                MODEL,
                tenantCount,
                poolSize,
                Runtime.getRuntime().availableProcessors(),
                "Java " + Runtime.version());
        System.out.printf(
                "PostgreSQL %s (embedded, data in %s): fsync=%s synchronous_commit=%s full_page_writes=%s%n",
                show(jdbc, "server_version"),
                dataDir,
                show(jdbc, "fsync"),
                show(jdbc, "synchronous_commit"),
                show(jdbc, "full_page_writes"));
        System.out.println("load average at start: " + load());

        URI direct = URI.create("http://127.0.0.1:" + mock.port() + "/v1/chat/completions");
        URI through = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        String[] keys = tenants.stream().map(Tenant::key).toArray(String[]::new);
        LoadClient d = new LoadClient("direct", direct, new String[] {"sk-bench"}, MODEL, mock, timeout);
        LoadClient t = new LoadClient("through", through, keys, MODEL, mock, timeout);
        CpuMeter meter = new CpuMeter(Path.of(dataDir).resolve("postgres"));

        // Sanity: one request each way.
        var probe = new LoadClient.Stats("probe");
        if (!d.once(probe) || !t.once(probe)) {
            throw new IllegalStateException("a probe request failed: " + probe.errorSummary());
        }

        long warmed = LoadClient.warm(new LoadClient[] {d, t}, warmupConcurrency, warmup);
        System.out.printf(
                "warm-up: %.0f s closed loop, %d callers, %d requests (both paths); load average %s%n",
                warmup, warmupConcurrency, warmed, load());

        double c1AddedP50 = Double.NaN;
        double c1AddedP99 = Double.NaN;
        if (phases.contains("c1")) {
            var sd = new LoadClient.Stats("direct");
            var st = new LoadClient.Stats("through");
            String loadBefore = load();
            StatementCounter.reset();
            for (int i = 0; i < c1; i++) {
                // Interleaved, alternating which goes first, so both paths see the same machine.
                if (i % 2 == 0) {
                    d.once(sd);
                    t.once(st);
                } else {
                    t.once(st);
                    d.once(sd);
                }
            }
            if (!StatementCounter.COUNTS.isEmpty()) {
                // Through requests only touch the database (the direct ones go to the mock).
                System.out.printf("%nJDBC calls per request through Atrium (--count-jdbc; %d requests):%n", c1);
                StatementCounter.COUNTS.forEach((k, v) -> System.out.printf("  %6.2f  %s%n", v.get() / (double) c1, k));
                StatementCounter.SQL.entrySet().stream()
                        .filter(e -> e.getValue().get() >= c1 / 2)
                        .sorted(Map.Entry.comparingByKey())
                        .forEach(e ->
                                System.out.printf("  %6.2f  %s%n", e.getValue().get() / (double) c1, e.getKey()));
            }
            System.out.printf(
                    "%nconcurrency 1: %d requests per path, interleaved (load average %s before, %s after), ms:%n",
                    c1, loadBefore, load());
            System.out.printf(
                    "  %-34s %8s %8s %8s %8s %8s %8s %8s%n", "", "p50", "p90", "p99", "p99.9", "max", "mean", "errors");
            row("direct", sd.total, sd.errors.get());
            row("through Atrium", st.total, st.errors.get());
            added("added (through − direct, same pct.)", st.total, sd.total);
            System.out.println("  net of the mock's own time per request (client latency − time the mock held it):");
            row("direct, net", sd.net, sd.errors.get());
            row("through Atrium, net", st.net, st.errors.get());
            added("added, net", st.net, sd.net);
            c1AddedP50 = (st.total.getValueAtPercentile(50) - sd.total.getValueAtPercentile(50)) / 1e6;
            c1AddedP99 = (st.total.getValueAtPercentile(99) - sd.total.getValueAtPercentile(99)) / 1e6;
            System.out.printf(
                    "  → added p50 %.3f ms, p99 %.3f ms (net: p50 %.3f ms, p99 %.3f ms); goal: added p99 ≤ 0.5 ms%n",
                    c1AddedP50,
                    c1AddedP99,
                    (st.net.getValueAtPercentile(50) - sd.net.getValueAtPercentile(50)) / 1e6,
                    (st.net.getValueAtPercentile(99) - sd.net.getValueAtPercentile(99)) / 1e6);
        }

        if (phases.contains("breakdown") && breakdown > 0) {
            StageBreakdown.run(ctx, tenants.getFirst().key(), MODEL, mock, breakdown);
            System.out.println("  [load average after the breakdown: " + load() + "]");
        }

        double best = 0;
        double bestAddedP99 = Double.NaN;
        if (phases.contains("open")) {
            System.out.printf(
                    "%nopen loop: each rate %.0f s per path, direct then through; latency from each request's due time;"
                            + " sustained = 0 errors, achieved ≥ 95%% of the rate, added p99 ≤ %.0f ms%n",
                    duration, maxAddedP99Ms);
            System.out.printf(
                    "  %7s %-8s %7s %7s %9s %8s %8s %8s %9s %9s  %-28s %s%n",
                    "rate/s",
                    "path",
                    "sent",
                    "errors",
                    "achieved",
                    "p50 ms",
                    "p99 ms",
                    "max ms",
                    "added p99",
                    "sender lag",
                    "CPU per request (µs)",
                    "load");
            int failures = 0;
            for (double rate : rates) {
                System.out.printf(
                        "  %7.0f [direct from %s]%n",
                        rate, java.time.LocalTime.now().withNano(0));
                var sd = d.openLoop("direct", rate, duration, meter);
                printOpen(rate, sd, null);
                System.out.printf(
                        "  %7.0f [through from %s]%n",
                        rate, java.time.LocalTime.now().withNano(0));
                var st = t.openLoop("through", rate, duration, meter);
                printOpen(rate, st, sd);
                double addedP99 = (st.total.getValueAtPercentile(99) - sd.total.getValueAtPercentile(99)) / 1e6;
                boolean sustained = st.errors.get() == 0
                        && sd.errors.get() == 0
                        && st.achievedPerSecond() >= 0.95 * rate
                        && addedP99 <= maxAddedP99Ms;
                System.out.printf(
                        "  %7.0f → %s; Atrium CPU per request (through − direct): %s%n",
                        rate, sustained ? "sustained" : "NOT sustained", cpuDiff(st, sd));
                if (sustained) {
                    best = rate;
                    bestAddedP99 = addedP99;
                    failures = 0;
                } else if (++failures >= stopAfter || st.achievedPerSecond() < 0.8 * rate) {
                    // A saturated server only queues more at a higher rate (until the heap runs out).
                    System.out.printf(
                            "  (stopping: %d rate(s) in a row not sustained, achieved %.0f%% of the last)%n",
                            failures, 100 * st.achievedPerSecond() / rate);
                    break;
                }
                // Let the queues drain and the next rate start from a quiet machine.
                Thread.sleep(2000);
            }
        }

        // The books after everything: every successful call settled exactly once, nothing left held.
        System.out.println();
        for (Tenant tenant : tenants) {
            var inv = ctx.getBean(CreditReports.class).invariant(tenant.org());
            long events = jdbc.sql("SELECT count(*) FROM usage_events WHERE org_id = :org")
                    .param("org", tenant.org().value())
                    .query(Long.class)
                    .single();
            // One capture transfer per charged call: of its hold, or from a credit lease under its reservation id.
            ctx.getBean(dev.atrium.gateway.settle.SettlementWriter.class)
                    .awaitCommitted(java.time.Duration.ofSeconds(30));
            long captured = jdbc.sql(
                            "SELECT count(DISTINCT hold_id) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'")
                    .param("org", tenant.org().value())
                    .query(Long.class)
                    .single();
            long open = jdbc.sql("SELECT count(*) FROM holds WHERE org_id = :org AND status = 'held'")
                    .param("org", tenant.org().value())
                    .query(Long.class)
                    .single();
            System.out.printf(
                    "books of %s: invariant %s, usage events %d, captured calls %d (%s), open holds %d%n",
                    tenant.org().value(),
                    inv.holds() ? "HOLDS" : "BROKEN",
                    events,
                    captured,
                    events == captured ? "one event per capture" : "MISMATCH",
                    open);
        }
        System.out.printf("mock upstream answered %d requests%n", mock.requests());

        System.out.println();
        System.out.printf(
                "summary: concurrency 1 added p50 %.3f ms, p99 %.3f ms (goal p99 ≤ 0.5 ms: %s);"
                        + " max open-loop rate sustained %s req/s%s (goal ≥ 5000 req/s: %s); load average %s%n",
                c1AddedP50,
                c1AddedP99,
                Double.isNaN(c1AddedP99) ? "not measured" : c1AddedP99 <= 0.5 ? "met" : "NOT met",
                best == 0 ? "none of those tried" : String.format("%.0f", best),
                best == 0 ? "" : String.format(" with added p99 %.3f ms", bestAddedP99),
                best >= 5000 ? "met" : "NOT met",
                load());
    }

    private static void row(String label, Histogram h, long errors) {
        System.out.printf(
                "  %-34s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8d%n",
                label,
                h.getValueAtPercentile(50) / 1e6,
                h.getValueAtPercentile(90) / 1e6,
                h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6,
                h.getMaxValue() / 1e6,
                h.getMean() / 1e6,
                errors);
    }

    private static void added(String label, Histogram through, Histogram direct) {
        System.out.printf(
                "  %-34s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f%n",
                label,
                (through.getValueAtPercentile(50) - direct.getValueAtPercentile(50)) / 1e6,
                (through.getValueAtPercentile(90) - direct.getValueAtPercentile(90)) / 1e6,
                (through.getValueAtPercentile(99) - direct.getValueAtPercentile(99)) / 1e6,
                (through.getValueAtPercentile(99.9) - direct.getValueAtPercentile(99.9)) / 1e6,
                (through.getMaxValue() - direct.getMaxValue()) / 1e6,
                (through.getMean() - direct.getMean()) / 1e6);
    }

    private static void printOpen(double rate, LoadClient.Stats s, LoadClient.Stats direct) {
        long n = Math.max(1, s.ok.get() + s.errors.get());
        String cpu = String.format(
                "java %4.0f + pg %4.0f = %4.0f",
                s.cpu.javaNanos() / 1e3 / n,
                s.cpu.postgresNanos() / 1e3 / n,
                (s.cpu.javaNanos() + s.cpu.postgresNanos()) / 1e3 / n);
        System.out.printf(
                "  %7.0f %-8s %7d %7s %9.1f %8.3f %8.3f %8.3f %9s %8.1fms  %-28s %s%n",
                rate,
                s.label,
                s.sent,
                s.errorSummary(),
                s.achievedPerSecond(),
                s.total.getValueAtPercentile(50) / 1e6,
                s.total.getValueAtPercentile(99) / 1e6,
                s.total.getMaxValue() / 1e6,
                direct == null
                        ? ""
                        : String.format(
                                "%.3f",
                                (s.total.getValueAtPercentile(99) - direct.total.getValueAtPercentile(99)) / 1e6),
                s.maxSendLagNanos / 1e6,
                cpu,
                load());
    }

    private static String cpuDiff(LoadClient.Stats through, LoadClient.Stats direct) {
        long nt = Math.max(1, through.ok.get() + through.errors.get());
        long nd = Math.max(1, direct.ok.get() + direct.errors.get());
        double java = through.cpu.javaNanos() / 1e3 / nt - direct.cpu.javaNanos() / 1e3 / nd;
        double pg = through.cpu.postgresNanos() / 1e3 / nt - direct.cpu.postgresNanos() / 1e3 / nd;
        return String.format(
                "java %.0f µs + postgres %.0f µs = %.0f µs (2 cores → at most ~%.0f req/s for Atrium alone)",
                java, pg, java + pg, 2e6 / Math.max(1, java + pg));
    }

    private static Tenant tenant(ConfigurableApplicationContext ctx, int i) {
        Identity identity = ctx.getBean(Identity.class);
        User user = identity.createUser(
                "gw-bench-" + UUID.randomUUID() + "@example.com", "correct horse battery staple", "Bench");
        Caller caller = new Caller.User(user.id(), KeyId.next());
        OrgId org = ctx.getBean(OrganizationService.class)
                .create(user.id(), caller, "Bench gateway " + i)
                .id();
        WorkspaceId ws = ctx.getBean(WorkspaceService.class)
                .create(ctx.getBean(Access.class).to(caller, org), "gateway bench", WorkspaceKind.OTHER, null)
                .id();
        CreditMoves admin = ctx.getBean(CreditMoves.class);
        admin.setFunding(org, ws, Funding.POOL, Actor.SYSTEM);
        admin.grant(org, Credits.parse("1000000000"), "purchase", null, "bench", Actor.SYSTEM);
        String key = identity.issueWorkspaceKey(org, ws, "gateway bench", null, caller)
                .secret();
        return new Tenant(org, ws, key);
    }

    private static String show(JdbcClient jdbc, String setting) {
        return jdbc.sql("SELECT current_setting('" + setting + "')")
                .query(String.class)
                .single();
    }

    /** The machine's 1-minute load average: other work on a 2-core machine moves every figure. */
    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static Map<String, String> flags(String[] argv) {
        Map<String, String> flags = new HashMap<>();
        for (String a : argv) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("flags look like --rates=100,500, got: " + a);
            }
            flags.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        return flags;
    }
}
