package dev.atrium.gateway.settle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.stream.Stream;

/**
 * The cost of {@link Journal#append}: appends per second and the latency of one append (p50, p99,
 * p99.9, max), from one thread, 64 platform threads and 64 virtual threads appending flat out, then
 * from 64 virtual threads each pausing 5 ms between appends; with the default options (64 MiB
 * segments, forced every 200 ms in the background). Not a test: run it by hand, e.g.
 * <pre>
 * ./mvnw -q -B -ntp test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=target/bench-classpath.txt
 * java -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) \
 *     dev.atrium.gateway.settle.JournalBench [record bytes, 300] [appends per run, 640000] [directory]
 * </pre>
 */
public final class JournalBench {
    private JournalBench() {}

    public static void main(String[] args) throws Exception {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int appends = args.length > 1 ? Integer.parseInt(args[1]) : 640_000;
        Path root = args.length > 2
                ? Files.createDirectories(Path.of(args[2]))
                : Files.createTempDirectory("journal-bench");
        byte[] record = new byte[size];
        new SplittableRandom(1).nextBytes(record);
        System.out.printf("%d-byte records, %,d appends a run, in %s%n", size, appends, root);
        run(root, "warm-up", 1, Thread.ofPlatform().factory(), record, appends / 2, 0, false);
        run(root, "warm-up", 64, Thread.ofVirtual().factory(), record, appends / 2, 0, false);
        for (int round = 0; round < 2; round++) {
            run(root, "1 thread", 1, Thread.ofPlatform().factory(), record, appends, 0, true);
            run(root, "64 platform threads", 64, Thread.ofPlatform().factory(), record, appends, 0, true);
            run(root, "64 virtual threads", 64, Thread.ofVirtual().factory(), record, appends, 0, true);
        }
        // As on the request path: many callers, each appending now and then (about 12,000 a second).
        run(root, "64 virtual, paced", 64, Thread.ofVirtual().factory(), record, 64 * 1000, 5, true);
        if (args.length <= 2) Files.delete(root);
    }

    private static void run(
            Path root,
            String label,
            int threads,
            ThreadFactory factory,
            byte[] record,
            int appends,
            long pauseMillis,
            boolean print)
            throws Exception {
        Path dir = Files.createTempDirectory(root, "run");
        int each = appends / threads;
        long[][] nanos = new long[threads][each];
        long wall;
        try (var journal = Journal.open(dir, Journal.Options.defaults())) {
            var start = new CountDownLatch(1);
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long[] mine = nanos[t];
                workers.add(factory.newThread(() -> {
                    awaitUninterruptibly(start);
                    for (int i = 0; i < each; i++) {
                        long began = System.nanoTime();
                        journal.append(record);
                        mine[i] = System.nanoTime() - began;
                        if (pauseMillis > 0) sleepUninterruptibly(pauseMillis);
                    }
                }));
            }
            workers.forEach(Thread::start);
            long began = System.nanoTime();
            start.countDown();
            for (Thread w : workers) w.join();
            wall = System.nanoTime() - began;
        }
        deleteTree(dir);
        if (!print) return;
        long[] all = Arrays.stream(nanos).flatMapToLong(Arrays::stream).sorted().toArray();
        System.out.printf(
                "%-20s %,11.0f appends/s   one append: p50 %6.2f µs  p99 %6.2f µs  p99.9 %7.2f µs  max %8.1f µs%n",
                label,
                all.length * 1e9 / wall,
                at(all, 0.50),
                at(all, 0.99),
                at(all, 0.999),
                all[all.length - 1] / 1e3);
    }

    private static double at(long[] sorted, double quantile) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(quantile * sorted.length))] / 1e3;
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        while (true) {
            try {
                latch.await();
                return;
            } catch (InterruptedException e) {
                // keep waiting: the bench never interrupts its workers
            }
        }
    }

    private static void sleepUninterruptibly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
