package dev.atrium.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.usage.internal.RollupFolder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The statement-level rollup trigger and the folder against brute-force sums, row by row, in both
 * rollup tables and every grain: multi-row inserts spanning hour, day, month and year edges, several
 * insert statements in one transaction adding to the same rows, a rolled-back batch, and deletions
 * (which subtract) — each checked while deltas may be pending and again once all are folded.
 */
@IntegrationTest
class UsageRollupTriggerTest {
    private static final Instant START = Instant.parse("2024-12-31T21:30:00Z");

    @Autowired
    Fixtures fixtures;

    @Autowired
    UsageRecorder recorder;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    RollupFolder folder;

    @Test
    void bothRollupTablesEqualTheirEventsThroughMultiRowStatementsRollbacksAndDeletions() {
        var t = fixtures.tenant("Trigger Co");
        String ws2 = fixtures.workspace(t, "Second");
        var member = fixtures.addMember(t, "member", ws2);
        OrgId org = new OrgId(t.orgId());
        String[] workspaces = {t.primaryWorkspaceId(), ws2};
        String[] users = {null, t.owner().userId(), member.userId()};
        Random random = new Random(80);
        var tx = new TransactionTemplate(transactions);

        // One transaction, three statements over the same buckets (a year end, a month end, day ends).
        tx.executeWithoutResult(s -> {
            recorder.recordAll(events(org, workspaces, users, random, 300), null);
            recorder.record(events(org, workspaces, users, random, 1).getFirst());
            recorder.recordAll(events(org, workspaces, users, random, 200), null);
            // The writer appends pending deltas (fewer rows than events: summed per hour and key) and
            // touches no rollup row.
            assertThat(RollupCheck.rows(jdbc, "usage_rollup_pending", org)).isBetween(1L, 500L);
            assertThat(RollupCheck.rows(jdbc, "usage_rollups", org) + RollupCheck.rows(jdbc, "usage_rollups_ws", org))
                    .isZero();
        });
        assertThat(mismatches(org)).isZero();

        // A batch that rolls back leaves no trace in any rollup.
        tx.executeWithoutResult(s -> {
            recorder.recordAll(events(org, workspaces, users, random, 100), null);
            s.setRollbackOnly();
        });
        assertThat(mismatches(org)).isZero();

        // Deleting some events of many buckets in one statement, then one more, takes exactly them out.
        int deleted = jdbc.sql("DELETE FROM usage_events WHERE org_id = :org AND model = 'm/b' AND input_units % 3 = 0")
                .param("org", org.value())
                .update();
        assertThat(deleted).isPositive();
        tx.executeWithoutResult(s -> {
            jdbc.sql("DELETE FROM usage_events WHERE org_id = :org AND status = 'error'")
                    .param("org", org.value())
                    .update();
            recorder.recordAll(events(org, workspaces, users, random, 50), null);
        });
        assertThat(mismatches(org)).isZero();
        // Rows whose events are all gone stay, at zero in every sum.
        assertThat(jdbc.sql("""
                        SELECT count(*) FROM (
                          SELECT input_units, output_units, credits, error_count, latency_sum_ms FROM usage_rollups
                          WHERE org_id = :org AND event_count = 0
                          UNION ALL
                          SELECT input_units, output_units, credits, error_count, latency_sum_ms FROM usage_rollups_ws
                          WHERE org_id = :org AND event_count = 0) z
                        WHERE input_units <> 0 OR output_units <> 0 OR credits <> 0 OR error_count <> 0
                           OR latency_sum_ms <> 0""").param("org", org.value()).query(Long.class).single())
                .isZero();
    }

    @Test
    void aFoldThatRollsBackLosesNothingAndCountsNothingTwice() {
        var t = fixtures.tenant("Fold Co");
        OrgId org = new OrgId(t.orgId());
        String[] workspaces = {t.primaryWorkspaceId()};
        String[] users = {null, t.owner().userId()};
        Random random = new Random(91);
        var outer = new TransactionTemplate(transactions);
        var separate = new TransactionTemplate(transactions);
        separate.setPropagationBehavior(TransactionTemplate.PROPAGATION_REQUIRES_NEW);
        separate.executeWithoutResult(s -> recorder.recordAll(events(org, workspaces, users, random, 200), null));
        folder.foldAll();

        outer.executeWithoutResult(s -> {
            // This transaction takes the fold's lock (and folds what is pending): no other folder runs
            // until it ends.
            folder.foldOnce(true);
            // Events committed meanwhile, with rows in hours that already have rollups and in new ones.
            separate.executeWithoutResult(n -> recorder.recordAll(events(org, workspaces, users, random, 300), null));
            assertThat(RollupCheck.rows(jdbc, "usage_rollup_pending", org)).isPositive();
            assertThat(folder.foldOnce(true)).isPositive();
            assertThat(RollupCheck.rows(jdbc, "usage_rollup_pending", org)).isZero();
            s.setRollbackOnly();
        });

        // The fold's deletions and additions went back together: every event is counted once, whether
        // the folder has come by again or not, and once more after everything is folded.
        assertThat(mismatchesNow(org)).isZero();
        assertThat(mismatches(org)).isZero();
        assertThat(RollupCheck.rows(jdbc, "usage_events", org)).isEqualTo(500);
    }

    /** {@code n} events spread over six hours around a year end, in random order. */
    private static List<UsageEvent> events(
            OrgId org, String[] workspaces, @Nullable String[] users, Random random, int n) {
        List<UsageEvent> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String user = users[random.nextInt(users.length)];
            String model = random.nextBoolean() ? "m/a" : "m/b";
            out.add(new UsageEvent(
                    UsageEvent.newId(),
                    org,
                    new WorkspaceId(workspaces[random.nextInt(workspaces.length)]),
                    user == null ? null : new UserId(user),
                    null,
                    model,
                    "demo",
                    model.equals("m/a") ? "chat" : "image",
                    "chat",
                    random.nextInt(5000),
                    random.nextInt(500),
                    Credits.ofMicros(1 + random.nextInt(1_000_000)),
                    random.nextInt(3000),
                    random.nextInt(10) == 0 ? "error" : "ok",
                    null,
                    null,
                    "gateway",
                    START.plusSeconds(random.nextInt(6 * 3600))));
        }
        return out;
    }

    /**
     * Rollup rows that differ from their events' sums, first as they are (some deltas may be
     * pending), then with everything folded; one more when there are no events at all.
     */
    private long mismatches(OrgId org) {
        long before = mismatchesNow(org);
        folder.foldAll();
        assertThat(RollupCheck.rows(jdbc, "usage_rollup_pending", org)).isZero();
        return before + mismatchesNow(org);
    }

    private long mismatchesNow(OrgId org) {
        long events = RollupCheck.rows(jdbc, "usage_events", org);
        return RollupCheck.mismatches(jdbc, org) + (events == 0 ? 1 : 0);
    }
}
