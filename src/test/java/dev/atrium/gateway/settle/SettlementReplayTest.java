package dev.atrium.gateway.settle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.CreditLeases;
import dev.atrium.ledger.LeaseCharge;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.usage.UsageEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.util.FileSystemUtils;

/**
 * What the journal holds when the node starts (settlements a killed process answered but did not
 * commit) is applied before the node takes calls, each exactly once: one already committed is
 * recognised by its reservation id and skipped.
 */
@IntegrationTest
@TestPropertySource(
        properties = {"atrium.gateway.journal-dir=target/test-journals/replay", "atrium.providers.demo.token-delay=PT0S"
        })
class SettlementReplayTest {
    private static final Path DIR = Path.of("target/test-journals/replay");

    static {
        FileSystemUtils.deleteRecursively(DIR.toFile());
    }

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    SettlementWriter writer;

    @Autowired
    SettlementCodec codec;

    @Autowired
    CreditLeases leases;

    private long count(String sql, String org) {
        return jdbc.sql(sql).param("org", org).query(Long.class).single();
    }

    private Settlement settlement(String org, String ws, String lease, String reservation, long micros) {
        return settlement(org, ws, lease, reservation, micros, "ok");
    }

    /** A leased stream's progress record: what it would be charged (status partial), of at most {@code admitted}. */
    private StreamProgress progress(
            String org, String ws, String lease, String reservation, long micros, long admitted) {
        Settlement s = settlement(org, ws, lease, reservation, micros, "partial");
        return new StreamProgress(s.charge(), s.event(), admitted);
    }

    private Settlement settlement(String org, String ws, String lease, String reservation, long micros, String status) {
        return new Settlement(
                new LeaseCharge(
                        new OrgId(org),
                        new WorkspaceId(ws),
                        null,
                        Category.CHAT,
                        lease,
                        reservation,
                        micros,
                        Actor.SYSTEM),
                new UsageEvent(
                        UsageEvent.newId(),
                        new OrgId(org),
                        new WorkspaceId(ws),
                        null,
                        null,
                        "demo/chat",
                        "demo",
                        "chat",
                        "chat",
                        10,
                        20,
                        Credits.ofMicros(micros),
                        5,
                        status,
                        reservation,
                        "req-" + reservation,
                        "gateway",
                        Instant.now()),
                null);
    }

    private long chargesOf(String org, String reservation) {
        return jdbc.sql("SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE org_id = :org"
                        + " AND kind = 'capture' AND hold_id = :id")
                .param("org", org)
                .param("id", reservation)
                .query(Long.class)
                .single();
    }

