package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.assertInvariant;
import static dev.atrium.ledger.LedgerTestSupport.concurrently;
import static dev.atrium.ledger.LedgerTestSupport.credits;
import static dev.atrium.ledger.LedgerTestSupport.org;
import static dev.atrium.ledger.LedgerTestSupport.ws;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Operations combined into one transaction still succeed or fail one by one: work a capture
 * commits with it runs exactly when the capture does, and one operation's failure leaves the
 * others of its batch intact.
 */
@IntegrationTest
class CombinedBatchTest extends LedgerTestBase {
    private static final int CAPTURES = 200;
    private static final String UNKNOWN_WORKSPACE = "ws_00000000000000000000000000";

    @Autowired
    JdbcClient jdbc;

    @Test
    void aFailingCompanionFailsOnlyItsOwnCaptureAndRollsItBack() throws Exception {
        var t = fixtures.tenant("Combined");
        OrgId org = org(t);
        WorkspaceId ws = ws(t.primaryWorkspaceId());
        admin.grant(org, credits("10000"), "purchase", null, null, Actor.SYSTEM);
        List<Hold> holds = new ArrayList<>();
        for (int i = 0; i < CAPTURES; i++) {
            holds.add(
                    ledger.hold(new HoldRequest(org, ws, null, credits("10"), Category.CHAT, "m", null, Actor.SYSTEM)));
        }
        AtomicInteger companions = new AtomicInteger();
        List<Callable<String>> tasks = new ArrayList<>();
        for (int i = 0; i < CAPTURES; i++) {
            Hold h = holds.get(i);
            boolean failing = i % 10 == 7;
            tasks.add(() -> {
                try {
                    ledger.capture(org, h.id(), credits("4"), Actor.SYSTEM, () -> {
                        if (failing) throw new IllegalStateException("companion of " + h.id() + " failed");
                        companions.incrementAndGet();
                    });
                    return "captured";
                } catch (IllegalStateException e) {
                    assertThat(e.getMessage()).contains(h.id().value());
                    return "failed";
                }
            });
        }
        List<String> outcomes = concurrently(64, tasks);

        for (int i = 0; i < CAPTURES; i++) {
            boolean failing = i % 10 == 7;
            assertThat(outcomes.get(i)).as("capture %d", i).isEqualTo(failing ? "failed" : "captured");
            String status = ledger.find(org, holds.get(i).id()).status();
            assertThat(status).as("hold %d", i).isEqualTo(failing ? "held" : "captured");
        }
        int captured = CAPTURES - CAPTURES / 10;
        // Each companion ran once per successful capture: a batch that was rolled back and re-run
        // one by one ran its companions again, so count what committed, not the calls.
        assertThat(companions.get()).isGreaterThanOrEqualTo(captured);
        var inv = reports.invariant(org);
        assertThat(inv.spent()).isEqualTo(credits(String.valueOf(4 * captured)));
        assertThat(inv.openHolds()).isEqualTo(credits(String.valueOf(10 * (CAPTURES / 10))));
        long journal = jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'")
                .param("org", org.value())
                .query(Long.class)
                .single();
        assertThat(journal).isEqualTo(captured);
        assertInvariant(reports, org);
    }

    @Test
    void companionsOfOneWriterAreWrittenTogetherAndOnlyWithTheirCaptures() throws Exception {
        var t = fixtures.tenant("Combined writer");
        OrgId org = org(t);
        WorkspaceId ws = ws(t.primaryWorkspaceId());
        admin.grant(org, credits("10000"), "purchase", null, null, Actor.SYSTEM);
        jdbc.sql(
                        "CREATE TABLE IF NOT EXISTS test_companions (org_id text NOT NULL, id text NOT NULL, PRIMARY KEY (org_id, id))")
                .update();
        List<Hold> holds = new ArrayList<>();
        for (int i = 0; i < CAPTURES; i++) {
            holds.add(
                    ledger.hold(new HoldRequest(org, ws, null, credits("10"), Category.CHAT, "m", null, Actor.SYSTEM)));
        }
        List<Integer> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        Companion.Writer<String> writer = ids -> {
            calls.add(ids.size());
            for (String id : ids) {
                if (id.startsWith("poison")) throw new IllegalStateException("cannot write " + id);
                jdbc.sql("INSERT INTO test_companions (org_id, id) VALUES (:org, :id)")
                        .param("org", org.value())
                        .param("id", id)
                        .update();
            }
        };
        List<Callable<String>> tasks = new ArrayList<>();
        for (int i = 0; i < CAPTURES; i++) {
            Hold h = holds.get(i);
            String item = (i % 25 == 3 ? "poison-" : "row-") + i;
            tasks.add(() -> {
                try {
                    ledger.capture(org, h.id(), credits("4"), Actor.SYSTEM, new Companion<>(writer, item));
                    return "captured";
                } catch (IllegalStateException e) {
                    return "failed";
                }
            });
        }
        List<String> outcomes = concurrently(64, tasks);

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < CAPTURES; i++) {
            boolean poison = i % 25 == 3;
            assertThat(outcomes.get(i)).as("capture %d", i).isEqualTo(poison ? "failed" : "captured");
            assertThat(ledger.find(org, holds.get(i).id()).status())
                    .as("hold %d", i)
                    .isEqualTo(poison ? "held" : "captured");
            if (!poison) expected.add("row-" + i);
        }
        // Exactly the companions of committed captures are stored, each once.
        assertThat(jdbc.sql("SELECT id FROM test_companions WHERE org_id = :org")
                        .param("org", org.value())
                        .query(String.class)
                        .list())
                .containsExactlyInAnyOrderElementsOf(expected);
        // Concurrent captures shared a transaction and their companions one call of the writer.
        assertThat(calls.stream().mapToInt(Integer::intValue).max().orElse(0)).isGreaterThan(1);
        assertInvariant(reports, org);
    }

    @Test
    void refusalsInABatchAreEachCallersOwn() throws Exception {
        var t = fixtures.tenant("Combined refusals");
        OrgId org = org(t);
        WorkspaceId ws = ws(t.primaryWorkspaceId());
        admin.grant(org, credits("100"), "purchase", null, null, Actor.SYSTEM);
        List<Callable<String>> tasks = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            WorkspaceId target = i % 8 == 0 ? ws(UNKNOWN_WORKSPACE) : ws;
            tasks.add(() -> {
                try {
                    ledger.hold(
                            new HoldRequest(org, target, null, credits("5"), Category.CHAT, null, null, Actor.SYSTEM));
                    return "ok";
                } catch (InsufficientCredits e) {
                    return "402";
                } catch (dev.atrium.common.ApiException e) {
                    return e.code();
                }
            });
        }
        List<String> outcomes = concurrently(64, tasks);
        for (int i = 0; i < 64; i++) {
            if (i % 8 == 0) assertThat(outcomes.get(i)).isEqualTo("not_found");
        }
        assertThat(outcomes.stream().filter("ok"::equals).count()).isEqualTo(20);
        assertThat(outcomes.stream().filter("402"::equals).count()).isEqualTo(64 - 8 - 20);
        assertInvariant(reports, org);
    }
}
