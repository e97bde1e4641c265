package dev.atrium.ledger.internal;

import dev.atrium.organization.OrganizationCreated;
import dev.atrium.workspace.WorkspaceDeleted;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Keeps the ledger in step with organizations and workspaces, inside their transactions. */
@Component
class LedgerEvents {
    private final CreditMoves credits;

    LedgerEvents(CreditMoves credits) {
        this.credits = credits;
    }

    @EventListener
    void on(OrganizationCreated event) {
        credits.open(event.org());
    }

    @EventListener
    void on(WorkspaceDeleted event) {
        credits.returnBudget(event.org(), event.workspace());
    }
}
