package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many calls at once, streamed and not, to both upstreams: each settles exactly once and the books balance. */
class GatewayConcurrencyTest extends UpstreamGatewayTest {
    private static final int CALLS = 64;

    @Test
    void concurrentCallsSettleOnceEachAndTheLedgerMatchesTheUsage() throws Exception {
        // Enough for every call's maximum-cost hold at once: all 64 may be open together.
        Funded f = funded("Busy Co", "10000");
        String tag = tag();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> results = new ArrayList<>();
        long expected = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(CALLS)) {
            for (int i = 0; i < CALLS; i++) {
                int n = i;
                boolean anthropic = n % 4 >= 2;
                boolean stream = n % 2 == 1;
                expected += anthropic
                        ? haiku(ANTHROPIC_USAGE.input(), ANTHROPIC_USAGE.output())
                        : gpt4oMini(OPENAI_USAGE.input(), OPENAI_USAGE.output());
                String requestId = "req-" + tag.substring(4, 12) + "-" + n;
                var params = ChatCompletionCreateParams.builder()
                        .model(anthropic ? "claude-haiku-4-5" : "gpt-4o-mini")
                        .addUserMessage("Call " + n + " " + tag)
                        .putAdditionalHeader("X-Request-Id", requestId);
                // half of the streams ask for usage, half do not
                if (stream && n % 8 < 4) {
                    params.streamOptions(ChatCompletionStreamOptions.builder()
                            .includeUsage(true)
                            .build());
                }
                results.add(pool.submit(() -> {
                    start.await();
                    String text;
                    if (stream) {
                        StringBuilder sb = new StringBuilder();
                        try (StreamResponse<ChatCompletionChunk> s =
                                f.client().chat().completions().createStreaming(params.build())) {
                            s.stream()
                                    .forEach(c -> c.choices()
                                            .forEach(ch -> ch.delta().content().ifPresent(sb::append)));
                        }
                        text = sb.toString();
                    } else {
                        text = f.client()
                                .chat()
                                .completions()
                                .create(params.build())
                                .choices()
                                .getFirst()
                                .message()
                                .content()
                                .orElseThrow();
                    }
                    assertThat(text).isEqualTo(String.join("", anthropic ? ANTHROPIC_PIECES : OPENAI_PIECES));
                    return requestId;
                }));
            }
            start.countDown();
        }
        Set<String> requestIds = new HashSet<>();
        for (Future<String> r : results) requestIds.add(r.get(60, TimeUnit.SECONDS));
        assertThat(requestIds).hasSize(CALLS);

        assertThat(OPENAI.requestsWith(tag)).hasSize(CALLS / 2);
        assertThat(ANTHROPIC.requestsWith(tag)).hasSize(CALLS / 2);

        // exactly one usage event per request, each for its own hold
        List<Event> events = events(f.org());
        assertThat(events).hasSize(CALLS);
        assertThat(events).extracting(Event::requestId).containsExactlyInAnyOrderElementsOf(requestIds);
        assertThat(events).extracting(Event::holdId).doesNotHaveDuplicates();
        assertThat(events).extracting(Event::status).containsOnly("ok");
        long usage = events.stream().mapToLong(Event::credits).sum();
        assertThat(usage).isEqualTo(expected);
        assertThat(captured(f.org())).isEqualTo(usage);
        // Each call settled once: captured on its own hold, or from a credit lease under its reservation id.
        assertThat(holds(f.org())).containsOnlyKeys("captured");
        assertThat(holds(f.org()).get("captured") + leaseCaptures(f.org())).isEqualTo((long) CALLS);
        assertSettled(f.tenant());
        // The node's leases returned, every credit not spent is available again.
        creditLeases.returnAll(java.time.Duration.ofSeconds(5));
        var credits =
                fixtures.api().as(f.tenant().owner().token()).get(f.tenant().path() + "/credits");
        assertThat(credits.json().path("pool").path("available").asString())
                .isEqualTo(decimal(10_000_000_000L - expected));
        assertThat(credits.json().path("spent_total").asString()).isEqualTo(decimal(expected));
    }
}
