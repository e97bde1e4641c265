package dev.atrium.history;

import dev.atrium.common.DataDirectory;
import dev.atrium.history.internal.BlobStore;
import dev.atrium.support.IntegrationTest;
import java.nio.file.Files;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/** The default media store: files under {@code <data-dir>/media/sha256/xx/<hash>}. */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class LocalMediaStoreTest extends MediaStorageScenarios {
    @Autowired
    DataDirectory data;

    @Override
    boolean stored(String hash) {
        return Files.isRegularFile(data.resolve("media").resolve(BlobStore.key(hash)));
    }
}
