package dev.atrium.usage;

import static dev.atrium.usage.UsageTestSupport.ingest;
import static dev.atrium.usage.UsageTestSupport.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.CreditReports;
import dev.atrium.pricing.Pricing;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.usage.internal.RollupFolder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** External usage: validation per event, catalog pricing, ledger debits, idempotency, concurrency, access. */
@IntegrationTest
class UsageIngestionTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    RollupFolder folder;

    @Autowired
    Pricing pricing;

    @Autowired
    CreditReports credits;

    @Autowired
    JdbcClient jdbc;

    private static Map<String, Object> event(String id, String ws, String model, String category, String credits) {
        return UsageTestSupport.event(id, ws, model, category, credits, 1200, 300, "2025-03-01T10:15:00Z");
    }

    @Test
    void anEmbeddingModelIsPricedByItsInputTokensUnderChatWithOperationEmbedding() {
        var t = fixtures.tenant("Ingest Embeddings Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "10"))
                        .status())
                .isEqualTo(201);
        String ws = t.primaryWorkspaceId();
        JsonNode results = ingest(
                owner,
                t,
                List.of(
                        UsageTestSupport.event(
                                "emb-1",
                                ws,
                                "text-embedding-3-large",
                                "chat",
                                null,
                                250_000,
                                0,
                                "2025-03-01T10:15:00Z"),
                        UsageTestSupport.event(
                                "emb-2", ws, "text-embedding-3-large", "image", null, 10, 0, "2025-03-01T10:15:00Z")));
        assertThat(statuses(results)).containsExactly("created", "error");
        // 13 credits per 1M input tokens
        assertThat(results.get(0).path("credits").asString()).isEqualTo("3.25");
        assertThat(jdbc.sql("SELECT category || ' ' || operation || ' ' || input_units FROM usage_events"
                                + " WHERE org_id = :org")
                        .param("org", t.orgId())
                        .query(String.class)
                        .list())
                .containsExactly("chat embedding 250000");
    }

    @Test
    void eachEventIsValidatedPricedDebitedOnceAndAReplayChangesNothing() {
        var t = fixtures.tenant("Ingest Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "10"))
                        .status())
                .isEqualTo(201);
        String ws = t.primaryWorkspaceId();
        var badCategory = event("e-4", ws, "ext/x", "video", "1");
        var future = event("e-6", ws, "ext/x", "chat", "1");
        future.put("occurred_at", "2999-01-01T00:00:00Z");
        List<Map<String, Object>> batch = List.of(
                event("e-1", ws, "ext/x", "chat", "2.5"),
                event("e-1", ws, "ext/x", "chat", "2.5"),
                event("e-2", ws, "demo/chat", "chat", null),
                event("e-3", ws, "ext/unknown", "chat", null),
                badCategory,
                event("e-5", ws, "ext/x", "image", "100"),
                future,
                event("e-7", "ws_00000000000000000000000000", "ext/x", "chat", "1"));
        JsonNode results = ingest(owner, t, batch);
        assertThat(statuses(results))
                .containsExactly("created", "duplicate", "created", "error", "error", "error", "error", "error");
        assertThat(results.get(3).path("error").path("code").asString()).isEqualTo("unknown_model");
        assertThat(results.get(4).path("error").path("field").asString()).isEqualTo("category");
        assertThat(results.get(5).path("error").path("code").asString()).isEqualTo("insufficient_credits");
        assertThat(results.get(6).path("error").path("field").asString()).isEqualTo("occurred_at");
        assertThat(results.get(7).path("error").path("field").asString()).isEqualTo("workspace_id");

        OrgId org = new OrgId(t.orgId());
        var model = pricing.model(org, "demo/chat").orElseThrow();
        Credits priced = pricing.chatCost(model, 1200, 300);
        assertThat(results.get(2).path("credits").asString()).isEqualTo(priced.toDecimal());
        Credits spent = credits.overview(org).spentTotal();
        assertThat(spent).isEqualTo(Credits.parse("2.5").plus(priced));

        JsonNode replay = ingest(owner, t, batch);
        assertThat(statuses(replay)).startsWith("duplicate", "duplicate", "duplicate");
        assertThat(credits.overview(org).spentTotal()).isEqualTo(spent);
        assertThat(credits.invariant(org).holds()).isTrue();

        var summary = owner.get(t.path() + "/usage/summary?start=2025-03-01T00:00:00Z&end=2025-03-02T00:00:00Z");
        assertThat(summary.status()).as(summary.toString()).isEqualTo(200);
        JsonNode row = summary.json().path("data").get(0);
        assertThat(row.path("workspace_id").asString()).isEqualTo(ws);
        assertThat(row.path("chatbot_credits").asString()).isEqualTo(spent.toDecimal());
        assertThat(row.path("image_speech_credits").asString()).isEqualTo("0");
        assertThat(row.path("total_credits").asString()).isEqualTo(spent.toDecimal());
    }

    @Test
    void sixteenConcurrentWritersLeaveRollupsEqualToTheirEventsAndTheLedgerToTheirCredits() throws Exception {
        var t = fixtures.tenant("Busy Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100000"))
                        .status())
                .isEqualTo(201);
        String ws2 = fixtures.workspace(t, "Second");
        String[] wss = {t.primaryWorkspaceId(), ws2};
        AtomicInteger created = new AtomicInteger();
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(17);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < 16; w++) {
                int writer = w;
                writers.add(pool.submit(() -> {
                    for (int b = 0; b < 4; b++) {
                        List<Map<String, Object>> batch = new ArrayList<>();
                        for (int i = 0; i < 20; i++) {
                            // Writers w and w + 8 send the same ids: racing duplicates.
                            var e = event(
                                    "c-" + (writer % 8) + "-" + b + "-" + i,
                                    wss[i % 2],
                                    "ext/m" + (i % 3),
                                    i % 4 == 0 ? "image" : "chat",
                                    "0.00" + (1 + i % 9));
                            e.put(
                                    "occurred_at",
                                    Instant.parse("2025-05-31T22:00:00Z")
                                            .plusSeconds(600L * i + b)
                                            .toString());
                            batch.add(e);
                        }
                        JsonNode r = ingest(owner, t, batch);
                        created.addAndGet((int)
                                statuses(r).stream().filter("created"::equals).count());
                        assertThat(statuses(r)).doesNotContain("error");
                    }
                    return null;
                }));
            }
            Future<Integer> reader = pool.submit(() -> {
                int reads = 0;
                while (writing.get()) {
                    var r = owner.get(
                            t.path()
                                    + "/usage?start=2025-05-31T00:00:00Z&end=2025-06-02T00:00:00Z&bucket=hour&group_by=workspace,model");
                    assertThat(r.status()).isEqualTo(200);
                    reads++;
                }
                return reads;
            });
            for (Future<?> f : writers) f.get(120, TimeUnit.SECONDS);
            writing.set(false);
            assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
        } finally {
            pool.shutdownNow();
        }
        assertThat(created.get()).isEqualTo(8 * 4 * 20);
        // Exact while the folder works (what is pending counts with the rollups), and once all is folded.
        OrgId org = new OrgId(t.orgId());
        assertThat(RollupCheck.mismatches(jdbc, org)).isZero();
        folder.foldAll();
        assertThat(RollupCheck.rows(jdbc, "usage_rollup_pending", org)).isZero();
        assertThat(RollupCheck.mismatches(jdbc, org)).isZero();
        long eventCredits = jdbc.sql("SELECT sum(credits)::bigint FROM usage_events WHERE org_id = :org")
                .param("org", t.orgId())
                .query(Long.class)
                .single();
        assertThat(credits.overview(org).spentTotal().micros()).isEqualTo(eventCredits);
        assertThat(credits.invariant(org).holds()).isTrue();
    }

    @Test
    void membersSeeTheirWorkspacesOnlyAndParametersAreValidatedByName() {
        var t = fixtures.tenant("Scoped Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String ws2 = fixtures.workspace(t, "Team");
        var member = fixtures.addMember(t, "member", ws2);
        ingest(
                owner,
                t,
                List.of(
                        event("a", t.primaryWorkspaceId(), "ext/x", "chat", "1"),
                        event("b", ws2, "ext/x", "speech", "2")));
        String range = "?start=2025-03-01T00:00:00Z&end=2025-03-02T00:00:00Z";
        Api asMember = owner.as(member.token());

        var summary = asMember.get(t.path() + "/usage/summary" + range);
        assertThat(summary.status()).isEqualTo(200);
        assertThat(summary.json().path("data")).hasSize(1);
        assertThat(summary.json()
                        .path("data")
                        .get(0)
                        .path("image_speech_credits")
                        .asString())
                .isEqualTo("2");
        var report = asMember.get(t.path() + "/usage" + range + "&bucket=none&group_by=workspace");
        assertThat(report.json().path("data")).hasSize(1);
        assertThat(asMember.get(t.path() + "/usage" + range + "&workspace_ids=" + t.primaryWorkspaceId())
                        .status())
                .isEqualTo(404);
        assertThat(asMember.get(t.path() + "/usage/members" + range).status()).isEqualTo(403);
        assertThat(asMember.post(t.path() + "/usage/events", Map.of("events", List.of()))
                        .status())
                .isEqualTo(403);
        assertThat(owner.get(t.path() + "/usage/summary" + range).json().path("data"))
                .hasSize(2);
        var members = owner.get(t.path() + "/usage/members" + range);
        assertThat(members.json().path("data")).hasSize(1); // ingested without user_id: one "no member" row
        assertThat(members.json().path("data").get(0).path("total_credits").asString())
                .isEqualTo("3");

        var other = fixtures.tenant("Other Co");
        assertThat(owner.as(other.owner().token())
                        .get(t.path() + "/usage" + range)
                        .status())
                .isEqualTo(404);
        String key = fixtures.workspaceKey(t, ws2);
        assertThat(owner.as(key).get(t.path() + "/usage" + range).status()).isEqualTo(403);

        assertField(owner.get(t.path() + "/usage?end=2025-03-02T00:00:00Z"), "start");
        assertField(owner.get(t.path() + "/usage?start=2025-03-01T00:30:00Z&end=2025-03-02T00:00:00Z"), "start");
        assertField(owner.get(t.path() + "/usage" + range + "&bucket=week"), "bucket");
        assertField(owner.get(t.path() + "/usage" + range + "&group_by=colour"), "group_by");
        assertField(owner.get(t.path() + "/usage" + range + "&format=xml"), "format");
        assertField(owner.get(t.path() + "/usage?start=2025-03-02T00:00:00Z&end=2025-03-01T00:00:00Z"), "end");
        assertField(owner.get(t.path() + "/usage/performance" + range + "&group_by=user"), "group_by");
    }

    private static void assertField(Api.Response r, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(422);
        assertThat(r.json().path("errors").get(0).path("field").asString()).isEqualTo(field);
    }
}
