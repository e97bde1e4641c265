package dev.atrium.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** Raw events as tests know them, their brute-force sums, and ingestion through the API. */
final class UsageTestSupport {
    private UsageTestSupport() {}

    record Raw(
            String workspace,
            @Nullable String user,
            String model,
            String category,
            long in,
            long out,
            long micros,
            boolean error,
            long latency,
            Instant at) {

        Map<String, Object> wire(String id) {
            Map<String, Object> m = new HashMap<>();
            m.put("id", id);
            m.put("workspace_id", workspace);
            if (user != null) m.put("user_id", user);
            m.put("model", model);
            m.put("category", category);
            m.put("credits", Credits.ofMicros(micros).toDecimal());
            m.put("input_units", in);
            m.put("output_units", out);
            m.put("occurred_at", at.toString());
            return m;
        }
    }

    /** count, input, output, credits, errors, latency. */
    static long[] add(long[] sums, Raw r) {
        sums[0]++;
        sums[1] += r.in();
        sums[2] += r.out();
        sums[3] += r.micros();
        sums[4] += r.error() ? 1 : 0;
        sums[5] += r.latency();
        return sums;
    }

    static long[] sums(JsonNode row) {
        return new long[] {
            row.path("count").asLong(),
            row.path("input_units").asLong(),
            row.path("output_units").asLong(),
            Credits.parse(row.path("credits").asString()).micros(),
            row.path("error_count").asLong(),
            row.path("latency_ms_sum").asLong()
        };
    }

    /** One external usage event as the ingestion API takes it; {@code credits} may be null (priced from the catalog). */
    static Map<String, Object> event(
            String id,
            String ws,
            String model,
            String category,
            @org.jspecify.annotations.Nullable String credits,
            long inputUnits,
            long outputUnits,
            String occurredAt) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("id", id);
        m.put("workspace_id", ws);
        m.put("model", model);
        m.put("category", category);
        if (credits != null) m.put("credits", credits);
        m.put("input_units", inputUnits);
        m.put("output_units", outputUnits);
        m.put("occurred_at", occurredAt);
        return m;
    }

    static JsonNode ingest(Api api, Fixtures.Tenant t, List<Map<String, Object>> events) {
        var r = api.post(t.path() + "/usage/events", Map.of("events", events));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("results");
    }

    static List<String> statuses(JsonNode results) {
        List<String> out = new ArrayList<>();
        results.forEach(r -> out.add(r.path("status").asString()));
        return out;
    }
}
