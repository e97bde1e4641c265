package dev.atrium.history.internal;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes the blobs that erased media rows no longer reference. Two rows (even of different
 * workspaces) may share a blob, so a queued hash is deleted only when, holding the blob's lock,
 * no row references it any more; a writer of the same bytes takes the same lock before it looks
 * for the blob, so it either committed its row first (the blob stays) or comes after the deletion
 * (and writes the blob again). Safe on several nodes at once.
 */
@Component
public class BlobSweeper {
    private static final Logger log = LoggerFactory.getLogger(BlobSweeper.class);
    private static final int BATCH = 50;
    private final MediaFiles media;
    private final BlobStore blobs;
    private final TransactionTemplate tx;

    BlobSweeper(MediaFiles media, BlobStore blobs, PlatformTransactionManager transactions) {
        this.media = media;
        this.blobs = blobs;
        this.tx = new TransactionTemplate(transactions);
        this.tx.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * Sweeps once the current transaction (which queued hashes) commits, or now without one. A
     * failure is logged and left queued for the next periodic sweep; it never fails the caller.
     */
    public void sweepAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    sweepQuietly();
                }
            });
        } else {
            sweepQuietly();
        }
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn("media blob sweep failed; queued blobs are retried at the next sweep", e);
        }
    }

    /** Processes the whole queue; returns the blobs deleted. */
    public int sweep() {
        int deleted = 0;
        while (true) {
            int[] batch = tx.execute(s -> {
                var hashes = media.claimSweeps(BATCH);
                int gone = 0;
                for (String hash : hashes) {
                    media.lockBlob(hash);
                    if (!media.referenced(hash)) {
                        try {
                            blobs.delete(hash);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        gone++;
                    }
                    media.unqueue(hash);
                }
                return new int[] {hashes.size(), gone};
            });
            if (batch == null || batch[0] == 0) return deleted;
            deleted += batch[1];
            if (batch[0] < BATCH) return deleted;
        }
    }
}
