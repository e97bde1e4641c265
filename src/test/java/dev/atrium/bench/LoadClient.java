package dev.atrium.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Sends identical chat completions (round-robin over the given keys, one per tenant) to one endpoint (the mock directly, or Atrium in front of it),
 * one at a time or open-loop at a fixed rate. Open-loop latency runs from the time a request was
 * <b>due</b> to be sent, not from when the sender got round to it, so a stall shows in the figures
 * instead of silently thinning the load (no coordinated omission).
 */
final class LoadClient {
    private static final AtomicLong SEQ = new AtomicLong();

    private final String name;
    private final URI uri;
    private final String[] bearers;
    private final AtomicLong turn = new AtomicLong();
    private final String model;
    private final MockUpstream mock;
    private final Duration timeout;
    private final HttpClient http;

    LoadClient(String name, URI uri, String[] bearers, String model, MockUpstream mock, Duration timeout) {
        this.name = name;
        this.uri = uri;
        this.bearers = bearers;
        this.model = model;
        this.mock = mock;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    String name() {
        return name;
    }

    /** Latencies of one phase, in nanoseconds: total as the client saw it, and net of the upstream's own time. */
    static final class Stats {
        final String label;
        final Histogram total = new ConcurrentHistogram(4);
        final Histogram net = new ConcurrentHistogram(4);
        final AtomicLong ok = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final Map<String, AtomicLong> errorKinds = new ConcurrentHashMap<>();
        volatile long firstDue;
        final AtomicLong lastDone = new AtomicLong();
        long sent;
        long maxSendLagNanos;
        CpuMeter.Usage cpu;

        Stats(String label) {
            this.label = label;
        }

        double achievedPerSecond() {
            long span = lastDone.get() - firstDue;
            return span <= 0 ? 0 : ok.get() / (span / 1e9);
        }

        String errorSummary() {
            if (errors.get() == 0) return "0";
            var sorted = new TreeMap<String, Long>();
            errorKinds.forEach((k, v) -> sorted.put(k, v.get()));
            return errors.get() + " " + sorted;
        }

        void error(String kind) {
            errors.incrementAndGet();
            errorKinds.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        }
    }

    private HttpRequest request(String tag) {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"Say hello in one short sentence.\"}],\"max_tokens\":64,"
                + "\"user\":\"" + tag + "\"}";
        return HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + bearers[(int) (turn.getAndIncrement() % bearers.length)])
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
    }

    private String nextTag() {
        return "bench-" + name.charAt(0) + SEQ.incrementAndGet();
    }

    /** One request, synchronously, recorded into {@code stats}; returns whether it succeeded. */
    boolean once(Stats stats) {
        String tag = nextTag();
        HttpRequest req = request(tag);
        long start = System.nanoTime();
        try {
            HttpResponse<byte[]> resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            long end = System.nanoTime();
            return record(stats, tag, start, end, resp.statusCode(), null);
        } catch (IOException e) {
            return record(stats, tag, start, System.nanoTime(), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private boolean record(Stats stats, String tag, long due, long end, int status, Throwable error) {
        long served = mock.takeServedNanos(tag);
        stats.lastDone.accumulateAndGet(end, Math::max);
        if (error != null || status != 200) {
            stats.error(error != null ? error.getClass().getSimpleName() : "HTTP " + status);
            return false;
        }
        stats.ok.incrementAndGet();
        long latency = end - due;
        stats.total.recordValue(latency);
        if (served >= 0) stats.net.recordValue(Math.max(0, latency - served));
        return true;
    }

    /**
     * Open loop: {@code rate} requests per second for {@code seconds}, each due at {@code start + i /
     * rate} and sent then (or at once if the sender is late), whatever the answers do; waits for
     * the stragglers up to the request timeout.
     */
    Stats openLoop(String label, double rate, double seconds, CpuMeter meter) throws InterruptedException {
        Stats stats = new Stats(label);
        long count = Math.max(1, Math.round(rate * seconds));
        double period = 1e9 / rate;
        var done = new CountDownLatch((int) count);
        CpuMeter.Usage before = meter.sample();
        long start = System.nanoTime() + 5_000_000;
        stats.firstDue = start;
        long maxLag = 0;
        for (long i = 0; i < count; i++) {
            long due = start + (long) (i * period);
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(due - now);
            }
            maxLag = Math.max(maxLag, now - due);
            String tag = nextTag();
            http.sendAsync(request(tag), HttpResponse.BodyHandlers.ofByteArray())
                    .whenComplete((resp, err) -> {
                        long end = System.nanoTime();
                        record(stats, tag, due, end, resp == null ? 0 : resp.statusCode(), err);
                        done.countDown();
                    });
        }
        stats.sent = count;
        stats.maxSendLagNanos = maxLag;
        if (!done.await(timeout.toSeconds() + 5, TimeUnit.SECONDS)) {
            stats.error("unfinished");
        }
        stats.cpu = meter.sample().minus(before);
        return stats;
    }

    /** Closed loop with {@code concurrency} callers for {@code seconds}: warms both paths up. */
    static long warm(LoadClient[] clients, int concurrency, double seconds) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        AtomicLong n = new AtomicLong();
        Thread[] threads = new Thread[concurrency];
        for (int t = 0; t < concurrency; t++) {
            int id = t;
            threads[t] = Thread.ofVirtual().start(() -> {
                Stats sink = new Stats("warm-up");
                long i = id;
                while (System.nanoTime() < end) {
                    clients[(int) (i++ % clients.length)].once(sink);
                    n.incrementAndGet();
                }
            });
        }
        for (Thread t : threads) t.join();
        return n.get();
    }
}
