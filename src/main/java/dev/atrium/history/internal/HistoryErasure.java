package dev.atrium.history.internal;

import dev.atrium.workspace.WorkspaceDeleted;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * A deleted workspace's history is erased inside the deleting transaction: it is gone exactly when
 * the workspace is. Usage events and ledger entries are billing records and stay.
 */
@Component
class HistoryErasure {
    private final Conversations conversations;

    HistoryErasure(Conversations conversations) {
        this.conversations = conversations;
    }

    @EventListener
    void on(WorkspaceDeleted event) {
        conversations.eraseWorkspace(event.org(), event.workspace());
    }
}
