package dev.atrium.ledger;

import static dev.atrium.ledger.LedgerTestSupport.concurrently;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** IDEMPOTENT: one key, many concurrent requests, one effect; another body with the key is refused. */
@IntegrationTest
class IdempotencyTest {
    @Autowired
    Fixtures fixtures;

    private static int entries(Api api, Fixtures.Tenant t) {
        return api.get(t.path() + "/credits/entries?limit=1000")
                .json()
                .path("data")
                .size();
    }

    @Test
    void tenConcurrentGrantsWithOneKeyGrantOnceAndReplayTheSameResponse() throws Exception {
        var t = fixtures.tenant("Idem Grants");
        Api api = fixtures.api().as(t.owner().token()).withHeader("Idempotency-Key", "grant-once");
        List<Callable<Api.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++)
            calls.add(() -> api.post(t.path() + "/credits/grants", Map.of("amount", "250", "kind", "purchase")));
        List<Api.Response> responses = concurrently(10, calls);
        assertThat(responses)
                .allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(201));
        assertThat(responses.stream().map(r -> r.text("id")).distinct()).hasSize(1);
        assertThat(responses.stream()
                        .filter(r -> "true".equals(r.header("Idempotent-Replayed")))
                        .count())
                .isEqualTo(9);
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.get(t.path() + "/credits").json().path("granted_total").asString())
                .isEqualTo("250");

        int before = entries(owner, t);
        var other = api.post(t.path() + "/credits/grants", Map.of("amount", "999", "kind", "purchase"));
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.text("code")).isEqualTo("idempotency_conflict");
        assertThat(entries(owner, t)).isEqualTo(before);
        assertThat(owner.get(t.path() + "/credits").json().path("granted_total").asString())
                .isEqualTo("250");
    }

    @Test
    void holdsAllocationsAndCapturesAreIdempotentToo() throws Exception {
        var t = fixtures.tenant("Idem Holds");
        Api owner = fixtures.api().as(t.owner().token());
        String ws = fixtures.workspace(t, "Budgeted");
        owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"));
        assertThat(owner.put(t.ws(ws) + "/funding", Map.of("mode", "budget")).status())
                .isEqualTo(200);

        Api keyed = owner.withHeader("Idempotency-Key", "alloc-1");
        List<Callable<Api.Response>> allocations = new ArrayList<>();
        for (int i = 0; i < 10; i++)
            allocations.add(
                    () -> keyed.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "100")));
        assertThat(concurrently(10, allocations))
                .allSatisfy(r -> assertThat(r.status()).isEqualTo(201));

        Api holdKey = owner.withHeader("Idempotency-Key", "hold-1");
        List<Callable<Api.Response>> holds = new ArrayList<>();
        for (int i = 0; i < 10; i++)
            holds.add(() -> holdKey.post(t.ws(ws) + "/holds", Map.of("amount", "40", "category", "chat")));
        List<Api.Response> held = concurrently(10, holds);
        assertThat(held.stream().map(r -> r.text("id")).distinct()).hasSize(1);
        String holdId = held.getFirst().text("id");

        Api captureKey = owner.withHeader("Idempotency-Key", "capture-1");
        List<Callable<Api.Response>> captures = new ArrayList<>();
        for (int i = 0; i < 10; i++)
            captures.add(() -> captureKey.post(t.ws(ws) + "/holds/" + holdId + "/capture", Map.of("amount", "15")));
        assertThat(concurrently(10, captures))
                .allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(200));

        var overview = owner.get(t.path() + "/credits").json();
        assertThat(overview.path("pool").path("available").asString()).isEqualTo("900");
        assertThat(overview.path("spent_total").asString()).isEqualTo("15");
        var budget = overview.path("workspaces")
                .valueStream()
                .filter(w -> w.path("workspace_id").asString().equals(ws))
                .findFirst()
                .orElseThrow();
        assertThat(budget.path("available").asString()).isEqualTo("85");
        assertThat(owner.get(t.path() + "/credits/invariant")
                        .json()
                        .path("holds")
                        .asBoolean())
                .isTrue();
    }
}
