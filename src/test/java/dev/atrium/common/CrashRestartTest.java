package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.atrium.support.Api;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

/**
 * Atrium killed with SIGKILL under load comes back on the same data directory at the first start,
 * with the ledger exact: every call the client saw answered is charged once; a stream cut by the
 * kill is charged once what it had relayed (from the progress in the journal when it was leased,
 * by the sweeper at its hold's expiry otherwise); holds and the killed process's credit leases are
 * swept when they expire.
 *
 * <p>Atrium runs as a child JVM on the test's class path. The first run has the embedded
 * database's watchdog off, so that its PostgreSQL outlives it as after a crash the watchdog could
 * not prevent; the next start must stop that server itself. The last run has the watchdog on: once
 * it is killed, its PostgreSQL must end within seconds. With {@code -Datrium.heavy=true}: more
 * clients, and several crashes in a row.
 */
class CrashRestartTest {
    private static final String SETUP_TOKEN = "atr_setup_crash-test";
    private static final String PASSWORD = "a long enough password";
    private static final boolean HEAVY = Boolean.getBoolean("atrium.heavy");
    private static final Duration HOLD_TTL = Duration.ofSeconds(20);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<Process> started = new ArrayList<>();
    private Path dataDir;

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) p.destroyForcibly().waitFor();
        if (dataDir != null) {
            long pg = EmbeddedPostgresGuard.pid(dataDir.resolve("postgres/postmaster.pid"));
            if (pg > 0) ProcessHandle.of(pg).ifPresent(ProcessHandle::destroyForcibly);
            // The runs' logs are kept (target/crash-logs) for a failure to be read afterwards.
            Path kept = Files.createDirectories(Path.of("target", "crash-logs"));
            try (var logs = Files.list(dataDir)) {
                for (Path log : logs.filter(f -> f.toString().endsWith(".log")).toList()) {
                    Files.copy(log, kept.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            FileSystemUtils.deleteRecursively(dataDir);
        }
    }

    @Test
    void aKilledServerComesBackAtTheFirstStartWithTheLedgerExact() throws Exception {
        dataDir = Files.createTempDirectory(Path.of("target"), "crash-").toAbsolutePath();
        int httpPort = freePort();
        String base = "http://127.0.0.1:" + httpPort;

        Process first = start(httpPort, false, "run-0");
        awaitHealthy(first, base);
        var setup = new Api(base, null)
                .withHeader("X-Setup-Token", SETUP_TOKEN)
                .post(
                        "/api/v1/setup",
                        Map.of(
                                "email",
                                "crash@example.com",
                                "password",
                                PASSWORD,
                                "name",
                                "Crash",
                                "organization_name",
                                "Crash Test"));
        assertThat(setup.status()).as(setup.toString()).isEqualTo(201);
        String org = "/api/v1/organizations/"
                + setup.json().path("organization").path("id").asString();
        String ws = org + "/workspaces/"
                + setup.json().path("organization").path("primary_workspace_id").asString();
        Api owner = new Api(base, setup.text("token"));
        assertThat(owner.post(org + "/credits/grants", Map.of("amount", "1000000"))
                        .status())
                .isEqualTo(201);
        var key = owner.post(ws + "/api-keys", Map.of("name", "load"));
        assertThat(key.status()).as(key.toString()).isEqualTo(201);

        Set<String> answered = ConcurrentHashMap.newKeySet();
        Process running = first;
        Instant healthyAt = Instant.now();
        int crashes = HEAVY ? 3 : 1;
        for (int crash = 0; crash < crashes; crash++) {
            int before = answered.size();
            killUnderLoad(running, base, key.text("key"), "c" + crash, answered);
            assertThat(answered.size() - before)
                    .as("calls answered before the kill")
                    .isGreaterThan(5);

            long leftover = EmbeddedPostgresGuard.pid(dataDir.resolve("postgres/postmaster.pid"));
            if (crash == 0) {
                // Without the watchdog, the killed run's server is still there, holding the directory.
                assertThat(ProcessHandle.of(leftover).map(ProcessHandle::isAlive))
                        .as("PostgreSQL of the killed run")
                        .contains(true);
            }
            long restarting = System.nanoTime();
            running = start(httpPort, true, "run-" + (crash + 1));
            awaitHealthy(running, base);
            healthyAt = Instant.now();
            System.out.printf(
                    "crash %d: %d calls answered before kill -9; restarted healthy at the first start in %d ms%n",
                    crash + 1, answered.size() - before, (System.nanoTime() - restarting) / 1_000_000);
            assertThat(ProcessHandle.of(leftover).filter(ProcessHandle::isAlive))
                    .as("the leftover server was stopped")
                    .isEmpty();
        }

        var invariant = owner.get(org + "/credits/invariant");
        assertThat(invariant.status()).as(invariant.toString()).isEqualTo(200);
        assertThat(invariant.json().path("holds").asBoolean())
                .as(invariant.toString())
                .isTrue();
        // The embedded server picks a free port at each start, as by default; its pid file names it.
        String pgPort = Files.readAllLines(dataDir.resolve("postgres/postmaster.pid"))
                .get(3)
                .trim();
        try (Connection db =
                DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", "")) {
            // Every call answered 200 was charged exactly once, on a captured hold.
            List<String> wrong = new ArrayList<>();
            for (String id : answered) {
                var charged = charges(db, id);
                if (charged.size() != 1 || !charged.getFirst().equals("captured")) wrong.add(id + " " + charged);
            }
            assertThat(wrong).as("answered calls not charged exactly once").isEmpty();
            assertThat(scalar(
                            db,
                            "SELECT count(*) FROM usage_events e WHERE e.request_id IS NOT NULL"
                                    + " GROUP BY e.request_id HAVING count(*) > 1"))
                    .as("a request charged twice")
                    .isEmpty();

            // The holds of calls cut short (at least the one killed half-way) are swept once expired.
            Optional<Long> lastExpiry = scalar(
                    db, "SELECT (extract(epoch FROM max(expires_at)) * 1000)::bigint FROM holds WHERE status = 'held'");
            if (lastExpiry.isPresent()) {
                Instant deadline = Instant.ofEpochMilli(lastExpiry.get()).plusSeconds(10);
                while (scalar(db, "SELECT count(*) FROM holds WHERE status = 'held'")
                                        .orElse(0L)
                                > 0
                        && Instant.now().isBefore(deadline)) {
                    Thread.sleep(500);
                }
            }
            assertThat(scalar(db, "SELECT count(*) FROM holds WHERE status = 'held'"))
                    .as("holds still open after their expiry: %s (now %s)", openHolds(db), Instant.now())
                    .contains(0L);
            // Each stream killed half-way is charged once, as a partial call, for what it had relayed:
            // from its last progress record when the next start replayed the journal (a leased
            // stream), or by the sweeper at its hold's expiry.
            for (int crash = 0; crash < crashes; crash++) {
                String id = halfwayId("c" + crash);
                assertThat(charges(db, id)).as("charges of " + id).containsAnyOf("captured", "expired");
                assertThat(charges(db, id)).as("charges of " + id).hasSize(1);
                assertThat(statuses(db, id)).as("usage of " + id).containsExactly("partial");
            }
            // Calls were admitted from credit leases too; the killed run's leases are closed once expired.
            assertThat(scalar(db, "SELECT count(*) FROM usage_events WHERE hold_id LIKE 'rsv\\_%'"))
                    .as("calls admitted from a lease")
                    .hasValueSatisfying(n -> assertThat(n).isPositive());
            Optional<Long> leaseExpiry = scalar(
                    db,
                    "SELECT (extract(epoch FROM max(expires_at)) * 1000)::bigint FROM credit_leases WHERE status = 'open'");
            if (leaseExpiry.isPresent()) {
                Instant deadline = Instant.ofEpochMilli(leaseExpiry.get()).plusSeconds(10);
                while (scalar(db, "SELECT count(*) FROM credit_leases WHERE status = 'open'")
                                        .orElse(0L)
                                > 0
                        && Instant.now().isBefore(deadline)) {
                    Thread.sleep(500);
                }
            }
            assertThat(scalar(db, "SELECT count(*) FROM credit_leases WHERE status = 'open'"))
                    .as("leases still open after their expiry")
                    .contains(0L);
            // Swept at their expiry, or as soon as the server was back if it was down then.
            assertThat(scalar(
                            db,
                            "SELECT count(*) FROM holds WHERE status = 'expired' AND resolved_at"
                                    + " > greatest(expires_at, to_timestamp(" + healthyAt.toEpochMilli()
                                    + " / 1000.0)) + interval '10 seconds'"))
                    .as("holds swept late")
                    .contains(0L);
        }
        System.out.printf(
                "crash restart: %d answered calls each charged once; ledger conserved; open holds swept%n",
                answered.size());
        var after = owner.get(org + "/credits/invariant");
        assertThat(after.json().path("holds").asBoolean()).as(after.toString()).isTrue();

        // With the watchdog on, a killed run's server ends by itself within seconds.
        long pg = EmbeddedPostgresGuard.pid(dataDir.resolve("postgres/postmaster.pid"));
        assertThat(pg).isPositive();
        running.destroyForcibly().waitFor();
        ProcessHandle server = ProcessHandle.of(pg).orElseThrow();
        server.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(server.isAlive()).isFalse();
    }

    /**
     * Runs chat calls (plain and streamed) from a few clients, kills the server under them while a
     * streamed answer is half-way (its progress recorded), and records the calls the clients saw
     * answered in full.
     */
    private static void killUnderLoad(Process server, String base, String key, String tag, Set<String> answered)
            throws Exception {
        int clients = HEAVY ? 8 : 4;
        var stop = new AtomicBoolean();
        var count = new java.util.concurrent.atomic.AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                String prefix = "crash-" + tag + "-" + c + "-";
                boolean stream = c % 2 != 0;
                pool.submit(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        String id = prefix + n;
                        try {
                            HttpResponse<String> r =
                                    HTTP.send(chat(base, key, id, stream), HttpResponse.BodyHandlers.ofString());
                            // A streamed answer is complete with its last event.
                            if (r.statusCode() == 200 && (!stream || r.body().contains("data: [DONE]"))) {
                                answered.add(id);
                                count.incrementAndGet();
                            }
                        } catch (IOException e) {
                            if (!server.isAlive()) return;
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
            }
            long until = System.nanoTime() + Duration.ofSeconds(HEAVY ? 8 : 3).toNanos();
            while ((System.nanoTime() < until || count.get() < 10)
                    && System.nanoTime() < until + Duration.ofSeconds(30).toNanos()) {
                Thread.sleep(50);
            }
            // One more streamed call, killed half-way: once its third event arrives, the progress
            // recorded at its first is surely there (in the journal for a leased stream, written on
            // its hold otherwise).
            var halfway = HTTP.send(chat(base, key, halfwayId(tag), true), HttpResponse.BodyHandlers.ofInputStream());
            try (var body =
                    new java.io.BufferedReader(new java.io.InputStreamReader(halfway.body(), StandardCharsets.UTF_8))) {
                assertThat(halfway.statusCode()).isEqualTo(200);
                int events = 0;
                for (String line = body.readLine(); line != null && events < 3; line = body.readLine()) {
                    if (line.startsWith("data: ")) events++;
                }
                assertThat(events).isEqualTo(3);
                server.destroyForcibly().waitFor();
            }
            stop.set(true);
        }
    }

    private static String halfwayId(String tag) {
        return "crash-" + tag + "-halfway";
    }

    private static HttpRequest chat(String base, String key, String requestId, boolean stream) {
        return HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model": "demo/chat", "stream": %s,
                         "messages": [{"role": "user", "content": "Tell a long story about %s"}]}
                        """.formatted(stream, requestId)))
                .build();
    }

    /** The status of the hold behind each usage event of the request. */
    private static List<String> charges(Connection db, String requestId) throws SQLException {
        // A call took an exact hold (captured once), or was admitted from a credit lease: then its
        // usage event carries its reservation id, and one capture transfer carries the same id.
        try (var s = db.prepareStatement("SELECT h.status FROM usage_events e"
                + " JOIN holds h ON h.org_id = e.org_id AND h.id = e.hold_id WHERE e.request_id = ?"
                + " UNION ALL SELECT CASE WHEN (SELECT count(*) FROM ledger_transfers t WHERE t.org_id = e.org_id"
                + "   AND t.hold_id = e.hold_id AND t.kind = 'capture') = 1 THEN 'captured' ELSE 'lease capture missing' END"
                + " FROM usage_events e WHERE e.request_id = ? AND e.hold_id LIKE 'rsv\\_%'")) {
            s.setString(2, requestId);
            s.setString(1, requestId);
            List<String> out = new ArrayList<>();
            try (var rs = s.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    private static List<String> statuses(Connection db, String requestId) throws SQLException {
        try (var s = db.prepareStatement("SELECT status FROM usage_events WHERE request_id = ?")) {
            s.setString(1, requestId);
            List<String> out = new ArrayList<>();
            try (var rs = s.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    private static List<String> openHolds(Connection db) throws SQLException {
        List<String> out = new ArrayList<>();
        try (var s = db.createStatement();
                var rs = s.executeQuery(
                        "SELECT id, created_at, expires_at, relayed_micros FROM holds WHERE status = 'held'")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " created " + rs.getTimestamp(2).toInstant() + " expires "
                        + rs.getTimestamp(3).toInstant() + " progress " + rs.getString(4));
            }
        }
        return out;
    }

    private static Optional<Long> scalar(Connection db, String sql) throws SQLException {
        try (var s = db.createStatement();
                var rs = s.executeQuery(sql)) {
            if (!rs.next()) return Optional.empty();
            long v = rs.getLong(1);
            return rs.wasNull() ? Optional.empty() : Optional.of(v);
        }
    }

    private Process start(int httpPort, boolean watchdog, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dataDir.resolve(name + ".log");
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx384m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.atrium.AtriumApplication",
                        "--server.port=" + httpPort,
                        "--atrium.data-dir=" + dataDir,
                        "--atrium.database.url=",
                        "--atrium.database.embedded.watchdog=" + watchdog,
                        "--atrium.setup-token=" + SETUP_TOKEN,
                        "--atrium.ledger.hold-ttl=PT" + HOLD_TTL.toSeconds() + "S",
                        "--atrium.ledger.sweep-interval=PT1S",
                        "--atrium.leases.ttl=PT" + HOLD_TTL.toSeconds() + "S",
                        "--atrium.providers.demo.token-delay=10ms")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        started.add(p);
        return p;
    }

    /** Waits for the health endpoint to answer UP; fails at once if the process ends. */
    private void awaitHealthy(Process p, String base) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                fail("Atrium exited with " + p.exitValue() + " during its start:\n" + logTail());
            }
            try {
                var r = HTTP.send(
                        HttpRequest.newBuilder(URI.create(base + "/actuator/health"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        fail("Atrium did not become healthy:\n" + logTail());
    }

    private String logTail() throws IOException {
        StringBuilder out = new StringBuilder();
        try (var logs = Files.list(dataDir)) {
            for (Path log :
                    logs.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                out.append("== ").append(log.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 40), lines.size())
                        .forEach(l -> out.append(l).append('\n'));
            }
        }
        return out.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
