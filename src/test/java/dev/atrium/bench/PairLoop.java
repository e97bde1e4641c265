package dev.atrium.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Runs one kind of hold+capture pair on many caller threads for a warm-up and then a measured
 * window. A pair counts when it both starts and ends inside the measured window; its latency is
 * the caller's view (waiting for a connection included).
 */
final class PairLoop {
    /** One hold followed by its capture; throws when either fails. */
    @FunctionalInterface
    interface Pair {
        void run(int thread, long sequence) throws Exception;
    }

    /** What a run measured. */
    record Result(
            String name,
            long pairs,
            double seconds,
            long errors,
            String firstError,
            Histogram latency,
            long allPairs,
            CpuMeter.Usage cpu) {
        double perSecond() {
            return pairs / seconds;
        }

        String line() {
            return String.format(
                            "%-34s %10.0f pairs/s  (%d pairs in %.1f s)  pair latency p50 %s  p99 %s  max %s  errors %d%s",
                            name,
                            perSecond(),
                            pairs,
                            seconds,
                            millis(latency.getValueAtPercentile(50)),
                            millis(latency.getValueAtPercentile(99)),
                            millis(latency.getMaxValue()),
                            errors,
                            errors == 0 ? "" : "  first: " + firstError)
                    + String.format(
                            "%n%-34s CPU per pair (warm-up included): %s", "", cpu.perPair(Math.max(allPairs, 1)));
        }

        private static String millis(long nanos) {
            return String.format("%.2f ms", nanos / 1e6);
        }
    }

    private PairLoop() {}

    static Result run(String name, int threads, double warmupSeconds, double measureSeconds, CpuMeter meter, Pair pair)
            throws InterruptedException {
        CpuMeter.Usage cpuBefore = meter.sample();
        AtomicLong allPairs = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + (long) (warmupSeconds * 1e9);
        long measureTo = measureFrom + (long) (measureSeconds * 1e9);
        AtomicLong pairs = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>("");
        List<Histogram> histograms = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            // Up to 60 s per pair, 3 significant digits: enough for p99 of a stalled run too.
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            histograms.add(h);
            int thread = t;
            workers.add(Thread.ofPlatform().name("caller-" + t).start(() -> {
                try {
                    long seq = 0;
                    while (true) {
                        long t0 = System.nanoTime();
                        if (t0 >= measureTo) break;
                        try {
                            pair.run(thread, seq++);
                        } catch (Exception | AssertionError e) {
                            if (t0 >= measureFrom) errors.incrementAndGet();
                            firstError.compareAndSet("", e.getClass().getSimpleName() + ": " + e.getMessage());
                            continue;
                        }
                        long t1 = System.nanoTime();
                        allPairs.incrementAndGet();
                        if (t0 >= measureFrom && t1 <= measureTo) {
                            pairs.incrementAndGet();
                            h.recordValue(Math.min(t1 - t0, h.getHighestTrackableValue()));
                        }
                    }
                } finally {
                    done.countDown();
                }
            }));
        }
        done.await();
        Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        histograms.forEach(all::add);
        CpuMeter.Usage cpu = meter.sample().minus(cpuBefore);
        return new Result(name, pairs.get(), measureSeconds, errors.get(), firstError.get(), all, allPairs.get(), cpu);
    }
}
