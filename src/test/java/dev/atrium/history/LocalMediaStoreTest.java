package dev.atrium.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.DataDirectory;
import dev.atrium.history.internal.BlobStore;
import dev.atrium.support.IntegrationTest;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
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

    @Autowired
    MediaStore media;

    @Autowired
    dev.atrium.history.internal.MediaFiles files;

    @Autowired
    dev.atrium.history.internal.BlobSweeper sweeper;

    @Autowired
    org.springframework.transaction.PlatformTransactionManager transactions;

    /**
     * Writers of the same bytes race an eraser of their rows and its sweeper: whatever the
     * interleaving, every row that remains has its blob (the writer and the sweeper serialize on
     * the blob's lock).
     */
    @Test
    void writersAndTheSweeperRacingOnOneBlobNeverLeaveARowWithoutItsBlob() throws Exception {
        var o = org("Race");
        var org = new dev.atrium.common.OrgId(o.tenant().orgId());
        var ws = new dev.atrium.common.WorkspaceId(fixtures.workspace(o.tenant(), "Race"));
        byte[] bytes = new byte[8192];
        new java.util.Random(11).nextBytes(bytes);
        String hash = BlobStore.sha256(bytes);
        var tx = new org.springframework.transaction.support.TransactionTemplate(transactions);
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(3);
        try {
            var writers = new java.util.ArrayList<java.util.concurrent.Future<?>>();
            for (int w = 0; w < 2; w++) {
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 150; i++) media.put(org, ws, "image/png", bytes);
                }));
            }
            var eraser = pool.submit(() -> {
                while (!stop.get()) {
                    tx.executeWithoutResult(s -> {
                        files.eraseWorkspace(org, ws);
                        sweeper.sweepAfterCommit();
                    });
                }
            });
            for (var w : writers) w.get(2, java.util.concurrent.TimeUnit.MINUTES);
            stop.set(true);
            eraser.get(1, java.util.concurrent.TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        for (int round = 0; round < 3; round++) {
            media.put(org, ws, "image/png", bytes);
            long rows = count("media", org.value(), ws.value());
            assertThat(rows).isPositive();
            assertThat(stored(hash)).as("a row references the blob").isTrue();
            tx.executeWithoutResult(s -> {
                files.eraseWorkspace(org, ws);
                sweeper.sweepAfterCommit();
            });
            assertThat(stored(hash)).isFalse();
        }
    }
}
