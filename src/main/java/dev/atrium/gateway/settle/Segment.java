package dev.atrium.gateway.settle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * One segment file of a {@link Journal}, mapped in memory whole: a 16-byte header, then frames
 * holding consecutive sequence numbers from the segment's first, which also names the file. The
 * format is described on {@link Journal}. Not thread-safe by itself: the journal's locks guard
 * {@link #end} (append lock) and {@link #syncedTo} (sync lock); reads and writes of the mapping
 * use absolute offsets only, so readers never disturb the writer. The file is unmapped when the
 * segment is collected, so a segment deleted while a replay still reads it stays readable.
 */
final class Segment {
    static final int HEADER = 16;
    static final int FRAME = 16;
    private static final int MAGIC = 0x41544A31; // "ATJ1"
    private static final int VERSION = 1;
    private static final Pattern NAME = Pattern.compile("segment-(\\d{20})\\.log");
    private static final int PAGE = 4096;
    private static final byte[] ZEROS = new byte[PAGE];
    private static final ByteBuffer ZERO_PAGE = ByteBuffer.wrap(ZEROS).asReadOnlyBuffer();

    final Path path;
    final long first;
    private final MappedByteBuffer map;
    /** Offset after the last record: where the next one goes. */
    int end = HEADER;
    /** Sequence of the last record, {@code first - 1} when there is none. */
    long last;
    /** Offset up to which the mapping has been forced to the device. */
    int syncedTo = 0;
    /** Whether the file's size and directory entry have been forced since it was created. */
    boolean created;

    private Segment(Path path, long first, MappedByteBuffer map) {
        this.path = path;
        this.first = first;
        this.map = map;
        this.last = first - 1;
    }

    static String fileName(long first) {
        return "segment-%020d.log".formatted(first);
    }

    /** The first sequence a segment file's name announces, or -1 if the name is not a segment's. */
    static long firstOf(Path file) {
        var m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Creates a zero-filled segment of {@code size} bytes whose first record will be {@code first}.
     * The mapping outlives the channel, which is closed at once: no open channel for an interrupt to
     * close later (a channel used by an interrupted thread closes itself).
     */
    static Segment create(Path directory, long first, int size) throws IOException {
        Path path = directory.resolve(fileName(first));
        var channel = FileChannel.open(
                path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try (channel) {
            // Mapping past the end extends the file (sparse: blocks are allocated as pages are written).
            var map = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
            map.putInt(0, MAGIC).putInt(4, VERSION).putLong(8, first);
            var segment = new Segment(path, first, map);
            segment.created = true;
            return segment;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(path); // the file this call created
            throw e;
        }
    }

    /** Maps an existing segment file; null if its header is not a valid one for its name. */
    static @Nullable Segment open(Path path) throws IOException {
        long first = firstOf(path);
        try (var channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (size < HEADER || size > Integer.MAX_VALUE) return null;
            var map = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
            boolean valid = map.getInt(0) == MAGIC && map.getInt(4) == VERSION && map.getLong(8) == first;
            return valid ? new Segment(path, first, map) : null;
        }
    }

    int capacity() {
        return map.capacity();
    }

    /** Writes a frame at {@link #end}; the caller checked that it fits. */
    void append(long sequence, byte[] record, int checksum) {
        map.putInt(end, record.length).putInt(end + 4, checksum).putLong(end + 8, sequence);
        map.put(end + FRAME, record);
        end += FRAME + record.length;
        last = sequence;
    }

    /** Where {@link #read} stopped: after the last valid record, and why if not at a clean end. */
    record Extent(int end, long last, @Nullable String damage) {}

    /**
     * Reads the records from the start up to sequence {@code upTo}, each checked, handing each to
     * {@code sink} if there is one. Stops at a zero frame header (nothing written there yet), at
     * {@code upTo}, or at the first frame that is not valid (torn or corrupt), whose reason is then
     * given: the length of such a frame cannot be trusted, so nothing after it is read.
     */
    Extent read(long upTo, @Nullable BiConsumer<Long, byte[]> sink) {
        int pos = HEADER;
        long expected = first;
        while (expected <= upTo && map.capacity() - pos >= FRAME) {
            int length = map.getInt(pos);
            int checksum = map.getInt(pos + 4);
            long sequence = map.getLong(pos + 8);
            if (length == 0 && checksum == 0 && sequence == 0) break;
            String damage = null;
            if (sequence != expected) {
                damage = "sequence " + sequence + " where " + expected + " belongs";
            } else if (length < 0 || length > map.capacity() - pos - FRAME) {
                damage = "length " + length + " past the end of the segment";
            } else if (checksum(map.slice(pos + FRAME, length), length, sequence) != checksum) {
                damage = "checksum mismatch";
            }
            if (damage != null) return new Extent(pos, expected - 1, damage + " at offset " + pos);
            if (sink != null) {
                byte[] record = new byte[length];
                map.get(pos + FRAME, record);
                sink.accept(sequence, record);
            }
            pos += FRAME + length;
            expected++;
        }
        return new Extent(pos, expected - 1, null);
    }

    /**
     * Zeroes every byte from {@code from} to the end that is not zero already (only the pages that
     * hold some, so the sparse rest stays unallocated), and returns how many bytes it cleared.
     */
    long clearFrom(int from) {
        long cleared = 0;
        for (int at = from; at < map.capacity(); ) {
            int upTo = Math.min(map.capacity(), (at / PAGE + 1) * PAGE);
            int length = upTo - at;
            if (map.slice(at, length).mismatch(ZERO_PAGE.slice(0, length)) >= 0) {
                map.put(at, ZEROS, 0, length);
                cleared += length;
            }
            at = upTo;
        }
        return cleared;
    }

    /** Forces bytes {@code [from, to)} of the mapping, and the first time the file's metadata. */
    void force(int from, int to) throws IOException {
        if (to > from) map.force(from, to - from);
        if (created) {
            try (var channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            created = false;
        }
    }

    /** The checksum of a record: CRC32C over its bytes, then its length and sequence (big-endian). */
    static int checksum(ByteBuffer record, int length, long sequence) {
        var crc = new CRC32C();
        crc.update(record);
        return seal(crc, length, sequence);
    }

    /**
     * Completes a checksum begun over a record's bytes. The bytes come first so that an append can
     * checksum them before it takes the lock that hands out the sequence number.
     */
    static int seal(CRC32C crc, int length, long sequence) {
        for (int shift = 24; shift >= 0; shift -= 8) crc.update(length >>> shift);
        for (int shift = 56; shift >= 0; shift -= 8) crc.update((int) (sequence >>> shift));
        return (int) crc.getValue();
    }
}
