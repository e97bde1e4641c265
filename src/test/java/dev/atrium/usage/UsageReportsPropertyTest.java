package dev.atrium.usage;

import static dev.atrium.usage.UsageTestSupport.add;
import static dev.atrium.usage.UsageTestSupport.sums;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.usage.UsageTestSupport.Raw;
import dev.atrium.usage.internal.RollupFolder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Random event sets (bucket edges, month ends, a leap day, a year end) against random report
 * queries: every report equals the brute-force sum over the raw events, and its CSV parses back to
 * the JSON figures — first with every event still pending (folding held off), then with all of them
 * folded into the rollup tables.
 */
@IntegrationTest
class UsageReportsPropertyTest {
    private static final String[] DIMS = {"workspace", "user", "model", "category"};
    private static final Instant FROM = Instant.parse("2024-01-30T00:00:00Z");
    private static final Instant[] EDGES = {
        Instant.parse("2024-02-28T23:59:59.999Z"),
        Instant.parse("2024-02-29T00:00:00Z"),
        Instant.parse("2024-02-29T23:59:59.999999Z"),
        Instant.parse("2024-03-01T00:00:00Z"),
        Instant.parse("2024-03-31T23:00:00Z"),
        Instant.parse("2024-04-01T00:00:00Z"),
        Instant.parse("2024-12-31T23:59:59Z"),
        Instant.parse("2025-01-01T00:00:00Z"),
        Instant.parse("2024-06-15T10:59:59.999Z"),
        Instant.parse("2024-06-15T11:00:00Z"),
    };

    @Autowired
    Fixtures fixtures;

    @Autowired
    UsageRecorder recorder;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    RollupFolder folder;

    @Autowired
    JdbcClient jdbc;

