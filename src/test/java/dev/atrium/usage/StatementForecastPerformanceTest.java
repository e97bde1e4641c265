package dev.atrium.usage;

import static dev.atrium.usage.UsageTestSupport.ingest;
import static dev.atrium.usage.UsageTestSupport.statuses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Period;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/** Client-billing statements with and without markup, forecasts on a synthetic burn, performance figures. */
@IntegrationTest
class StatementForecastPerformanceTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    UsageRecorder recorder;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    JdbcClient jdbc;

    private static Map<String, Object> event(
            String id, String ws, String model, String category, String credits, Instant at) {
        Map<String, Object> m = new HashMap<>();
        m.put("id", id);
        m.put("workspace_id", ws);
        m.put("model", model);
        m.put("category", category);
        m.put("credits", credits);
        m.put("input_units", 10);
        m.put("output_units", 1);
        m.put("occurred_at", at.toString());
        return m;
    }

    @Test
    void aStatementListsModelsAndCategoriesAtCostOrWithTheMarkupRoundedUpPerLine() {
        var t = fixtures.tenant("Agency");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        String client = fixtures.workspace(t, "Client <A&B>");
        Instant in = Instant.parse("2025-07-10T09:30:00Z");
        assertThat(statuses(ingest(
                        owner,
                        t,
                        List.of(
                                event("s1", client, "ext/a", "chat", "1.000001", in),
                                event("s2", client, "ext/a", "chat", "1.000001", in.plusSeconds(3600)),
                                event("s3", client, "ext/a", "chat", "1.000001", Instant.parse("2025-07-31T23:59:59Z")),
                                event("s4", client, "ext/b", "image", "2.5", in),
                                event("s5", client, "ext/a", "chat", "7", Instant.parse("2025-08-01T00:00:00Z")),
                                event("s6", t.primaryWorkspaceId(), "ext/a", "chat", "9", in)))))
                .containsOnly("created");
        String path = t.path() + "/usage/statement?workspace_id=" + client
                + "&start=2025-07-01T00:00:00Z&end=2025-08-01T00:00:00Z";

        JsonNode atCost = owner.get(path + "&markup=false").json();
        assertThat(atCost.path("markup_percent").asString()).isEqualTo("0");
        assertThat(atCost.path("lines")).hasSize(2);
        assertThat(atCost.path("lines").get(0).path("model").asString()).isEqualTo("ext/a");
        assertThat(atCost.path("lines").get(0).path("count").asLong()).isEqualTo(3);
        assertThat(atCost.path("lines").get(0).path("input_units").asLong()).isEqualTo(30);
        assertThat(atCost.path("lines").get(0).path("billed_credits").asString())
                .isEqualTo("3.000003");
        assertThat(atCost.path("cost_credits").asString()).isEqualTo("5.500003");
        assertThat(atCost.path("billed_credits").asString()).isEqualTo("5.500003");

        assertThat(owner.put(t.path() + "/pricing/markup", Map.of("markup_percent", "12.5"))
                        .status())
                .isEqualTo(200);
        JsonNode marked = owner.get(path).json();
        assertThat(marked.path("markup_percent").asString()).isEqualTo("12.5");
        // 3.000003 * 1.125 = 3.375003375, rounded up to the micro-credit; 2.5 * 1.125 = 2.8125.
        assertThat(marked.path("lines").get(0).path("billed_credits").asString())
                .isEqualTo("3.375004");
        assertThat(marked.path("lines").get(1).path("billed_credits").asString())
                .isEqualTo("2.8125");
        assertThat(marked.path("cost_credits").asString()).isEqualTo("5.500003");
        assertThat(marked.path("billed_credits").asString()).isEqualTo("6.187504");

        var csv = owner.get(path + "&format=csv");
        assertThat(csv.header("Content-Type")).startsWith("text/csv");
        assertThat(csv.body().lines().toList())
                .containsExactly(
                        "model,category,count,input_units,output_units,cost_credits,billed_credits",
                        "ext/a,chat,3,30,3,3.000003,3.375004",
                        "ext/b,image,1,10,1,2.5,2.8125",
                        "total,,4,,,5.500003,6.187504");
        var html = owner.get(path + "&format=html");
        assertThat(html.header("Content-Type")).startsWith("text/html");
        assertThat(html.body())
                .contains("Client &lt;A&amp;B&gt;", "6.187504", "12.5% markup")
                .doesNotContain("<A&B>");

        var member = fixtures.addMember(t, "member", client);
        assertThat(owner.as(member.token()).get(path).status()).isEqualTo(403);
        assertThat(owner.get(path.replace(client, "ws_00000000000000000000000000"))
                        .status())
                .isEqualTo(404);
    }

    @Test
    void theForecastProjectsExhaustionFromTheSevenDayBurnOfThePoolAndOfEachBudget() {
        var t = fixtures.tenant("Burner");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        String budget = fixtures.workspace(t, "Budgeted");
        assertThat(owner.put(t.ws(budget) + "/funding", Map.of("mode", "budget"))
                        .status())
                .isEqualTo(200);
        assertThat(owner.post(t.path() + "/credits/allocations", Map.of("workspace_id", budget, "amount", "50"))
                        .status())
                .isEqualTo(201);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        List<Map<String, Object>> events = new ArrayList<>();
        for (int day = 0; day < 7; day++) {
            Instant at = hour.minus(Duration.ofHours(24L * day + 12));
            events.add(event("p" + day, t.primaryWorkspaceId(), "ext/a", "chat", "10", at));
            if (day < 3) events.add(event("b" + day, budget, "ext/a", "chat", "7", at));
        }
        // Older than 7 days: counts in the 30-day rate only.
        events.add(event("old", t.primaryWorkspaceId(), "ext/a", "chat", "20", hour.minus(Duration.ofDays(20))));
        assertThat(statuses(ingest(owner, t, events))).containsOnly("created");

        var r = owner.get(t.path() + "/forecast");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode f = r.json();
        Instant asOf = Instant.parse(f.path("as_of").asString());
        JsonNode pool = f.path("pool");
        assertThat(pool.path("burn_rate_per_day").asString()).isEqualTo("10");
        assertThat(pool.path("burn_rate_per_day_30d").asString()).isEqualTo("3");
        assertThat(pool.path("available").asString()).isEqualTo("860"); // 1000 - 50 - 70 - 20
        assertNear(pool.path("projected_exhaustion_at"), asOf.plus(Duration.ofDays(86)));
        JsonNode ws = null;
        for (JsonNode w : f.path("workspaces"))
            if (w.path("workspace_id").asString().equals(budget)) ws = w;
        assertThat(ws).isNotNull();
        assertThat(ws.path("mode").asString()).isEqualTo("budget");
        assertThat(ws.path("forecast").path("available").asString()).isEqualTo("29");
        assertThat(ws.path("forecast").path("burn_rate_per_day").asString()).isEqualTo("3");
        assertNear(ws.path("forecast").path("projected_exhaustion_at"), asOf.plus(Duration.ofHours(232)));
        assertThat(owner.as(fixtures.addMember(t, "member", null).token())
                        .get(t.path() + "/forecast")
                        .status())
                .isEqualTo(403);
    }

    @Test
    void aSpendLimitCapsTheProjectedBurnOfAPoolWorkspace() {
        var t = fixtures.tenant("Capped");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        List<Map<String, Object>> events = new ArrayList<>();
        for (int day = 0; day < 7; day++) {
            Instant at = hour.minus(Duration.ofHours(24L * day + 12));
            events.add(event("p" + day, t.primaryWorkspaceId(), "ext/a", "chat", "20", at));
        }
        assertThat(statuses(ingest(owner, t, events))).containsOnly("created");
        var before = owner.get(t.path() + "/forecast").json();
        // 860 left at 20 a day: 43 days.
        Instant asOf = Instant.parse(before.path("as_of").asString());
        assertNear(before.path("pool").path("projected_exhaustion_at"), asOf.plus(Duration.ofDays(43)));

        // At most 5 a day from now on; today's 140 (all captured today) already exceed it.
        assertThat(owner.put(
                                t.ws(t.primaryWorkspaceId()) + "/funding",
                                Map.of("mode", "pool", "spend_limit", Map.of("amount", "5", "period", "day")))
                        .status())
                .isEqualTo(200);
        JsonNode f = owner.get(t.path() + "/forecast").json();
        asOf = Instant.parse(f.path("as_of").asString());
        JsonNode pool = f.path("pool");
        assertThat(pool.path("burn_rate_per_day").asString()).isEqualTo("20"); // the demand, uncapped
        // The pool pays 5 a day from the next UTC midnight: 860 / 5 = 172 days.
        assertNear(pool.path("projected_exhaustion_at"), Period.DAY.next(asOf).plus(Duration.ofDays(172)));
        assertThat(pool.path("exhausted_by").asString()).isEqualTo("pool");
        JsonNode ws = f.path("workspaces").get(0);
        assertThat(ws.path("forecast").path("available").asString()).isEqualTo("0");
        assertNear(ws.path("forecast").path("projected_exhaustion_at"), asOf);
        assertThat(ws.path("forecast").path("exhausted_by").asString()).isEqualTo("spend_limit");
    }

    private static void assertNear(JsonNode at, Instant expected) {
        assertThat(at.isString()).as(at.toString()).isTrue();
        assertThat(Duration.between(expected, Instant.parse(at.asString())).abs())
                .isLessThanOrEqualTo(Duration.ofHours(2));
    }

    @Test
    void performanceGivesCountErrorRateAndLatencyPercentilesPerModel() {
        var t = fixtures.tenant("Latency Co");
        var tx = new TransactionTemplate(transactions);
        Instant at = Instant.parse("2025-09-01T10:00:00Z");
        tx.executeWithoutResult(s -> {
            for (int i = 1; i <= 100; i++) {
                recorder.record(new UsageEvent(
                        UsageEvent.newId(),
                        new OrgId(t.orgId()),
                        new WorkspaceId(t.primaryWorkspaceId()),
                        null,
                        null,
                        i % 2 == 0 ? "m/even" : "m/odd",
                        "demo",
                        "chat",
                        "chat",
                        1,
                        1,
                        Credits.ofMicros(1),
                        i,
                        i % 10 == 0 ? "error" : "ok",
                        null,
                        null,
                        "gateway",
                        at.plusSeconds(i)));
            }
        });
        // Events are immutable; a deletion (none happens today) would take its figures out of the rollups.
        assertThatThrownBy(() -> jdbc.sql("UPDATE usage_events SET credits = 0 WHERE org_id = :org")
                        .param("org", t.orgId())
                        .update())
                .hasMessageContaining("immutable");
        var r = fixtures.api()
                .as(t.owner().token())
                .get(t.path() + "/usage/performance?start=2025-09-01T00:00:00Z&end=2025-09-02T00:00:00Z");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode even = r.json().path("data").get(0);
        assertThat(even.path("model").asString()).isEqualTo("m/even");
        assertThat(even.path("count").asLong()).isEqualTo(50);
        assertThat(even.path("error_rate").asDouble()).isEqualTo(0.2);
        assertThat(even.path("latency_ms_p50").asLong()).isEqualTo(50);
        assertThat(even.path("latency_ms_p95").asLong()).isEqualTo(96);
        var byWs = fixtures.api()
                .as(t.owner().token())
                .get(t.path()
                        + "/usage/performance?group_by=workspace&start=2025-09-01T00:00:00Z&end=2025-09-02T00:00:00Z");
        JsonNode all = byWs.json().path("data").get(0);
        assertThat(all.path("workspace_id").asString()).isEqualTo(t.primaryWorkspaceId());
        assertThat(all.path("count").asLong()).isEqualTo(100);
        assertThat(all.path("error_rate").asDouble()).isEqualTo(0.1);
        assertThat(all.path("latency_ms_p50").asLong()).isEqualTo(50);
        assertThat(all.path("latency_ms_p95").asLong()).isEqualTo(95);

        jdbc.sql("DELETE FROM usage_events WHERE org_id = :org AND model = 'm/odd'")
                .param("org", t.orgId())
                .update();
        var left = fixtures.api()
                .as(t.owner().token())
                .get(t.path()
                        + "/usage?bucket=month&group_by=model&start=2025-09-01T00:00:00Z&end=2025-10-01T00:00:00Z");
        assertThat(left.json().path("data")).hasSize(1);
        assertThat(left.json().path("data").get(0).path("model").asString()).isEqualTo("m/even");
        assertThat(left.json().path("data").get(0).path("count").asLong()).isEqualTo(50);
    }
}
