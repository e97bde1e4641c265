package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.AtriumApplication;
import dev.atrium.identity.Identity;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.StreamingReplica;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;

/**
 * Reports from a read replica ({@code ATRIUM_REPORTS_DATABASE_URL}) against a real streaming
 * standby: a PostgreSQL primary and a {@code pg_basebackup} of it streaming on another port, both
 * built by the test from the machine's PostgreSQL binaries ({@link StreamingReplica}). Atrium's
 * primary database is that primary; its reports database is the standby. Skipped, saying so, only
 * where the binaries are absent.
 */
class ReportsReplicaTest {
    private static final Duration MAX_LAG = Duration.ofSeconds(10);
    private static final Instant HOUR =
            Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(1));

    private static StreamingReplica clusters;
    private static ConfigurableApplicationContext app;
    private static Path dataDir;
    private static Api owner;
    private static String base;
    private static String email;
    private static String orgPath;
    private static String workspace;
    private static int events;
    private static String skipped;

    @BeforeAll
    static void start() throws Exception {
        var binaries = StreamingReplica.available();
        if (binaries.bin() == null) {
            // Each test is then reported skipped with this message (an abort here would hide them).
            skipped = "PostgreSQL binaries absent (" + binaries.why()
                    + "): reports from a streaming replica not exercised.";
            System.out.println(skipped);
            return;
        }
        long t0 = System.nanoTime();
        clusters = StreamingReplica.start(binaries.bin());
        long built = System.nanoTime();
        // Reports read as a role of their own (ATRIUM_REPORTS_DATABASE_USER), with SELECT only.
        try (var c = clusters.primary()) {
            c.createStatement().execute("CREATE ROLE reporter LOGIN");
        }
        dataDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "replica-");
        app = new SpringApplicationBuilder(AtriumApplication.class)
                .run(
                        "--server.port=0",
                        "--atrium.data-dir=" + dataDir,
                        "--atrium.database.url=" + clusters.primaryUrl(),
                        "--atrium.database.user=postgres",
                        "--atrium.reports.database.url=" + clusters.standbyUrl(),
                        "--atrium.reports.database.user=reporter",
                        "--atrium.reports.max-lag=" + MAX_LAG,
                        "--atrium.reports.retry-after=PT1S",
                        "--atrium.setup-token=atr_setup_replica-test");
        // The change feed LISTENs on the primary (a standby refuses LISTEN): it is not routed.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(app.getBean(ChangeFeed.class)::listening);
        System.out.printf(
                "primary + streaming standby (%s) built and started in %d ms; Atrium started in %d ms%n",
                binaries.bin(), (built - t0) / 1_000_000, (System.nanoTime() - built) / 1_000_000);
        sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporter");
        email = Fixtures.uniqueEmail("replica");
        app.getBean(Identity.class).createUser(email, Fixtures.PASSWORD, "Replica");
        base = "http://localhost:" + app.getEnvironment().getProperty("local.server.port");
        Api api = new Api(base, null);
        var token = api.post("/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD, "name", "t"));
        assertThat(token.status()).as(token.toString()).isEqualTo(201);
        owner = api.as(token.text("token"));
        var org = owner.post("/api/v1/organizations", Map.of("name", "Replica Co"));
        assertThat(org.status()).as(org.toString()).isEqualTo(201);
        orgPath = "/api/v1/organizations/" + org.text("id");
        workspace = org.text("primary_workspace_id");
        grant("1000");
    }

    @AfterAll
    static void stop() {
        try {
            if (app != null) app.close();
        } finally {
            if (clusters != null) clusters.close();
            if (dataDir != null) FileSystemUtils.deleteRecursively(dataDir.toFile());
        }
    }

    /** Each test starts with the standby running, replaying and caught up with what came before. */
    @BeforeEach
    void replicaCaughtUp() {
        Assumptions.assumeTrue(skipped == null, () -> skipped);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            var r = report();
            return "replica".equals(r.header(ReportReads.DATA_SOURCE)) && count(r) == events;
        });
    }

    @Test
    void aReportComesFromTheReplicaOnceReplayedAndSaysHowCurrentItIs() throws Exception {
        Instant written = Instant.now();
        ingest(2);
        long t0 = System.nanoTime();
        AtomicReference<Api.Response> seen = new AtomicReference<>();
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    var r = report();
                    seen.set(r);
                    return "replica".equals(r.header(ReportReads.DATA_SOURCE)) && count(r) == events;
                });
        System.out.printf(
                "the replica's report showed new usage %d ms after it was written%n",
                (System.nanoTime() - t0) / 1_000_000);
        Instant asOf = asOf(seen.get());
        assertThat(asOf)
                .isAfterOrEqualTo(written.minusSeconds(1))
                .isBefore(Instant.now().plusSeconds(1));

        // Replay stopped: the replica keeps receiving WAL but its data stays where it was.
        clusters.pauseReplay();
        Instant paused = Instant.now();
        try {
            int before = events;
            var ingested = ingest(3); // writes go to the primary whatever the replica does
            assertThat(ingested.status()).as(ingested.toString()).isEqualTo(200);
            var granted = grant("5");
            assertThat(granted.status()).as(granted.toString()).isEqualTo(201);
            String lsn = clusters.primaryLsn();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> clusters.received(lsn));

            var stale = report();
            assertThat(stale.status()).as(stale.toString()).isEqualTo(200);
            assertThat(stale.header(ReportReads.DATA_SOURCE)).isEqualTo("replica");
            assertThat(count(stale))
                    .as("the replica has not replayed the new usage")
                    .isEqualTo(before);
            Instant staleAsOf = asOf(stale);
            assertThat(staleAsOf).as("as of before the pause").isBefore(paused);
            var entries = owner.get(orgPath + "/credits/entries?limit=100");
            assertThat(entries.header(ReportReads.DATA_SOURCE)).isEqualTo("replica");
            assertThat(grants(entries))
                    .as("the new grant is not on the replica yet")
                    .isEqualTo(1);
            Thread.sleep(500);
            var still = report();
            assertThat(asOf(still)).as("x-atrium-data-as-of stays old").isEqualTo(staleAsOf);
            assertThat(count(still)).isEqualTo(before);

            // Past the maximum lag, reports go to the primary: current, and saying so.
            double lagFallbacks = counter("atrium.reports.replica.fallbacks", "reason", "lag");
            long t1 = System.nanoTime();
            Awaitility.await()
                    .atMost(MAX_LAG.plusSeconds(20))
                    .until(() -> "primary".equals(report().header(ReportReads.DATA_SOURCE)));
            System.out.printf(
                    "with replay paused, reports moved to the primary %d ms later (max lag %s)%n",
                    (System.nanoTime() - t1) / 1_000_000, MAX_LAG);
            var current = report();
            assertThat(current.header(ReportReads.DATA_SOURCE)).isEqualTo("primary");
            assertThat(count(current)).isEqualTo(events);
            assertThat(asOf(current)).isAfter(paused);
            assertThat(grants(owner.get(orgPath + "/credits/entries?limit=100")))
                    .isEqualTo(2);
            assertThat(counter("atrium.reports.replica.fallbacks", "reason", "lag"))
                    .isGreaterThan(lagFallbacks);
        } finally {
            clusters.resumeReplay();
        }
        long t2 = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            var r = report();
            return "replica".equals(r.header(ReportReads.DATA_SOURCE)) && count(r) == events;
        });
        System.out.printf(
                "replay resumed: the replica served the whole report again after %d ms%n",
                (System.nanoTime() - t2) / 1_000_000);
        assertThat(asOf(report())).isAfter(paused);
    }

    @Test
    void everyReportPathReadsTheReplicaAndWritesAndOwnReadsStayOnThePrimary() {
        double replicaReads = counter("atrium.reports.reads", "source", "replica");
        String range = "start=" + HOUR + "&end=" + HOUR.plus(Duration.ofHours(1));
        List<String> paths = List.of(
                orgPath + "/usage?" + range + "&format=csv",
                orgPath + "/usage/summary?" + range,
                orgPath + "/usage/members?" + range,
                orgPath + "/usage/performance?" + range,
                orgPath + "/usage/statement?workspace_id=" + workspace + "&" + range,
                orgPath + "/usage/statement?workspace_id=" + workspace + "&" + range + "&format=csv",
                orgPath + "/forecast",
                orgPath + "/credits/entries",
                orgPath + "/workspaces/" + workspace + "/conversations?q=invoice",
                orgPath + "/workspaces/" + workspace + "/history/export");
        for (String path : paths) {
            var r = owner.get(path);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(200);
            assertThat(r.header(ReportReads.DATA_SOURCE)).as(path).isEqualTo("replica");
            assertThat(asOf(r)).as(path).isBefore(Instant.now().plusSeconds(1));
        }
        var csv = owner.get(orgPath + "/usage?" + range + "&format=csv&bucket=none");
        assertThat(csv.body().lines().skip(1).findFirst().orElseThrow()).contains("," + events + ",");
        assertThat(counter("atrium.reports.reads", "source", "replica"))
                .isGreaterThanOrEqualTo(replicaReads + paths.size() + 1);

        // The console's CSV downloads are exports too.
        var console = console();
        for (String path : List.of(
                "/orgs/" + orgPath.substring(orgPath.lastIndexOf('/') + 1) + "/usage/export.csv",
                "/orgs/" + orgPath.substring(orgPath.lastIndexOf('/') + 1) + "/usage/statement.csv?workspace="
                        + workspace)) {
            var r = send(
                    console, HttpRequest.newBuilder(URI.create(base + path)).GET());
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue(ReportReads.DATA_SOURCE)).as(path).hasValue("replica");
            assertThat(r.headers().firstValue(ReportReads.DATA_AS_OF)).as(path).isPresent();
        }

        // Not reports: the plain list (read right after a write by clients), the balance, and writes.
        for (String path : List.of(orgPath + "/workspaces/" + workspace + "/conversations", orgPath + "/credits")) {
            var r = owner.get(path);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(200);
            assertThat(r.header(ReportReads.DATA_SOURCE)).as(path).isNull();
            assertThat(r.header(ReportReads.DATA_AS_OF)).as(path).isNull();
        }
        var write = ingest(1);
        assertThat(write.header(ReportReads.DATA_SOURCE)).isNull();
    }

    @Test
    void aReplicaThatIsDownSendsReportsToThePrimary() throws Exception {
        double unreachable = counter("atrium.reports.replica.fallbacks", "reason", "unreachable");
        clusters.stopStandby();
        try {
            ingest(2);
            long t0 = System.nanoTime();
            var r = report();
            long firstMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.header(ReportReads.DATA_SOURCE)).isEqualTo("primary");
            assertThat(count(r)).isEqualTo(events);
            assertThat(asOf(r)).isAfter(Instant.now().minusSeconds(5));
            long t1 = System.nanoTime();
            var again = owner.get(orgPath + "/usage/summary?start=" + HOUR + "&end=" + HOUR.plus(Duration.ofHours(1)));
            long againMs = (System.nanoTime() - t1) / 1_000_000;
            assertThat(again.status()).as(again.toString()).isEqualTo(200);
            assertThat(again.header(ReportReads.DATA_SOURCE)).isEqualTo("primary");
            System.out.printf(
                    "replica down: first report from the primary in %d ms, the next in %d ms%n", firstMs, againMs);
            assertThat(counter("atrium.reports.replica.fallbacks", "reason", "unreachable"))
                    .isGreaterThanOrEqualTo(unreachable + 2);
        } finally {
            clusters.startStandby();
        }
        long t2 = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            var r = report();
            return "replica".equals(r.header(ReportReads.DATA_SOURCE)) && count(r) == events;
        });
        System.out.printf(
                "standby started again: reports back on the replica after %d ms%n",
                (System.nanoTime() - t2) / 1_000_000);
    }

    @Test
    void aReadThatFailsOnTheReplicaIsReadAgainFromThePrimary() throws Exception {
        double errors = counter("atrium.reports.replica.fallbacks", "reason", "error");
        // The replica answers its probe but refuses the report's tables.
        sql("REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM reporter");
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                try (var c = clusters.standby();
                        var rs = c.createStatement()
                                .executeQuery(
                                        "SELECT has_table_privilege('reporter', 'usage_rollup_pending', 'SELECT')")) {
                    rs.next();
                    return !rs.getBoolean(1);
                }
            });
            ingest(1);
            var json = report();
            assertThat(json.header(ReportReads.DATA_SOURCE)).isEqualTo("primary");
            assertThat(count(json)).as("whole JSON, from the primary").isEqualTo(events);
            assertThat(json.json().path("bucket").asString()).isEqualTo("none");
            Thread.sleep(1100); // past retry-after: the replica is tried again
            var csv = owner.get(orgPath + "/usage?start=" + HOUR + "&end=" + HOUR.plus(Duration.ofHours(1))
                    + "&bucket=none&format=csv");
            assertThat(csv.status()).as(csv.toString()).isEqualTo(200);
            assertThat(csv.header(ReportReads.DATA_SOURCE)).isEqualTo("primary");
            assertThat(csv.body()
                            .lines()
                            .filter(l -> l.startsWith("bucket_start"))
                            .count())
                    .as("one header line: " + csv.body())
                    .isEqualTo(1);
            assertThat(csv.body()).contains("," + events + ",");
            Thread.sleep(1100);
            var export = owner.get(orgPath + "/workspaces/" + workspace + "/history/export");
            assertThat(export.status()).as(export.toString()).isEqualTo(200);
            assertThat(export.header(ReportReads.DATA_SOURCE)).isEqualTo("primary");
            assertThat(counter("atrium.reports.replica.fallbacks", "reason", "error"))
                    .isGreaterThanOrEqualTo(errors + 3);
        } finally {
            sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporter");
        }
    }

    private static void sql(String statement) throws java.sql.SQLException {
        try (var c = clusters.primary()) {
            c.createStatement().execute(statement);
        }
    }

    /** A browser's session in the console (cookies kept, redirects not followed). */
    private static HttpClient console() {
        HttpClient http = HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        var form =
                send(http, HttpRequest.newBuilder(URI.create(base + "/sign-in")).GET());
        Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(form.body());
        assertThat(csrf.find()).as(form.body()).isTrue();
        String body = "email=" + URLEncoder.encode(email, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(Fixtures.PASSWORD, StandardCharsets.UTF_8) + "&_csrf="
                + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8);
        var signIn = send(
                http,
                HttpRequest.newBuilder(URI.create(base + "/sign-in"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(signIn.statusCode()).as("sign-in: " + signIn.body()).isEqualTo(302);
        return http;
    }

    private static HttpResponse<String> send(HttpClient http, HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Api.Response report() {
        return owner.get(orgPath + "/usage?start=" + HOUR + "&end=" + HOUR.plus(Duration.ofHours(1)) + "&bucket=none");
    }

    private static long count(Api.Response report) {
        assertThat(report.status()).as(report.toString()).isEqualTo(200);
        long n = 0;
        for (JsonNode row : report.json().path("data")) n += row.path("count").asLong();
        return n;
    }

    private static Instant asOf(Api.Response r) {
        String header = r.header(ReportReads.DATA_AS_OF);
        assertThat(header).as("x-atrium-data-as-of on " + r).isNotNull();
        return Instant.parse(header);
    }

    private static Api.Response ingest(int n) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Map.of(
                    "id",
                    "ev-" + UUID.randomUUID(),
                    "workspace_id",
                    workspace,
                    "model",
                    "gpt-4o-mini",
                    "category",
                    "chat",
                    "credits",
                    "0.5",
                    "input_units",
                    10,
                    "output_units",
                    2,
                    "occurred_at",
                    HOUR.plusSeconds(60 + i).toString()));
        }
        var r = owner.post(orgPath + "/usage/events", Map.of("events", list));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        for (JsonNode result : r.json().path("results")) {
            assertThat(result.path("status").asString()).as(r.toString()).isEqualTo("created");
        }
        events += n;
        return r;
    }

    private static Api.Response grant(String amount) {
        var r = owner.post(orgPath + "/credits/grants", Map.of("amount", amount, "kind", "promotional"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r;
    }

    private static long grants(Api.Response entries) {
        assertThat(entries.status()).as(entries.toString()).isEqualTo(200);
        long n = 0;
        for (JsonNode e : entries.json().path("data"))
            if (e.path("kind").asString().equals("grant")) n++;
        return n;
    }

    private static double counter(String name, String tag, String value) {
        var c = app.getBean(MeterRegistry.class).find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }
}
