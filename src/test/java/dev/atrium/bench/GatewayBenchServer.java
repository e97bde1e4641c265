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
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.internal.CreditMoves;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrganizationService;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Atrium on its own for {@code bench/gateway-overhead/run.sh}: starts the application on a fresh
 * embedded PostgreSQL (not ephemeral: fsync, synchronous_commit and full_page_writes on), with the
 * {@code openai} provider pointed at the benchmark's mock upstream, sets up one organization with a
 * large credit grant, pool funding and a workspace API key, writes what the script needs into
 * {@code --out-dir} and stays up until the process is told to stop (SIGTERM closes the context and
 * with it the database). Not a test.
 *
 * <p>Files written to {@code --out-dir}: {@code port} (the HTTP port), {@code key} (the workspace
 * key), {@code jvm.pid}, {@code postmaster.pid} (the embedded PostgreSQL's postmaster), {@code
 * info} (one line per fact worth printing: versions and durability settings), and {@code ready}
 * last.
 *
 * <p>Flags: {@code --data-dir=DIR --out-dir=DIR --upstream=http://127.0.0.1:PORT/v1 [--port=0]
 * [--pool-size=20]}.
 */
public final class GatewayBenchServer {
    static final String MODEL = "gpt-4o-mini";

    private GatewayBenchServer() {}

    public static void main(String[] argv) throws Exception {
        try {
            start(argv);
        } catch (Throwable e) {
            // Whatever started (Tomcat, the database's watchdog) must not keep a failed launch alive.
            e.printStackTrace();
            System.exit(1);
        }
        // Tomcat serves on its own threads; this one only waits. SIGTERM runs Spring's shutdown hook.
        new CountDownLatch(1).await();
    }

    private static void start(String[] argv) throws Exception {
        Map<String, String> flags = new HashMap<>();
        for (String a : argv) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("flags look like --port=0, got: " + a);
            }
            flags.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        Path dataDir = Path.of(required(flags, "data-dir")).toAbsolutePath();
        Path outDir = Path.of(required(flags, "out-dir")).toAbsolutePath();
        String upstream = required(flags, "upstream");
        Files.createDirectories(outDir);

        SpringApplication app = new SpringApplication(AtriumApplication.class);
        Map<String, String> props = new HashMap<>();
        props.put("atrium.data-dir", dataDir.toString());
        props.put("atrium.database.url", "");
        // Not ephemeral: fsync, synchronous_commit and full_page_writes stay on (durable commits).
        props.put("atrium.database.embedded.ephemeral", "false");
        props.put("atrium.database.pool-size", flags.getOrDefault("pool-size", "20"));
        props.put("atrium.setup-token", "atr_setup_bench-token");
        props.put("atrium.providers.openai.base-url", upstream);
        props.put("atrium.providers.openai.api-key", "sk-bench");
        props.put("atrium.outbound.allowed-hosts", "127.0.0.1");
        props.put("server.port", flags.getOrDefault("port", "0"));
        // Stopped by the script once measured: no waiting for requests that wrk abandoned.
        props.put("server.shutdown", "immediate");
        props.put("spring.main.banner-mode", "off");
        props.put("logging.level.root", "WARN");
        // As command-line arguments: they win over application.properties (server.port among them).
        ConfigurableApplicationContext ctx = app.run(props.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new));

        String key = workspaceKey(ctx);
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        String postmaster = Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid"))
                .getFirst()
                .strip();
        List<String> info = List.of(
                "Atrium: Java " + Runtime.version() + ", "
                        + Runtime.getRuntime().availableProcessors()
                        + " CPUs visible, heap max " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB,"
                        + " Hikari pool " + flags.getOrDefault("pool-size", "20") + ", provider openai → "
                        + upstream,
                "PostgreSQL " + show(jdbc, "server_version") + " (embedded, data in " + dataDir + "): fsync="
                        + show(jdbc, "fsync") + " synchronous_commit=" + show(jdbc, "synchronous_commit")
                        + " full_page_writes=" + show(jdbc, "full_page_writes"));

        write(outDir, "port", ctx.getEnvironment().getRequiredProperty("local.server.port"));
        write(outDir, "key", key);
        write(outDir, "jvm.pid", String.valueOf(ProcessHandle.current().pid()));
        write(outDir, "postmaster.pid", postmaster);
        write(outDir, "info", String.join("\n", info));
        write(outDir, "ready", "ready");
        info.forEach(System.out::println);
    }

    /**
     * An organization with a 10⁹-credit grant, pool funding and a workspace key; returns the key. With
     * {@code -Datrium.bench.key-limits=true} the key carries a spend limit and every rate limit.
     */
    private static String workspaceKey(ConfigurableApplicationContext ctx) {
        Identity identity = ctx.getBean(Identity.class);
        User user = identity.createUser(
                "gw-bench-" + UUID.randomUUID() + "@example.com", "correct horse battery staple", "Bench");
        Caller caller = new Caller.User(user.id(), KeyId.next());
        OrgId org = ctx.getBean(OrganizationService.class)
                .create(user.id(), caller, "Bench gateway")
                .id();
        WorkspaceId ws = ctx.getBean(WorkspaceService.class)
                .create(ctx.getBean(Access.class).to(caller, org), "gateway bench", WorkspaceKind.OTHER, null)
                .id();
        CreditMoves admin = ctx.getBean(CreditMoves.class);
        admin.setFunding(org, ws, Funding.POOL, Actor.SYSTEM);
        admin.grant(org, Credits.parse("1000000000"), "purchase", null, "bench", Actor.SYSTEM);
        if (Boolean.getBoolean("atrium.bench.key-limits")) {
            // Every limit a key can carry, set far above what the bench reaches: what checking them costs.
            var limits = new dev.atrium.identity.KeySettings(
                    Credits.parse("100000000").micros(), "month", null, 10_000_000, 1_000_000_000_000L, 100_000, null);
            System.out.println("bench key: spend limit, requests, tokens and concurrent-call limits set");
            return identity.issueWorkspaceKey(org, ws, "gateway bench", null, caller, limits)
                    .secret();
        }
        return identity.issueWorkspaceKey(org, ws, "gateway bench", null, caller)
                .secret();
    }

    private static String show(JdbcClient jdbc, String setting) {
        return jdbc.sql("SELECT current_setting(:name)")
                .param("name", setting)
                .query(String.class)
                .single();
    }

    /** Written under a temporary name and moved, so the script never reads half a file. */
    private static void write(Path dir, String name, String content) throws java.io.IOException {
        Path tmp = dir.resolve(name + ".tmp");
        Files.writeString(tmp, content + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String required(Map<String, String> flags, String name) {
        String v = flags.get(name);
        if (v == null || v.isBlank()) throw new IllegalArgumentException("--" + name + "=… is required");
        return v;
    }
}
