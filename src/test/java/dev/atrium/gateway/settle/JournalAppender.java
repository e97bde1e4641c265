package dev.atrium.gateway.settle;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The child process of {@link JournalKillTest}: opens the journal in {@code args[0]} and appends
 * from {@code args[1]} threads until it is killed, printing {@code ack <sequence> <thread> <n> .}
 * once each append has returned; another thread checkpoints all but the last 1000 records every 20
 * ms, as the settlement writer would after applying them.
 */
public final class JournalAppender {
    private JournalAppender() {}

    public static void main(String[] args) throws Exception {
        var journal = Journal.open(Path.of(args[0]), JournalKillTest.OPTIONS);
        int threads = Integer.parseInt(args[1]);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread.ofPlatform().start(() -> {
                for (int n = 0; ; n++) {
                    long sequence = journal.append(record(thread, n));
                    System.out.println("ack " + sequence + " " + thread + " " + n + " .");
                }
            });
        }
        while (true) {
            TimeUnit.MILLISECONDS.sleep(20);
            long upTo = journal.lastSequence() - 1000;
            if (upTo > 0) journal.checkpoint(upTo);
        }
    }

    /** The record thread {@code thread} appends {@code n}th: a header naming it, then bytes only it has. */
    static byte[] record(int thread, int n) {
        byte[] header = (thread + " " + n + ";").getBytes(StandardCharsets.US_ASCII);
        var random = new SplittableRandom(thread * 1_000_003L + n);
        byte[] record = Arrays.copyOf(header, header.length + random.nextInt(2000));
        for (int i = header.length; i < record.length; i++) record[i] = (byte) random.nextInt(256);
        return record;
    }

    /** The record as {@link #record} made it, from the header it starts with; null if it has none. */
    static byte @Nullable [] expected(byte[] record) {
        String start = new String(record, 0, Math.min(record.length, 24), StandardCharsets.US_ASCII);
        int end = start.indexOf(';');
        String[] parts = end < 0 ? new String[0] : start.substring(0, end).split(" ");
        if (parts.length != 2) return null;
        try {
            return record(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
