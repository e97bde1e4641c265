package dev.atrium.gateway.settle;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local append-only journal of opaque records, each numbered by a sequence that grows by one per
 * record and goes on across restarts; records stay until the caller checkpoints them as applied
 * elsewhere.
 *
 * <h2>Files</h2>
 * In its directory: {@code journal.lock} (held with an exclusive file lock while open, so a second
 * process, or a second open in this one, is refused), {@code checkpoint} (the last checkpointed
 * sequence in decimal, replaced atomically), and segment files {@code segment-<first
 * sequence, 20 digits>.log} of a fixed size ({@link Options#segmentSize()}, 64 MiB by default),
 * each mapped in memory whole. A segment holds a 16-byte header (magic {@code ATJ1}, format
 * version, first sequence) then frames, back to back:
 * <pre>
 *   int  length     payload bytes
 *   int  checksum   CRC32C over the payload, then length and sequence (big-endian)
 *   long sequence   the segment's first sequence + the frame's index
 *   byte[length]    payload
 * </pre>
 * The rest of a segment is zeros: a frame header of zeros is the end. A record that no longer fits
 * starts a new segment; one larger than a whole segment is refused.
 *
 * <h2>Durability</h2>
 * Once {@link #append} returns, the record is in the operating system's page cache (it is copied
 * into the shared mapping), so <b>a killed process (kill -9, a JVM crash) loses no acknowledged
 * record</b>; at most the record being copied at that instant is torn, and it was not acknowledged.
 * The page cache reaches the disk when the background thread forces it, every {@link
 * Options#syncInterval()} (200 ms by default), or at {@link #sync()} and {@link #close()}; so
 * <b>a crash of the machine (power, kernel) loses the records appended within about one sync
 * interval before it</b>, and may leave them torn or half-written anywhere in that window, which
 * recovery detects by their checksums. Nothing appended before the last completed sync began is
 * lost.
 *
 * <h2>Recovery and replay</h2>
 * {@link #open} reads every segment and checks each frame (sequence, length, checksum). A segment's
 * records end at its first zero frame header or at its first invalid frame: a torn or corrupt frame
 * ends its segment, since its length cannot be trusted to find the next one. Such damage is logged
 * as a warning, and the records after it in that segment are not replayed; later segments are still
 * read (their records carry their own sequences and checksums), and a gap of sequences that were
 * not checkpointed is logged too. In the last segment, every byte after its last valid record is
 * zeroed (a torn tail) and appends continue there. Sequences continue after the highest recovered
 * record or the checkpoint, whichever is higher: no two records in the journal share a sequence, and
 * none reuses a checkpointed one, but the sequence of a record that was lost (torn, or not yet
 * synced when the machine crashed) may be handed out again. So what applies records must recognise
 * a record by its content (a settlement by its request id), not by its sequence.
 *
 * <p>{@link #replay} hands over, in order, the records recovered at open that are after the
 * checkpoint. Call it once after open and apply what it yields (idempotently: after a crash, a
 * record may have been applied without its checkpoint having been taken), before the first append;
 * it does not yield records appended since open. {@link #checkpoint} then says which records never
 * need replaying again, and deletes the segments holding only those.
 *
 * <p>Thread-safe: {@link #append} is meant for many concurrent callers; it holds one lock only to
 * number the record and copy it.
 */
public final class Journal implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    /**
     * @param segmentSize bytes per segment file, from 4 KiB to 1 GiB
     * @param syncInterval how often the background thread forces appended records to the disk; zero
     *     for never (then only {@link #sync()} and {@link #close()} do)
     */
    public record Options(int segmentSize, Duration syncInterval) {
        public Options {
            if (segmentSize < 4096 || segmentSize > 1 << 30) {
                throw new IllegalArgumentException("segment size " + segmentSize + " is not within 4 KiB..1 GiB");
            }
            if (syncInterval.isNegative()) throw new IllegalArgumentException("negative sync interval");
        }

        public static Options defaults() {
            return new Options(64 << 20, Duration.ofMillis(200));
        }

        public Options withSegmentSize(int bytes) {
            return new Options(bytes, syncInterval);
        }

        public Options withSyncInterval(Duration interval) {
            return new Options(segmentSize, interval);
        }

        /** The largest record a segment of this size holds. */
        public int maxRecordSize() {
            return segmentSize - Segment.HEADER - Segment.FRAME;
        }
    }

    private final Path directory;
    private final Options options;
    private final DirectoryLock lock;
    /** Guards segments, the last segment's end and next sequence, closed. Held briefly by appends. */
    private final ReentrantLock appendLock = new ReentrantLock();
    /** Serialises syncs, checkpoints and close: what may force, delete or close segment files. */
    private final ReentrantLock syncLock = new ReentrantLock();

    private final List<Segment> segments = new ArrayList<>();
    private long nextSequence;
    private boolean directoryChanged;
    private volatile boolean closed;
    private volatile long checkpointed;
    /** The last record recovered at open: replay stops there. */
    private final long recovered;

    private final @Nullable ScheduledExecutorService syncer;

    private Journal(Path directory, Options options, DirectoryLock lock) throws IOException {
        this.directory = directory;
        this.options = options;
        this.lock = lock;
        this.checkpointed = CheckpointFile.read(directory);
        recover();
        forceAll(); // what a killed predecessor left may still be in the page cache only
        this.recovered = nextSequence - 1;
        if (options.syncInterval().isZero()) {
            this.syncer = null;
        } else {
            this.syncer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                    .daemon()
                    .name("journal-sync " + directory)
                    .factory());
            long every = options.syncInterval().toNanos();
            syncer.scheduleWithFixedDelay(this::backgroundSync, every, every, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Opens the journal in {@code directory} (created if needed), recovering what earlier runs
     * left: see the class comment.
     *
     * @throws IllegalStateException if another process (or this one) has the journal open
     */
    public static Journal open(Path directory, Options options) throws IOException {
        Files.createDirectories(directory);
        var lock = DirectoryLock.acquire(directory);
        try {
            return new Journal(directory, options, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private void recover() throws IOException {
        List<Path> files;
        try (var listing = Files.list(directory)) {
            files = listing.filter(f -> Segment.firstOf(f) > 0)
                    .sorted() // the 20-digit names sort by first sequence
                    .toList();
        }
        long previousLast = 0;
        for (Path file : files) {
            Segment segment = Segment.open(file);
            if (segment == null) {
                Path aside = file.resolveSibling(file.getFileName() + ".damaged");
                log.warn("Journal segment {} has no valid header: set aside as {}", file, aside);
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                continue;
            }
            long missingFrom = Math.max(previousLast, checkpointed) + 1;
            if (segment.first > missingFrom) {
                log.warn("Journal records {}..{} are missing, never checkpointed", missingFrom, segment.first - 1);
            }
            Segment.Extent extent = segment.read(Long.MAX_VALUE, null);
            if (extent.damage() != null) {
                log.warn(
                        "Journal segment {} is damaged ({}): its records from sequence {} on are dropped",
                        file,
                        extent.damage(),
                        extent.last() + 1);
            }
            segment.end = extent.end();
            segment.last = extent.last();
            segments.add(segment);
            previousLast = extent.last();
        }
        nextSequence = Math.max(previousLast, checkpointed) + 1;
        Segment tail = segments.isEmpty() ? null : segments.getLast();
        if (tail != null && tail.clearFrom(tail.end) > 0) {
            log.warn("Journal segment {}: cleared the torn tail after its last valid record", tail.path);
            tail.force(tail.end, tail.capacity());
        }
        if (tail == null || tail.last + 1 != nextSequence) startSegment();
        log.info(
                "Journal {} opened at checkpoint {}, with {} records after it",
                directory,
                checkpointed,
                nextSequence - 1 - checkpointed);
    }

    /** Appends a record and returns its sequence number: see the class comment for what it then survives. */
    public long append(byte[] record) {
        if (record.length > options.maxRecordSize()) {
            throw new IllegalArgumentException("a record of " + record.length
                    + " bytes does not fit in a segment (at most " + options.maxRecordSize() + ")");
        }
        var crc = new CRC32C();
        crc.update(record);
        appendLock.lock();
        try {
            if (closed) throw new IllegalStateException("journal " + directory + " is closed");
            Segment tail = segments.getLast();
            if (tail.capacity() - tail.end < Segment.FRAME + record.length) {
                startSegment();
                tail = segments.getLast();
            }
            long sequence = nextSequence;
            tail.append(sequence, record, Segment.seal(crc, record.length, sequence));
            nextSequence = sequence + 1;
            return sequence;
        } catch (IOException e) {
            throw new UncheckedIOException("journal " + directory + ": cannot start a segment", e);
        } finally {
            appendLock.unlock();
        }
    }

    /** Starts a segment at the next sequence; under the append lock (or before the journal is shared). */
    private void startSegment() throws IOException {
        // File channels give up when their thread is interrupted; an append must not.
        boolean interrupted = Thread.interrupted();
        try {
            segments.add(Segment.create(directory, nextSequence, options.segmentSize()));
            directoryChanged = true;
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * Yields, in order, the records recovered at open whose sequence is above the checkpoint, and
     * returns how many. See the class comment for when to call it.
     */
    public long replay(BiConsumer<Long, byte[]> consumer) {
        List<Segment> snapshot;
        appendLock.lock();
        try {
            if (closed) throw new IllegalStateException("journal " + directory + " is closed");
            snapshot = List.copyOf(segments);
        } finally {
            appendLock.unlock();
        }
        long from = checkpointed;
        long[] count = {0};
        for (int i = 0; i < snapshot.size(); i++) {
            if (i + 1 < snapshot.size() && snapshot.get(i + 1).first <= from + 1) continue; // all checkpointed
            snapshot.get(i).read(recovered, (sequence, record) -> {
                if (sequence > from) {
                    consumer.accept(sequence, record);
                    count[0]++;
                }
            });
        }
        return count[0];
    }

    /**
     * Records that every record up to and including {@code sequence} is applied durably elsewhere:
     * they are never replayed again, and segments holding only such records are deleted. Persisted
     * before it returns. A sequence at or below the current checkpoint changes nothing.
     *
     * @throws IllegalArgumentException if {@code sequence} was not handed out yet
     */
    public void checkpoint(long sequence) throws IOException {
        syncLock.lock();
        try {
            if (closed) throw new IllegalStateException("journal " + directory + " is closed");
            if (sequence <= checkpointed) return;
            long last = lastSequence();
            if (sequence > last) {
                throw new IllegalArgumentException(
                        "cannot checkpoint " + sequence + ": the last record appended is " + last);
            }
            CheckpointFile.write(directory, sequence);
            checkpointed = sequence;
            List<Segment> applied = new ArrayList<>();
            appendLock.lock();
            try {
                // A segment's records end where the next segment's begin; the last segment stays.
                while (segments.size() > 1 && segments.get(1).first - 1 <= sequence) {
                    applied.add(segments.removeFirst());
                }
            } finally {
                appendLock.unlock();
            }
            for (Segment segment : applied) Files.deleteIfExists(segment.path);
        } finally {
            syncLock.unlock();
        }
    }

    /** Forces every record appended so far to the disk, with the files' metadata. */
    public void sync() throws IOException {
        if (closed) throw new IllegalStateException("journal " + directory + " is closed");
        forceAll();
    }

    private void backgroundSync() {
        try {
            forceAll();
        } catch (IOException | RuntimeException e) {
            log.error("Journal {}: forcing appended records to the disk failed", directory, e);
        }
    }

    private void forceAll() throws IOException {
        syncLock.lock();
        try {
            List<Segment> toForce = new ArrayList<>();
            List<Integer> ends = new ArrayList<>();
            boolean forceDirectory;
            appendLock.lock();
            try {
                for (Segment segment : segments) {
                    if (segment.syncedTo < segment.end || segment.created) {
                        toForce.add(segment);
                        ends.add(segment.end);
                    }
                }
                forceDirectory = directoryChanged;
                directoryChanged = false;
            } finally {
                appendLock.unlock();
            }
            // Outside the append lock: appends go on while the disk works.
            for (int i = 0; i < toForce.size(); i++) {
                Segment segment = toForce.get(i);
                segment.force(segment.syncedTo, ends.get(i));
                segment.syncedTo = ends.get(i);
            }
            if (forceDirectory) CheckpointFile.forceDirectory(directory);
        } finally {
            syncLock.unlock();
        }
    }

    /** The sequence of the last record appended (or recovered), 0 if there was never one. */
    public long lastSequence() {
        appendLock.lock();
        try {
            return nextSequence - 1;
        } finally {
            appendLock.unlock();
        }
    }

    /** The last checkpointed sequence, 0 if none. */
    public long checkpointed() {
        return checkpointed;
    }

    /**
     * How many sequences are above the checkpoint: the records appended or recovered and not
     * checkpointed yet (fewer if recovery found some lost, as it logs).
     */
    public long pending() {
        return lastSequence() - checkpointed;
    }

    /** Syncs, stops the background sync and releases the directory. Idempotent. */
    @Override
    public void close() throws IOException {
        appendLock.lock();
        try {
            if (closed) return;
            closed = true;
        } finally {
            appendLock.unlock();
        }
        if (syncer != null) {
            syncer.shutdown(); // not shutdownNow: interrupting a force would close its channel
            try {
                syncer.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (lock) {
            forceAll();
        }
    }

    @Override
    public String toString() {
        return "Journal[" + directory + "]";
    }
}
