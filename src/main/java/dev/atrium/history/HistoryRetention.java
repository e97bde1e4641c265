package dev.atrium.history;

import dev.atrium.history.internal.Conversations;
import dev.atrium.workspace.Retention;
import dev.atrium.workspace.WorkspaceService;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Service;

/**
 * Enforces each workspace's {@code retention_days}: conversations untouched for longer (with their
 * messages) and older activities are erased. Deletes are idempotent, so several nodes may sweep at
 * once. Usage events and ledger entries are billing records and are never swept.
 */
@Service
public class HistoryRetention {
    private final WorkspaceService workspaces;
    private final Conversations conversations;

    HistoryRetention(WorkspaceService workspaces, Conversations conversations) {
        this.workspaces = workspaces;
        this.conversations = conversations;
    }

    /** Sweeps every workspace with a retention policy as of {@code now}; returns the rows erased. */
    public long sweep(Instant now) {
        long erased = 0;
        for (Retention r : workspaces.retentions()) {
            erased += conversations.eraseBefore(r.org(), r.workspace(), now.minus(Duration.ofDays(r.days())));
        }
        return erased;
    }
}
