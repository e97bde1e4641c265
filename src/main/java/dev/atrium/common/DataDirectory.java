package dev.atrium.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** The server's own directory ({@code atrium.data-dir}, default {@code ./data}): embedded database, setup token, media. */
@Component
public class DataDirectory {
    private final Path root;

    public DataDirectory(@Value("${atrium.data-dir:./data}") String root) {
        this.root = Path.of(root).toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create data directory " + this.root, e);
        }
    }

    public Path root() {
        return root;
    }

    public Path resolve(String name) {
        return root.resolve(name);
    }
}
