package dev.atrium.history.internal;

import dev.atrium.workspace.WorkspaceDeleted;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * A deleted workspace's history is erased inside the deleting transaction: it is gone exactly when
 * the workspace is. Its media rows go with it; their blobs are deleted once that transaction has
 * committed (queued in it, so a crash in between leaves the deletion to the next sweep). Usage
 * events and ledger entries are billing records and stay.
 */
@Component
class HistoryErasure {
    private final Conversations conversations;
    private final MediaFiles media;
    private final BlobSweeper sweeper;

    HistoryErasure(Conversations conversations, MediaFiles media, BlobSweeper sweeper) {
        this.conversations = conversations;
        this.media = media;
        this.sweeper = sweeper;
    }

    @EventListener
    void on(WorkspaceDeleted event) {
        conversations.eraseWorkspace(event.org(), event.workspace());
        media.eraseWorkspace(event.org(), event.workspace());
        sweeper.sweepAfterCommit();
    }
}
