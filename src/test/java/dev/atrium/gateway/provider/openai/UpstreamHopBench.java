package dev.atrium.gateway.provider.openai;

import dev.atrium.gateway.provider.ProviderCall;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The openai provider's hop alone, at concurrency 1: {@code OpenAiProvider.chat} and {@code
 * streamChat} against an upstream given by URL (bench/gateway-overhead/hop.sh starts nginx for it),
 * with no database, servlet container or accounting around it. Run by hand with the classes of the
 * build to measure; prints percentiles in microseconds.
 *
 * <pre>java -cp … dev.atrium.gateway.provider.openai.UpstreamHopBench BASE_URL LABEL [CALLS] [WARMUP] [virtual|platform]</pre>
 */
public final class UpstreamHopBench {
    private UpstreamHopBench() {}

    public static void main(String[] args) throws Exception {
        String baseUrl = args[0];
        String label = args.length > 1 ? args[1] : "build";
        int calls = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 5_000;
        String thread = args.length > 4 ? args[4] : "virtual";
        JsonMapper json = JsonMapper.shared();
        ObjectNode request = (ObjectNode) json.readTree("""
                {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},
                 {"role":"user","content":"Say hello in one short sentence."}],"max_tokens":64}""");
        var call = new ProviderCall(
                "gpt-4o-mini", null, null, Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(10));
        try (var provider = new OpenAiProvider(json, baseUrl, "sk-bench", 1, Duration.ZERO)) {
            // The body is built by Atrium before the hop; each call sends a copy, as ChatService does.
            Runnable hops = () -> {
                run(label, thread, "chat", calls, warmup, () -> provider.chat(call, request));
                run(label, thread, "stream", calls / 2, warmup / 2, () -> provider.streamChat(call, request, c -> {}));
            };
            (thread.equals("platform") ? Thread.ofPlatform() : Thread.ofVirtual())
                    .start(hops)
                    .join();
        }
    }

    private static void run(String label, String thread, String kind, int calls, int warmup, Runnable hop) {
        for (int i = 0; i < warmup; i++) {
            hop.run();
        }
        var histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        long start = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            hop.run();
            histogram.recordValue(System.nanoTime() - t0);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "  %-8s %-7s %7d calls %9.0f/s   p50 %6.1f  p90 %6.1f  p99 %7.1f  p99.9 %7.1f  max %8.1f µs  (%s thread)%n",
                label,
                kind,
                calls,
                calls / seconds,
                histogram.getValueAtPercentile(50) / 1e3,
                histogram.getValueAtPercentile(90) / 1e3,
                histogram.getValueAtPercentile(99) / 1e3,
                histogram.getValueAtPercentile(99.9) / 1e3,
                histogram.getMaxValue() / 1e3,
                thread);
    }
}
