package dev.atrium.gateway.settle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    private static final Journal.Options SMALL =
            Journal.Options.defaults().withSegmentSize(4096).withSyncInterval(Duration.ofMillis(20));

    @TempDir
    Path dir;

    record Entry(long sequence, String text) {}

    @Test
    void recordsComeBackAfterReopenInOrderWithTheirSequences() throws IOException {
        try (var journal = Journal.open(dir, Journal.Options.defaults())) {
            assertThat(journal.append(bytes("first"))).isEqualTo(1);
            assertThat(journal.append(bytes(""))).isEqualTo(2);
            assertThat(journal.append(bytes("third, a little longer"))).isEqualTo(3);
            assertThat(journal.pending()).isEqualTo(3);
        }
        try (var journal = Journal.open(dir, Journal.Options.defaults())) {
            assertThat(replay(journal))
                    .containsExactly(new Entry(1, "first"), new Entry(2, ""), new Entry(3, "third, a little longer"));
            assertThat(journal.pending()).isEqualTo(3);
            assertThat(journal.append(bytes("fourth"))).as("sequences go on").isEqualTo(4);
        }
        try (var journal = Journal.open(dir, Journal.Options.defaults())) {
            assertThat(replay(journal)).hasSize(4).last().isEqualTo(new Entry(4, "fourth"));
        }
    }

    @Test
    void replayYieldsOnlyWhatWasRecoveredAtOpen() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            journal.append(bytes("before"));
        }
        try (var journal = Journal.open(dir, SMALL)) {
            journal.append(bytes("after open"));
            assertThat(replay(journal)).containsExactly(new Entry(1, "before"));
        }
    }

    @Test
    void aCheckpointedRecordIsNotReplayedAgain() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            for (int i = 1; i <= 10; i++) journal.append(bytes("r" + i));
            journal.checkpoint(6);
            journal.checkpoint(3); // lower than the checkpoint: nothing changes
            assertThat(journal.checkpointed()).isEqualTo(6);
            assertThat(journal.pending()).isEqualTo(4);
            assertThatThrownBy(() -> journal.checkpoint(11))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("the last record appended is 10");
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(journal.checkpointed()).isEqualTo(6);
            assertThat(journal.pending()).isEqualTo(4);
            assertThat(replay(journal).stream().map(Entry::sequence)).containsExactly(7L, 8L, 9L, 10L);
            journal.checkpoint(10);
            assertThat(journal.pending()).isZero();
            assertThat(journal.append(bytes("next"))).isEqualTo(11);
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal)).containsExactly(new Entry(11, "next"));
        }
    }

    @Test
    void aFullyCheckpointedJournalContinuesAfterTheCheckpoint() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            for (int i = 0; i < 30; i++) journal.append(new byte[500]);
            journal.checkpoint(30);
            assertThat(segments()).hasSize(1);
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal)).isEmpty();
            assertThat(journal.append(bytes("x"))).isEqualTo(31);
        }
    }

    @Test
    void recordsRollOverSegmentsAndCheckpointsDeleteTheSegmentsTheyCover() throws IOException {
        // 1000-byte records in 4 KiB segments: four a segment (16-byte header, 16-byte frames).
        Map<Long, String> appended = new HashMap<>();
        try (var journal = Journal.open(dir, SMALL)) {
            for (int i = 0; i < 20; i++) {
                String text = text(thousandBytes(i));
                appended.put(journal.append(bytes(text)), text);
            }
            assertThat(segments()).containsExactly(1L, 5L, 9L, 13L, 17L);

            journal.checkpoint(10); // segments 1..4 and 5..8 are wholly checkpointed; 9..12 is not
            assertThat(segments()).containsExactly(9L, 13L, 17L);
            journal.checkpoint(20); // the last segment stays: appends go on there
            assertThat(segments()).containsExactly(17L);
        }

        try (var journal = Journal.open(dir, SMALL)) {
            List<String> sizes = new ArrayList<>();
            for (int size : new int[] {0, 1, 3000, SMALL.maxRecordSize(), 17, 2000, 2100}) {
                sizes.add("x".repeat(size));
                journal.append(bytes(sizes.getLast()));
            }
            assertThatThrownBy(() -> journal.append(new byte[SMALL.maxRecordSize() + 1]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not fit in a segment");
            assertThat(journal.lastSequence()).isEqualTo(27);
            assertThat(segments()).hasSizeGreaterThan(4);
            journal.checkpoint(20);
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal).stream().map(e -> e.text().length()))
                    .containsExactly(0, 1, 3000, SMALL.maxRecordSize(), 17, 2000, 2100);
        }
    }

    @Test
    void anInterruptedThreadStillAppendsAcrossSegmentsAndStaysInterrupted() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            Thread.currentThread().interrupt();
            try {
                for (int i = 1; i <= 10; i++) journal.append(thousandBytes(i));
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(segments()).containsExactly(1L, 5L, 9L);
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal)).hasSize(10);
        }
    }

    @Test
    void concurrentAppendsAreEachReplayedOnceAndIntact() throws Exception {
        int threads = 64;
        int each = 500;
        var options = Journal.Options.defaults().withSegmentSize(256 << 10);
        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        try (var journal = Journal.open(dir, options);
                ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        String text = "thread " + thread + " record " + i + " " + "#".repeat((thread * 31 + i) % 300);
                        assertThat(acknowledged.put(journal.append(bytes(text)), text))
                                .isNull();
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) f.get();
            assertThat(journal.pending()).isEqualTo(threads * each);
        }
        assertThat(acknowledged.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        LongStream.rangeClosed(1, threads * each).boxed().toList());
        assertThat(segments()).as("rolled over while contended").hasSizeGreaterThan(3);
        try (var journal = Journal.open(dir, options)) {
            List<Entry> replayed = replay(journal);
            assertThat(replayed).hasSize(threads * each);
            for (Entry e : replayed) assertThat(e.text()).isEqualTo(acknowledged.get(e.sequence()));
        }
    }

    @Test
    void aTruncatedLastRecordIsCutOffAndAppendsContinueAfterTheValidPrefix() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            for (int i = 1; i <= 5; i++) journal.append(bytes("record " + i + " with some body"));
        }
        Path segment = onlySegment();
        long fifthEnds = Segment.HEADER + 5L * (Segment.FRAME + "record 1 with some body".length());
        try (var channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(fifthEnds - 7); // as if the file ended within the fifth record
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal).stream().map(Entry::sequence)).containsExactly(1L, 2L, 3L, 4L);
            assertThat(journal.append(bytes("appended after the tear"))).isEqualTo(5);
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal)).hasSize(5).last().isEqualTo(new Entry(5, "appended after the tear"));
        }
    }

    @Test
    void aLastRecordWithBadBytesIsClearedAndOverwritten() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            for (int i = 1; i <= 5; i++) journal.append(bytes("record " + i + " with some body"));
        }
        Path segment = onlySegment();
        int frame = Segment.FRAME + "record 1 with some body".length();
        int fifth = Segment.HEADER + 4 * frame;
        // The fifth record half written: its last bytes still zero; and some garbage further on.
        write(segment, fifth + frame - 6, new byte[6]);
        write(segment, 3000, bytes("stale"));
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal).stream().map(Entry::sequence)).containsExactly(1L, 2L, 3L, 4L);
            byte[] file = Files.readAllBytes(segment);
            assertThat(Arrays.copyOfRange(file, fifth, file.length))
                    .as("everything after the valid prefix is zero")
                    .containsOnly((byte) 0);
            assertThat(journal.append(bytes("rewritten"))).isEqualTo(5);
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal)).hasSize(5).last().isEqualTo(new Entry(5, "rewritten"));
        }
    }

    @Test
    void aCorruptRecordEndsItsSegmentButLaterSegmentsStillReplay() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            for (int i = 1; i <= 12; i++) journal.append(thousandBytes(i));
        }
        assertThat(segments()).containsExactly(1L, 5L, 9L);
        int second = Segment.HEADER + Segment.FRAME + 1000;
        write(dir.resolve(Segment.fileName(1)), second + Segment.FRAME + 500, bytes("?")); // one payload byte
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal).stream().map(Entry::sequence))
                    .as("records 2..4 followed the corrupt one in its segment")
                    .containsExactly(1L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
            assertThat(journal.append(bytes("next"))).isEqualTo(13);
        }
    }

    @Test
    void aSegmentWithoutAValidHeaderIsSetAside() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            for (int i = 1; i <= 12; i++) journal.append(thousandBytes(i));
        }
        write(dir.resolve(Segment.fileName(9)), 0, new byte[Segment.HEADER]); // as if never written out
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal))
                    .hasSize(8)
                    .last()
                    .extracting(Entry::sequence)
                    .isEqualTo(8L);
            assertThat(dir.resolve(Segment.fileName(9) + ".damaged")).exists();
            assertThat(journal.append(bytes("next"))).isEqualTo(9);
        }
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(replay(journal)).hasSize(9).last().isEqualTo(new Entry(9, "next"));
        }
    }

    @Test
    void anUnreadableCheckpointReplaysEverything() throws IOException {
        try (var journal = Journal.open(dir, SMALL)) {
            for (int i = 1; i <= 3; i++) journal.append(bytes("r" + i));
            journal.checkpoint(2);
        }
        Files.writeString(dir.resolve(CheckpointFile.NAME), "not a number");
        try (var journal = Journal.open(dir, SMALL)) {
            assertThat(journal.checkpointed()).isZero();
            assertThat(replay(journal)).hasSize(3);
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefusedUntilTheFirstCloses() throws IOException {
        var journal = Journal.open(dir, SMALL);
        assertThatThrownBy(() -> Journal.open(dir, SMALL))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is already open");
        assertThat(journal.append(bytes("still mine"))).isEqualTo(1);
        assertThat(syncThreads()).hasSize(1);
        journal.close();
        journal.close(); // idempotent
        assertThat(syncThreads()).as("the background sync stopped").isEmpty();
        assertThatThrownBy(() -> journal.append(bytes("late")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        try (var again = Journal.open(dir, SMALL)) {
            assertThat(replay(again)).containsExactly(new Entry(1, "still mine"));
        }
    }

    private List<Thread> syncThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("journal-sync " + dir) && t.isAlive())
                .toList();
    }

    private static void write(Path file, long offset, byte[] data) throws IOException {
        try (var channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(data), offset);
        }
    }

    private List<Long> segments() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(Segment::firstOf).filter(f -> f > 0).sorted().toList();
        }
    }

    private Path onlySegment() throws IOException {
        assertThat(segments()).hasSize(1);
        return dir.resolve(Segment.fileName(segments().getFirst()));
    }

    static List<Entry> replay(Journal journal) {
        List<Entry> out = new ArrayList<>();
        long count = journal.replay((sequence, record) -> out.add(new Entry(sequence, text(record))));
        assertThat(count).isEqualTo(out.size());
        return out;
    }

    static byte[] thousandBytes(int n) {
        return bytes(("record " + n + " ").repeat(200).substring(0, 1000));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] record) {
        return new String(record, StandardCharsets.UTF_8);
    }
}
