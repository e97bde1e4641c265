package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.atrium.common.Credits;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.gateway.settle.Settlement;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.LeaseCharge;
import dev.atrium.support.Api;
import dev.atrium.usage.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Calls on a busy funding path are admitted from the node's credit lease, in memory, and settled
 * by the settlement writer: each is charged exactly once, the books balance at every moment (the
 * lease's unused credits count as held), refusals stay exact, and admin changes get the leased
 * credits back.
 */
class GatewayLeaseTest extends UpstreamGatewayTest {
    private static final long MAX_TOKENS = 100;

    private static ChatCompletionCreateParams call(String tag, int n) {
        return ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini")
                .addUserMessage(String.format("Lease call %03d %s", n, tag))
                .maxCompletionTokens(MAX_TOKENS)
                .build();
    }

    /** The upstream reports more input than the gateway estimated and all the output asked for: each call costs its whole hold. */
    private static void chargesTheWholeHold(String tag) {
        OPENAI.script(tag, Wire.openAiChat("Leased.", new Wire.Usage(1_000_000, MAX_TOKENS)));
    }

    private List<Map<String, Object>> leases(String org) {
        return jdbc.sql("SELECT status, amount, captured, returned FROM credit_leases WHERE org_id = :org")
                .param("org", org)
                .query((rs, n) -> Map.<String, Object>of(
                        "status", rs.getString(1),
                        "amount", rs.getLong(2),
                        "captured", rs.getLong(3),
                        "returned", rs.getLong(4)))
                .list();
    }

    private long openLeases(String org) {
        return leases(org).stream().filter(l -> l.get("status").equals("open")).count();
    }

    @Test
    void aBusyPathIsAdmittedFromALeaseAndEachCallIsChargedOnce() {
        Funded f = funded("Leasing Co", "1000");
        String tag = tag();
        for (int i = 0; i < 30; i++) {
            f.client().chat().completions().create(call(tag, i));
        }
        List<Event> events = events(f.org());
        assertThat(events).hasSize(30);
        assertThat(events).extracting(Event::holdId).doesNotHaveDuplicates();
        long usage = events.stream().mapToLong(Event::credits).sum();
        assertThat(captured(f.org())).isEqualTo(usage);
        // The first calls took exact holds; once the path was busy, calls came from the lease.
        long held = holds(f.org()).values().stream().mapToLong(Long::longValue).sum();
        assertThat(leaseCaptures(f.org())).isGreaterThanOrEqualTo(20).isEqualTo(30 - held);
        assertThat(openLeases(f.org())).isEqualTo(1);
        // The books balance with the lease open: its unused credits are held, reserved by the node.
        var invariant = invariant(f.tenant());
        assertThat(invariant.path("holds").asBoolean()).as(invariant.toString()).isTrue();
        assertThat(Credits.parse(invariant.path("leased").asString()).micros()).isPositive();
        var credits =
                fixtures.api().as(f.tenant().owner().token()).get(f.tenant().path() + "/credits");
        assertThat(Credits.parse(credits.json().path("pool").path("held").asString()))
                .isEqualTo(Credits.parse(invariant.path("leased").asString()));

        // Returned (as at shutdown), every credit not spent is available again.
        assertThat(creditLeases.returnAll(Duration.ofSeconds(5))).isPositive();
        assertThat(openLeases(f.org())).isZero();
        assertSettled(f.tenant());
        assertThat(invariant(f.tenant()).path("leased").asString()).isEqualTo("0");
        credits = fixtures.api().as(f.tenant().owner().token()).get(f.tenant().path() + "/credits");
        assertThat(Credits.parse(credits.json().path("pool").path("available").asString()))
                .isEqualTo(Credits.ofMicros(1000_000_000L - usage));
    }

    @Test
    void aBudgetThatPaysForExactlyFortyCallsAnswersExactlyFortyOfAHundredAndTwenty() throws Exception {
        // What one call costs (its whole hold), measured on a workspace of its own.
        Funded probe = funded("Lease Probe", "100");
        String probeTag = tag();
        chargesTheWholeHold(probeTag);
        probe.client().chat().completions().create(call(probeTag, 0));
        long cost = events(probe.org()).getFirst().credits();
        assertThat(cost).isPositive();

        Funded f = funded("Exact Budget Co", "1000");
        Api owner = fixtures.api().as(f.tenant().owner().token());
        String ws = fixtures.workspace(f.tenant(), "Forty");
        assertThat(owner.put(f.tenant().ws(ws) + "/funding", Map.of("mode", "budget"))
                        .status())
                .isEqualTo(200);
        var allocation = owner.post(
                f.tenant().path() + "/credits/allocations",
                Map.of("workspace_id", ws, "amount", Credits.ofMicros(40 * cost).toDecimal()));
        assertThat(allocation.status()).as(allocation.toString()).isEqualTo(201);
        var client = sdk(fixtures.workspaceKey(f.tenant(), ws));
        String tag = tag();
        chargesTheWholeHold(tag);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(24)) {
            for (int i = 0; i < 120; i++) {
                int n = i;
                answers.add(pool.submit(() -> {
                    start.await();
                    try {
                        client.chat().completions().create(call(tag, n));
                        return 200;
                    } catch (OpenAIServiceException e) {
                        return e.statusCode();
                    }
                }));
            }
            start.countDown();
        }
        int ok = 0, refused = 0;
        for (Future<Integer> a : answers) {
            int status = a.get(60, TimeUnit.SECONDS);
            if (status == 200) ok++;
            else if (status == 402) refused++;
        }
        assertThat(ok).isEqualTo(40);
        assertThat(refused).isEqualTo(80);
        assertThat(captured(f.org())).isEqualTo(40 * cost);
        creditLeases.returnAll(Duration.ofSeconds(5));
        assertSettled(f.tenant());
    }

    @Test
    void reclaimingABudgetGetsBackWhatTheLeaseHeld() {
        Funded f = funded("Reclaim Co", "1000");
        Api owner = fixtures.api().as(f.tenant().owner().token());
        String ws = fixtures.workspace(f.tenant(), "Leased Budget");
        owner.put(f.tenant().ws(ws) + "/funding", Map.of("mode", "budget"));
        owner.post(f.tenant().path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "500"));
        var client = sdk(fixtures.workspaceKey(f.tenant(), ws));
        String tag = tag();
        for (int i = 0; i < 10; i++) client.chat().completions().create(call(tag, i));
        await().atMost(Duration.ofSeconds(2)).until(() -> openLeases(f.org()) == 1);
        long spent = captured(f.org());
        String rest = Credits.ofMicros(500_000_000L - spent).toDecimal();
        // All of what is left, leased credits included: the lease is recalled first.
        var reclaim = owner.post(f.tenant().path() + "/credits/reclaims", Map.of("workspace_id", ws, "amount", rest));
        assertThat(reclaim.status()).as(reclaim.toString()).isEqualTo(201);
        assertThat(openLeases(f.org())).isZero();
        assertSettled(f.tenant());
    }

    @Test
    void aChangeOfTheWorkspacesFundingReturnsItsLeaseWithinOneSecond() {
        Funded f = funded("Limit Co", "1000");
        String tag = tag();
        for (int i = 0; i < 10; i++) f.client().chat().completions().create(call(tag, i));
        await().atMost(Duration.ofSeconds(2)).until(() -> openLeases(f.org()) == 1);
        Api owner = fixtures.api().as(f.tenant().owner().token());
        var limit = owner.put(
                f.tenant().ws(f.ws()) + "/funding",
                Map.of("mode", "pool", "spend_limit", Map.of("amount", "900", "period", "month")));
        assertThat(limit.status()).as(limit.toString()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> openLeases(f.org()) == 0);
        assertSettled(f.tenant());
    }

    @Test
    void aSettlementAppliedTwiceIsChargedOnce() {
        Funded f = funded("Replay Co", "1000");
        String tag = tag();
        for (int i = 0; i < 10; i++) f.client().chat().completions().create(call(tag, i));
        await().atMost(Duration.ofSeconds(2)).until(() -> openLeases(f.org()) == 1);
        String lease = jdbc.sql("SELECT id FROM credit_leases WHERE org_id = :org AND status = 'open'")
                .param("org", f.org())
                .query(String.class)
                .single();
        long before = captured(f.org());
        String reservation = "rsv_" + "replayed".repeat(3);
        var settlement = new Settlement(
                new LeaseCharge(
                        new OrgId(f.org()),
                        new WorkspaceId(f.ws()),
                        null,
                        Category.CHAT,
                        lease,
                        reservation,
                        1234,
                        Actor.SYSTEM),
                new UsageEvent(
                        UsageEvent.newId(),
                        new OrgId(f.org()),
                        new WorkspaceId(f.ws()),
                        null,
                        (KeyId) null,
                        "gpt-4o-mini",
                        "openai",
                        "chat",
                        "chat",
                        1,
                        1,
                        Credits.ofMicros(1234),
                        1,
                        "ok",
                        reservation,
                        null,
                        "gateway",
                        Instant.now()),
                null);
        settlementWriter.applyNow(settlement);
        settlementWriter.applyNow(settlement);
        assertThat(captured(f.org())).isEqualTo(before + 1234);
        assertThat(events(f.org()).stream().filter(e -> e.holdId().equals(reservation)))
                .hasSize(1);
        creditLeases.returnAll(Duration.ofSeconds(5));
        assertSettled(f.tenant());
    }
}
