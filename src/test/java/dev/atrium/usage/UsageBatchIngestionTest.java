package dev.atrium.usage;

import static dev.atrium.usage.UsageTestSupport.ingest;
import static dev.atrium.usage.UsageTestSupport.statuses;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.CreditReports;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A request's events are debited per (workspace, member, category, model) group in one transaction:
 * the outcome per event is still that of ingesting them one by one, whatever the ledger refuses.
 */
@IntegrationTest
class UsageBatchIngestionTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    CreditReports credits;

    @Autowired
    JdbcClient jdbc;

    private static Map<String, Object> event(String id, String ws, String model, String category, String credits) {
        return UsageTestSupport.event(id, ws, model, category, credits, 10, 1, "2025-04-30T23:30:00Z");
    }

    @Test
    void aGroupThePoolCannotCoverIsRetriedEventByEventAndTheOthersStand() {
        var t = fixtures.tenant("Short Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "10"))
                        .status())
                .isEqualTo(201);
        String ws = t.primaryWorkspaceId();
        List<Map<String, Object>> batch = List.of(
                event("c-1", ws, "ext/chat", "chat", "2"),
                event("i-1", ws, "ext/img", "image", "3"),
                event("c-2", ws, "ext/chat", "chat", "2"),
                event("i-2", ws, "ext/img", "image", "3"),
                event("c-3", ws, "ext/chat", "chat", "2"));
        // chat: one hold of 6 (fits); image: one hold of 6 (4 left: refused), then 3 (fits) and 3 (not).
        JsonNode r = ingest(owner, t, batch);
        assertThat(statuses(r)).containsExactly("created", "created", "created", "error", "created");
        assertThat(r.get(3).path("error").path("code").asString()).isEqualTo("insufficient_credits");
        OrgId org = new OrgId(t.orgId());
        assertThat(credits.overview(org).spentTotal()).isEqualTo(Credits.parse("9"));
        assertThat(credits.overview(org).pool().available()).isEqualTo(Credits.parse("1"));
        assertThat(credits.invariant(org).holds()).isTrue();
        assertThat(eventCredits(t.orgId())).isEqualTo(9_000_000L);
        // The chat group's capture is linked from its first event; each event has at most one hold.
        assertThat(jdbc.sql("SELECT count(DISTINCT hold_id) FROM usage_events WHERE org_id = :org")
                        .param("org", t.orgId())
                        .query(Long.class)
                        .single())
                .isEqualTo(2L);
        assertThat(statuses(ingest(owner, t, batch)))
                .containsExactly("duplicate", "duplicate", "duplicate", "error", "duplicate");
    }

    @Test
    void aWorkspaceSpendLimitAdmitsExactlyWhatOneByOneWouldAdmit() {
        var t = fixtures.tenant("Limited Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        String ws = t.primaryWorkspaceId();
        assertThat(owner.put(
                                t.ws(ws) + "/funding",
                                Map.of("mode", "pool", "spend_limit", Map.of("amount", "5", "period", "day")))
                        .status())
                .isEqualTo(200);
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) batch.add(event("e-" + i, ws, "ext/chat", "chat", "1"));
        JsonNode r = ingest(owner, t, batch);
        assertThat(statuses(r))
                .containsExactly("created", "created", "created", "created", "created", "error", "error", "error");
        assertThat(credits.overview(new OrgId(t.orgId())).spentTotal()).isEqualTo(Credits.parse("5"));
        assertThat(eventCredits(t.orgId())).isEqualTo(5_000_000L);
        var report = owner.get(t.path() + "/usage?start=2025-04-30T00:00:00Z&end=2025-05-01T00:00:00Z&bucket=none");
        assertThat(report.json().path("data").get(0).path("count").asLong()).isEqualTo(5);
    }

    @Test
    void anIdRepeatedAfterAFailedFirstIsIngestedAndOneRepeatedAfterASuccessIsADuplicate() {
        var t = fixtures.tenant("Repeat Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String ws = t.primaryWorkspaceId();
        JsonNode r = ingest(
                owner,
                t,
                List.of(
                        event("x", ws, "ext/unknown", "chat", null), // unpriceable: error
                        event("x", ws, "ext/chat", "chat", "1"), // same id, now valid: created
                        event("y", ws, "ext/chat", "chat", "1"),
                        event("y", ws, "ext/chat", "chat", "1"))); // duplicate of the one before
        assertThat(statuses(r)).containsExactly("error", "created", "created", "duplicate");
        assertThat(eventCredits(t.orgId())).isEqualTo(2_000_000L);
        assertThat(credits.overview(new OrgId(t.orgId())).spentTotal()).isEqualTo(Credits.parse("2"));
    }

    @Test
    void theStreamedJsonReportKeepsTheShapeOfTheApi() {
        var t = fixtures.tenant("Stream Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        String ws = t.primaryWorkspaceId();
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            var e = event("s-" + i, ws, "ext/m" + (i % 4), "chat", "0.01");
            e.put(
                    "occurred_at",
                    java.time.Instant.parse("2025-04-01T00:00:00Z")
                            .plusSeconds(3600L * i)
                            .toString());
            batch.add(e);
        }
        assertThat(statuses(ingest(owner, t, batch))).containsOnly("created");
        var r = owner.get(t.path()
                + "/usage?start=2025-04-01T00:00:00Z&end=2025-05-01T00:00:00Z&bucket=hour&group_by=workspace,model");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonNode body = r.json();
        assertThat(body.path("bucket").asString()).isEqualTo("hour");
        assertThat(body.path("start").asString()).isEqualTo("2025-04-01T00:00:00Z");
        assertThat(body.path("group_by").toString()).isEqualTo("[\"workspace\",\"model\"]");
        JsonNode data = body.path("data");
        assertThat(data).hasSize(400);
        JsonNode first = data.get(0);
        assertThat(first.propertyNames())
                .containsExactly(
                        "bucket_start",
                        "workspace_id",
                        "model",
                        "count",
                        "input_units",
                        "output_units",
                        "credits",
                        "error_count",
                        "latency_ms_sum");
        assertThat(first.path("credits").asString()).isEqualTo("0.01");
        assertThat(first.path("bucket_start").asString()).isEqualTo("2025-04-01T00:00:00Z");

        // Grouped by every key of the rollups at their own grain: rows are read as stored, same figures.
        var asStored = owner.get(t.path()
                + "/usage?start=2025-04-01T00:00:00Z&end=2025-05-01T00:00:00Z&bucket=hour"
                + "&group_by=workspace,model,category&format=json");
        JsonNode rows = asStored.json().path("data");
        assertThat(rows).hasSize(400);
        for (int i = 0; i < 400; i++) {
            assertThat(rows.get(i).path("bucket_start").asString())
                    .isEqualTo(data.get(i).path("bucket_start").asString());
            assertThat(rows.get(i).path("model").asString())
                    .isEqualTo(data.get(i).path("model").asString());
            assertThat(rows.get(i).path("category").asString()).isEqualTo("chat");
            assertThat(rows.get(i).path("count").asLong()).isEqualTo(1);
            assertThat(rows.get(i).path("credits").asString()).isEqualTo("0.01");
        }
    }

    private long eventCredits(String org) {
        return jdbc.sql("SELECT coalesce(sum(credits), 0)::bigint FROM usage_events WHERE org_id = :org")
                .param("org", org)
                .query(Long.class)
                .single();
    }
}
