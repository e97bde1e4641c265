package dev.atrium.gateway.settle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's checkpoint: one decimal sequence number in the file {@code checkpoint}, replaced
 * atomically (written to a temporary file, forced, renamed over the old one, directory forced), so
 * it is always either the old number or the new one.
 */
final class CheckpointFile {
    private static final Logger log = LoggerFactory.getLogger(CheckpointFile.class);
    static final String NAME = "checkpoint";

    private CheckpointFile() {}

    /** The stored checkpoint, 0 when there is none. */
    static long read(Path directory) throws IOException {
        Path file = directory.resolve(NAME);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return 0;
        }
        try {
            long sequence = Long.parseLong(text);
            if (sequence >= 0) return sequence;
        } catch (NumberFormatException e) {
            // reported below
        }
        // Cannot happen through write(); should it anyway, replaying too much is the safe side.
        log.warn("Journal checkpoint {} holds '{}', not a sequence number: replaying from the start", file, text);
        return 0;
    }

    static void write(Path directory, long sequence) throws IOException {
        Path temporary = directory.resolve(NAME + ".tmp");
        try (var channel = FileChannel.open(
                temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            var bytes = ByteBuffer.wrap((sequence + "\n").getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) channel.write(bytes);
            channel.force(true);
        }
        Files.move(temporary, directory.resolve(NAME), StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(directory);
    }

    /** Makes the directory's entries (files created, renamed) durable. */
    static void forceDirectory(Path directory) throws IOException {
        try (var channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
