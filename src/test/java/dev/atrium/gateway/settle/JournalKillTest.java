package dev.atrium.gateway.settle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process appending to the journal is killed with SIGKILL: every record whose append had returned
 * (and was not checkpointed) replays intact at the next open, nothing garbled replays, and appends
 * go on with higher sequences. Twice, on the same directory.
 */
class JournalKillTest {
    /** Small segments, so that the appender rolls over and deletes segments all the time. */
    static final Journal.Options OPTIONS =
            Journal.Options.defaults().withSegmentSize(256 << 10).withSyncInterval(Duration.ofMillis(50));

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopChildren() throws InterruptedException {
        for (Process p : started) p.destroyForcibly().waitFor();
    }

    @Test
    void everyAcknowledgedRecordSurvivesAKillIntact() throws Exception {
        long highestBefore = 0;
        for (int round = 0; round < 2; round++) {
            Process child = start();
            Map<Long, String> acks = new ConcurrentHashMap<>();
            Thread reader = Thread.ofPlatform().start(() -> readAcks(child, acks));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acks.size() < 20_000 && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(child.isAlive()).as("appender still running").isTrue();
            assertThatThrownBy(() -> Journal.open(dir, OPTIONS))
                    .as("the journal is locked by the appender")
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is already open");

            child.destroyForcibly().waitFor(); // SIGKILL, mid-append
            reader.join(); // the acknowledgements still in the pipe count too

            try (var journal = Journal.open(dir, OPTIONS)) {
                var replayed = new TreeMap<Long, byte[]>();
                journal.replay((sequence, record) -> {
                    assertThat(intact(record))
                            .as("record %d is intact", sequence)
                            .isTrue();
                    replayed.put(sequence, record);
                });
                long checkpoint = journal.checkpointed();
                assertThat(checkpoint).as("the appender checkpointed").isGreaterThan(highestBefore);
                assertThat(replayed.keySet()).as("no gap").hasSize((int) (journal.lastSequence() - checkpoint));

                int checked = 0;
                for (var ack : acks.entrySet()) {
                    if (ack.getKey() <= checkpoint) continue;
                    String[] who = ack.getValue().split(" ");
                    assertThat(replayed.get(ack.getKey()))
                            .as("acknowledged record %d", ack.getKey())
                            .isEqualTo(JournalAppender.record(Integer.parseInt(who[0]), Integer.parseInt(who[1])));
                    checked++;
                }
                long highestAck =
                        acks.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
                assertThat(checked)
                        .as("acknowledged records after the checkpoint")
                        .isGreaterThan(100);
                assertThat(journal.lastSequence()).isGreaterThanOrEqualTo(highestAck);
                highestBefore = journal.append(new byte[] {1});
                assertThat(highestBefore).isGreaterThan(highestAck);
                System.out.printf(
                        "kill %d: %d acknowledged, %d after checkpoint %d replayed intact; %d recovered in all%n",
                        round + 1, acks.size(), checked, checkpoint, replayed.size());
            }
        }
    }

    /** Whether a replayed record is one the appender made, byte for byte (or this test's marker). */
    private static boolean intact(byte[] record) {
        if (Arrays.equals(record, new byte[] {1})) return true;
        byte[] expected = JournalAppender.expected(record);
        return expected != null && Arrays.equals(expected, record);
    }

    private Process start() throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(
                        java,
                        "-Xmx128m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        JournalAppender.class.getName(),
                        dir.toString(),
                        "4")
                .redirectError(dir.resolve("appender.err").toFile())
                .start();
        started.add(p);
        return p;
    }

    private static void readAcks(Process child, Map<Long, String> acks) {
        try (var lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                // Only whole acknowledgements: not its log lines, nor a line cut short by the kill.
                String[] parts = line.split(" ");
                if (parts.length != 5 || !parts[0].equals("ack") || !parts[4].equals(".")) continue;
                acks.put(Long.parseLong(parts[1]), parts[2] + " " + parts[3]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
