package dev.atrium.history.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Blobs as files under one directory ({@code <data-dir>/media} by default). A blob is written to a
 * temporary file and moved into place, so a reader never sees half a file.
 */
public final class LocalBlobStore implements BlobStore {
    private final Path root;

    public LocalBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root);
    }

    public Path path(String hash) {
        return root.resolve(BlobStore.key(hash));
    }

    @Override
    public void put(String hash, byte[] bytes) throws IOException {
        Path target = path(hash);
        if (Files.isRegularFile(target) && Files.size(target) == bytes.length) return;
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".upload-", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public Optional<InputStream> open(String hash) throws IOException {
        try {
            return Optional.of(Files.newInputStream(path(hash)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean exists(String hash) {
        return Files.isRegularFile(path(hash));
    }

    @Override
    public void delete(String hash) throws IOException {
        Files.deleteIfExists(path(hash));
    }

    @Override
    public String describe() {
        return "directory " + root;
    }
}
