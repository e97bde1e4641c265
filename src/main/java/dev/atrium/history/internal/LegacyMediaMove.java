package dev.atrium.history.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moves media written before the blob store (bytes in the row, V11) into the blob store once, at
 * start; until a row is moved the media endpoint serves it from the row. Several nodes share the
 * work (rows are claimed with SKIP LOCKED).
 */
@Component
class LegacyMediaMove {
    private static final Logger log = LoggerFactory.getLogger(LegacyMediaMove.class);
    private final MediaFiles media;
    private final BlobStore blobs;
    private final TransactionTemplate tx;

    LegacyMediaMove(MediaFiles media, BlobStore blobs, PlatformTransactionManager transactions) {
        this.media = media;
        this.blobs = blobs;
        this.tx = new TransactionTemplate(transactions);
    }

    @EventListener(ApplicationReadyEvent.class)
    void onStart() {
        try {
            int moved = moveAll();
            if (moved > 0) log.info("moved {} media files from the database into {}", moved, blobs.describe());
        } catch (RuntimeException e) {
            log.warn("could not move media from the database to the blob store; they are served from the database", e);
        }
    }

    int moveAll() {
        int total = 0;
        while (true) {
            Integer moved = tx.execute(s -> {
                var rows = media.claimLegacy(20);
                for (var row : rows) {
                    media.lockBlob(row.hash());
                    try {
                        blobs.put(row.hash(), row.bytes());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    media.dropLegacyBytes(row.org(), row.ws(), row.id());
                }
                return rows.size();
            });
            if (moved == null || moved == 0) return total;
            total += moved;
        }
    }
}
