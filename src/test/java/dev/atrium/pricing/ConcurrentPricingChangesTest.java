package dev.atrium.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.OrgId;
import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Tenant;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Changes racing on one model or one markup all succeed, and the audit trail is one unbroken chain. */
@IntegrationTest
class ConcurrentPricingChangesTest {
    private static final int WRITERS = 12;

    @Autowired
    Fixtures fixtures;

    @Autowired
    Pricing pricing;

    @Test
    void racingChangesOfOneModelAreSerializedAndEachAuditedAgainstThePreviousState() throws Exception {
        Tenant t = fixtures.tenant("Racing Prices");
        var api = fixtures.api().as(t.owner().token());
        var start = new CountDownLatch(1);
        List<Callable<Integer>> writers = new ArrayList<>();
        for (int i = 1; i <= WRITERS; i++) {
            String price = String.valueOf(100 + i); // never the catalog's 8, so every state is distinct
            String percent = String.valueOf(i);
            writers.add(() -> {
                start.await();
                var body = Map.of(
                        "image_prices",
                        List.of(
                                Map.of("size", "1024x1024", "quality", "hd", "price", price),
                                Map.of("size", "256x256", "quality", "standard", "price", price)));
                int model = api.put(t.path() + "/pricing/models/dall-e-3", body).status();
                int markup = api.put(t.path() + "/pricing/markup", Map.of("markup_percent", percent))
                        .status();
                return model * 1000 + markup;
            });
        }
        try (var pool = Executors.newFixedThreadPool(WRITERS)) {
            List<Future<Integer>> results = writers.stream().map(pool::submit).toList();
            start.countDown();
            for (Future<Integer> r : results) assertThat(r.get()).isEqualTo(200_200);
        }

        assertChain(
                api.get(t.path() + "/audit-events?limit=100&action=pricing.model_updated")
                        .json()
                        .path("data"),
                "8");
        assertChain(
                api.get(t.path() + "/audit-events?limit=100&action=pricing.markup_updated")
                        .json()
                        .path("data"),
                "0");
        PricedModel m = pricing.model(new OrgId(t.orgId()), "dall-e-3").orElseThrow();
        assertThat(m.imagePrices()).hasSize(7);
        assertThat(m.imagePrice("256x256", "standard")).isEqualTo(m.imagePrice("1024x1024", "hd"));
    }

    /**
     * Every change's "before" is the "after" of exactly one other change, or the initial state for
     * exactly one: no two changes claim to have replaced the same state.
     */
    private static void assertChain(JsonNode events, String initial) {
        assertThat(events).hasSize(WRITERS);
        List<String> befores = new ArrayList<>();
        List<String> afters = new ArrayList<>();
        for (JsonNode e : events) {
            befores.add(value(e.path("before")));
            afters.add(value(e.path("after")));
        }
        assertThat(befores).doesNotHaveDuplicates().contains(initial);
        assertThat(afters).doesNotHaveDuplicates();
        List<String> replaced = new ArrayList<>(befores);
        replaced.remove(initial);
        assertThat(afters).containsAll(replaced);
    }

    private static String value(JsonNode state) {
        if (state.has("markup_percent")) return state.path("markup_percent").asString();
        for (JsonNode p : state.path("image_prices")) {
            if (p.path("size").asString().equals("1024x1024")
                    && p.path("quality").asString().equals("hd")) {
                return p.path("price").asString();
            }
        }
        throw new AssertionError("no 1024x1024 hd price in " + state);
    }
}