    private long capturesOf(String org, String reservation) {
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'"
                        + " AND hold_id = :id")
                .param("org", org)
                .param("id", reservation)
                .query(Long.class)
                .single();
    }

    private List<String> eventsOf(String org, String reservation) {
        return jdbc.sql("SELECT status || ' ' || credits FROM usage_events WHERE org_id = :org AND hold_id = :id")
                .param("org", org)
                .param("id", reservation)
                .query(String.class)
                .list();
    }

    /** Runs plain calls on the primary workspace until it has a lease: returns that lease's id. */
    private String busyLease(Fixtures.Tenant t) {
        Api key = fixtures.api().as(fixtures.workspaceKey(t, t.primaryWorkspaceId()));
        for (int i = 0; i < 8; i++) {
            var r = key.post(
                    "/v1/chat/completions",
                    Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi " + i))));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(2))
                .until(() ->
                        count("SELECT count(*) FROM credit_leases WHERE org_id = :org AND status = 'open'", t.orgId())
                                == 1);
        assertThat(writer.awaitCommitted(Duration.ofSeconds(10))).isTrue();
        return jdbc.sql("SELECT id FROM credit_leases WHERE org_id = :org AND status = 'open'")
                .param("org", t.orgId())
                .query(String.class)
                .single();
    }

    @Test
    void anUnfinishedStreamIsChargedItsLastProgressAtStartOnceAndAFinishedOneIsNotChargedTwice() throws Exception {
        var t = fixtures.tenant("Replay Streams");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String org = t.orgId();
        String ws = t.primaryWorkspaceId();
        String lease = busyLease(t);
        String committed = jdbc.sql("SELECT hold_id FROM usage_events WHERE org_id = :org ORDER BY occurred_at LIMIT 1")
                .param("org", org)
                .query(String.class)
                .single();
        long events = count("SELECT count(*) FROM usage_events WHERE org_id = :org", org);
        long captured = count(
                "SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'", org);

        // As a node killed while relaying left its journal.
        writer.stop();
        try (Journal journal = Journal.open(DIR, Journal.Options.defaults())) {
            // cut mid-stream: its last progress counts
            journal.append(codec.write(progress(org, ws, lease, "rsv_cut", 1_000, 10_000)));
            journal.append(codec.write(progress(org, ws, lease, "rsv_cut", 3_000, 10_000)));
            // finished: its own settlement counts, not its progress
            journal.append(codec.write(progress(org, ws, lease, "rsv_finished", 2_000, 10_000)));
            journal.append(codec.write(settlement(org, ws, lease, "rsv_finished", 5_000)));
            // finished and committed before the kill
            journal.append(codec.write(progress(org, ws, lease, committed, 9_000, 10_000)));
            // never more than the stream was admitted for
            journal.append(codec.write(progress(org, ws, lease, "rsv_capped", 9_000, 4_000)));
        }
        long committedCharge = chargesOf(org, committed);
        writer.start();

        assertThat(eventsOf(org, "rsv_cut")).containsExactly("partial 3000");
        assertThat(eventsOf(org, "rsv_finished")).containsExactly("ok 5000");
        assertThat(eventsOf(org, "rsv_capped")).containsExactly("partial 4000");
        for (String r : List.of("rsv_cut", "rsv_finished", "rsv_capped"))
            assertThat(capturesOf(org, r)).as(r).isEqualTo(1);
        assertThat(chargesOf(org, committed)).isEqualTo(committedCharge);
        assertThat(count("SELECT count(*) FROM usage_events WHERE org_id = :org", org))
                .isEqualTo(events + 3);
        assertThat(count(
                        "SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'",
                        org))
                .isEqualTo(captured + 3_000 + 5_000 + 4_000);
        assertThat(count("SELECT captured FROM credit_leases WHERE org_id = :org AND id = '" + lease + "'", org))
                .isGreaterThanOrEqualTo(3_000 + 5_000 + 4_000);

        // Once more: nothing is left to replay.
        writer.stop();
        writer.start();
        assertThat(count("SELECT count(*) FROM usage_events WHERE org_id = :org", org))
                .isEqualTo(events + 3);
        assertThat(capturesOf(org, "rsv_cut")).isEqualTo(1);
        leases.returnAll(Duration.ofSeconds(5));
        var invariant = owner.get(t.path() + "/credits/invariant");
        assertThat(invariant.json().path("holds").asBoolean())
                .as(invariant.toString())
                .isTrue();
        assertThat(invariant.json().path("leased").asString()).isEqualTo("0");
    }

    @Test
    void aRelayingStreamsProgressIsKeptPastTheCheckpointsOfLaterSettlements() throws Exception {
        var t = fixtures.tenant("Replay Relaying");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String org = t.orgId();
        String lease = busyLease(t);

        // A stream relays: its progress is journaled; then calls settle and are committed after it.
        writer.progress(progress(org, t.primaryWorkspaceId(), lease, "rsv_relaying", 1_500, 10_000));
        writer.progress(progress(org, t.primaryWorkspaceId(), lease, "rsv_relaying", 2_500, 10_000));
        Api key = fixtures.api().as(fixtures.workspaceKey(t, t.primaryWorkspaceId()));
        for (int i = 0; i < 5; i++) {
            var r = key.post(
                    "/v1/chat/completions",
                    Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "later " + i))));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
        assertThat(writer.awaitCommitted(Duration.ofSeconds(10))).isTrue();
        assertThat(eventsOf(org, "rsv_relaying")).isEmpty();

        // The node stops with the stream unfinished (as a kill would leave it): the next start charges it.
        writer.stop();
        writer.start();
        assertThat(eventsOf(org, "rsv_relaying")).containsExactly("partial 2500");
        assertThat(capturesOf(org, "rsv_relaying")).isEqualTo(1);
        leases.returnAll(Duration.ofSeconds(5));
        var invariant = owner.get(t.path() + "/credits/invariant");
        assertThat(invariant.json().path("holds").asBoolean())
                .as(invariant.toString())
                .isTrue();
    }

    @Test
    void journaledSettlementsAreAppliedAtStartEachOnce() throws Exception {
        var t = fixtures.tenant("Replay Start");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        Api key = fixtures.api().as(fixtures.workspaceKey(t, t.primaryWorkspaceId()));
        for (int i = 0; i < 8; i++) {
            var r = key.post(
                    "/v1/chat/completions",
                    Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi " + i))));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
        String org = t.orgId();
        await().atMost(Duration.ofSeconds(2))
                .until(() ->
                        count("SELECT count(*) FROM credit_leases WHERE org_id = :org AND status = 'open'", org) == 1);
        // What was answered is counted once the writer committed it.
        assertThat(writer.awaitCommitted(Duration.ofSeconds(10))).isTrue();
        String lease = jdbc.sql("SELECT id FROM credit_leases WHERE org_id = :org AND status = 'open'")
                .param("org", org)
                .query(String.class)
                .single();
        // What the calls above submitted is committed before the counts are taken (the answers did not wait for it).
        assertThat(writer.awaitCommitted(Duration.ofSeconds(10))).isTrue();
        String committed = jdbc.sql("SELECT hold_id FROM usage_events WHERE org_id = :org ORDER BY occurred_at LIMIT 1")
                .param("org", org)
                .query(String.class)
                .single();
        long events = count("SELECT count(*) FROM usage_events WHERE org_id = :org", org);
        long captured = count(
                "SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'", org);

        // The node stops as a killed one would have left its journal: three settlements not committed,
        // and one already committed (the same reservation as a stored event).
        writer.stop();
        try (Journal journal = Journal.open(DIR, Journal.Options.defaults())) {
            for (int i = 0; i < 3; i++) {
                journal.append(codec.write(settlement(org, t.primaryWorkspaceId(), lease, "rsv_replayed" + i, 1_000)));
            }
            journal.append(codec.write(settlement(org, t.primaryWorkspaceId(), lease, committed, 5_000)));
        }
        writer.start();

        assertThat(count("SELECT count(*) FROM usage_events WHERE org_id = :org", org))
                .isEqualTo(events + 3);
        assertThat(count(
                        "SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'",
                        org))
                .isEqualTo(captured + 3_000);
        assertThat(writer.pending()).isZero();

        // Once more: nothing is left to replay.
        writer.stop();
        writer.start();
        assertThat(count("SELECT count(*) FROM usage_events WHERE org_id = :org", org))
                .isEqualTo(events + 3);
        leases.returnAll(Duration.ofSeconds(5));
        var invariant = owner.get(t.path() + "/credits/invariant");
        assertThat(invariant.json().path("holds").asBoolean())
                .as(invariant.toString())
                .isTrue();
        assertThat(invariant.json().path("leased").asString()).isEqualTo("0");
    }
}