    @Test
    void everyReportEqualsTheSumOfItsRawEventsAndCsvMatchesJson() {
        Random random = new Random(20260115L);
        var t = fixtures.tenant("Rollup Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000000"))
                        .status())
                .isEqualTo(201);
        String ws2 = fixtures.workspace(t, "Client B");
        var member = fixtures.addMember(t, "member", ws2);
        String[] workspaces = {t.primaryWorkspaceId(), ws2};
        String[] users = {null, t.owner().userId(), member.userId()};
        String[] models = {"ext/alpha", "ext/beta", "demo/chat"};
        String[] categories = {"chat", "image", "speech"};

        OrgId org = new OrgId(t.orgId());
        List<Raw> raw = new ArrayList<>();
        long queries = random.nextLong();
        // Folding held off: every event stays pending until the pause ends.
        try (RollupFolder.Pause paused = folder.pause()) {
            List<Map<String, Object>> batch = new ArrayList<>();
            var tx = new TransactionTemplate(transactions);
            for (int i = 0; i < 360; i++) {
                Instant at = random.nextInt(3) == 0
                        ? EDGES[random.nextInt(EDGES.length)]
                        : FROM.plusMillis((long) (random.nextDouble() * 400L * 86_400_000L));
                boolean viaRecorder = i % 3 == 0;
                Raw r = new Raw(
                        workspaces[random.nextInt(2)],
                        users[random.nextInt(3)],
                        models[random.nextInt(3)],
                        categories[random.nextInt(3)],
                        random.nextInt(5000),
                        random.nextInt(5000),
                        random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(5_000_000),
                        viaRecorder && random.nextInt(4) == 0,
                        viaRecorder ? random.nextInt(10_000) : 0,
                        at);
                raw.add(r);
                if (viaRecorder) {
                    // Gateway-like events (errors, latency) straight through the recorder, in a transaction.
                    tx.executeWithoutResult(s -> recorder.record(new UsageEvent(
                            UsageEvent.newId(),
                            new OrgId(t.orgId()),
                            new WorkspaceId(r.workspace()),
                            r.user() == null ? null : new UserId(r.user()),
                            null,
                            r.model(),
                            "demo",
                            r.category(),
                            r.category(),
                            r.in(),
                            r.out(),
                            Credits.ofMicros(r.micros()),
                            r.latency(),
                            r.error() ? "error" : "ok",
                            null,
                            null,
                            "gateway",
                            r.at())));
                } else {
                    batch.add(r.wire("ext-" + i));
                }
            }
            var results = UsageTestSupport.ingest(owner, t, batch);
            assertThat(UsageTestSupport.statuses(results)).containsOnly("created");

            // Nothing folded yet: the rollup tables hold none of the organization's events.
            assertThat(RollupCheck.rows(jdbc, "usage_rollup_pending", org)).isPositive();
            assertThat(RollupCheck.rows(jdbc, "usage_rollups", org) + RollupCheck.rows(jdbc, "usage_rollups_ws", org))
                    .isZero();
            checkReports(new Random(queries), owner, t.path(), workspaces, raw);
        }

        folder.foldAll();
        assertThat(RollupCheck.rows(jdbc, "usage_rollup_pending", org)).isZero();
        assertThat(RollupCheck.rows(jdbc, "usage_rollups", org)).isPositive();
        checkReports(new Random(queries), owner, t.path(), workspaces, raw);
    }

    private void checkReports(Random random, Api owner, String orgPath, String[] workspaces, List<Raw> raw) {
        int nonEmpty = 0;
        for (int q = 0; q < 40; q++) {
            String bucket = new String[] {"hour", "day", "month", "none"}[random.nextInt(4)];
            long spanHours = bucket.equals("hour") ? 1 + random.nextInt(24 * 60) : 1 + random.nextInt(24 * 420);
            Instant start = q % 5 == 0
                    ? EDGES[random.nextInt(EDGES.length)].truncatedTo(ChronoUnit.HOURS)
                    : FROM.plus(random.nextInt(24 * 400), ChronoUnit.HOURS);
            Instant end = start.plus(spanHours, ChronoUnit.HOURS);
            List<String> dims =
                    Arrays.stream(DIMS).filter(d -> random.nextBoolean()).toList();
            String wsFilter = random.nextInt(4) == 0 ? workspaces[random.nextInt(2)] : null;
            String path = orgPath + "/usage?start=" + start + "&end=" + end + "&bucket=" + bucket
                    + (dims.isEmpty() ? "" : "&group_by=" + String.join(",", dims))
                    + (wsFilter == null ? "" : "&workspace_ids=" + wsFilter);
            var json = owner.get(path);
            assertThat(json.status()).as(json.toString()).isEqualTo(200);

            Map<String, long[]> expected = new HashMap<>();
            for (Raw r : raw) {
                if (r.at().isBefore(start) || !r.at().isBefore(end)) continue;
                if (wsFilter != null && !wsFilter.equals(r.workspace())) continue;
                expected.computeIfAbsent(key(label(r.at(), bucket, start), dims, r), k -> new long[6]);
                add(expected.get(key(label(r.at(), bucket, start), dims, r)), r);
            }
            Map<String, long[]> actual = new HashMap<>();
            for (JsonNode row : json.json().path("data")) {
                actual.put(key(row, dims), sums(row));
            }
            assertThat(toLists(actual)).as(path).isEqualTo(toLists(expected));
            if (!actual.isEmpty()) nonEmpty++;

            var csv = owner.get(path + "&format=csv");
            assertThat(csv.status()).isEqualTo(200);
            assertThat(csv.header("Content-Type")).startsWith("text/csv");
            List<String> lines = csv.body().lines().toList();
            List<String> header = List.of(lines.getFirst().split(","));
            Map<String, long[]> fromCsv = new HashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] cells = line.split(",", -1);
                Map<String, String> byName = new HashMap<>();
                for (int c = 0; c < header.size(); c++) byName.put(header.get(c), cells[c]);
                fromCsv.put(key(byName, dims), new long[] {
                    Long.parseLong(byName.get("count")),
                    Long.parseLong(byName.get("input_units")),
                    Long.parseLong(byName.get("output_units")),
                    Credits.parse(byName.get("credits")).micros(),
                    Long.parseLong(byName.get("error_count")),
                    Long.parseLong(byName.get("latency_ms_sum"))
                });
            }
            assertThat(toLists(fromCsv)).as("csv " + path).isEqualTo(toLists(actual));
        }
        assertThat(nonEmpty).isGreaterThan(25);
    }

    private static Instant label(Instant at, String bucket, Instant start) {
        return switch (bucket) {
            case "hour" -> at.truncatedTo(ChronoUnit.HOURS);
            case "day" -> at.truncatedTo(ChronoUnit.DAYS);
            case "month" ->
                at.atOffset(ZoneOffset.UTC)
                        .withDayOfMonth(1)
                        .truncatedTo(ChronoUnit.DAYS)
                        .toInstant();
            default -> start;
        };
    }

    private static String key(Instant label, List<String> dims, Raw r) {
        StringBuilder sb = new StringBuilder(label.toString());
        for (String d : dims) {
            sb.append('|')
                    .append(
                            switch (d) {
                                case "workspace" -> r.workspace();
                                case "user" -> r.user() == null ? "" : r.user();
                                case "model" -> r.model();
                                default -> r.category();
                            });
        }
        return sb.toString();
    }

    private static String column(String dim) {
        return switch (dim) {
            case "workspace" -> "workspace_id";
            case "user" -> "user_id";
            default -> dim;
        };
    }

    private static String key(JsonNode row, List<String> dims) {
        StringBuilder sb = new StringBuilder(
                Instant.parse(row.path("bucket_start").asString()).toString());
        for (String d : dims) {
            JsonNode v = row.path(column(d));
            sb.append('|').append(v.isNull() ? "" : v.asString());
        }
        return sb.toString();
    }

    private static String key(Map<String, String> row, List<String> dims) {
        StringBuilder sb =
                new StringBuilder(Instant.parse(row.get("bucket_start")).toString());
        for (String d : dims) sb.append('|').append(row.get(column(d)));
        return sb.toString();
    }

    private static Map<String, List<Long>> toLists(Map<String, long[]> m) {
        return m.entrySet().stream()
                .collect(Collectors.toMap(
                        Map.Entry::getKey,
                        e -> Arrays.stream(e.getValue()).boxed().toList()));
    }
}
