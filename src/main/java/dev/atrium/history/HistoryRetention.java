package dev.atrium.history;

import dev.atrium.history.internal.BlobSweeper;
import dev.atrium.history.internal.Conversations;
import dev.atrium.history.internal.MediaFiles;
import dev.atrium.workspace.Retention;
import dev.atrium.workspace.WorkspaceService;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Service;

/**
 * Enforces each workspace's {@code retention_days}: conversations untouched for longer (with their
 * messages), older activities and older media (rows, then their blobs once no row references
 * them) are erased. Deletes are idempotent, so several nodes may sweep at once. Usage events and
 * ledger entries are billing records and are never swept.
 */
@Service
public class HistoryRetention {
    private final WorkspaceService workspaces;
    private final Conversations conversations;
    private final MediaFiles media;
    private final BlobSweeper sweeper;

    HistoryRetention(WorkspaceService workspaces, Conversations conversations, MediaFiles media, BlobSweeper sweeper) {
        this.workspaces = workspaces;
        this.conversations = conversations;
        this.media = media;
        this.sweeper = sweeper;
    }

    /** Sweeps every workspace with a retention policy as of {@code now}; returns the rows erased. */
    public long sweep(Instant now) {
        long erased = 0;
        for (Retention r : workspaces.retentions()) {
            Instant cutoff = now.minus(Duration.ofDays(r.days()));
            erased += conversations.eraseBefore(r.org(), r.workspace(), cutoff);
            erased += media.eraseBefore(r.org(), r.workspace(), cutoff);
        }
        // Also finishes blob deletions an earlier erasure queued but could not complete.
        sweeper.sweep();
        return erased;
    }
}
