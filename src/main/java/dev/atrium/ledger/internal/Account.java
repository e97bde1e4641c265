package dev.atrium.ledger.internal;

import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Category;
import org.jspecify.annotations.Nullable;

/** A ledger account of one organization, named by a stable id (see V5__ledger_core.sql). */
public record Account(
        String id,
        String kind,
        @Nullable String workspaceId,
        @Nullable String category) {
    public static final Account GRANTS = new Account("grants", "grants", null, null);
    public static final Account POOL = new Account("pool", "pool", null, null);
    public static final Account EXPIRED = new Account("expired", "expired", null, null);

    public static Account budget(WorkspaceId ws) {
        return new Account("budget:" + ws.value(), "budget", ws.value(), null);
    }

    public static Account held(WorkspaceId ws) {
        return new Account("held:" + ws.value(), "held", ws.value(), null);
    }

    public static Account spent(WorkspaceId ws, Category category) {
        return new Account("spent:" + ws.value() + ":" + category.wire(), "spent", ws.value(), category.wire());
    }

    /** Rebuilds an account from its id. */
    public static Account of(String id) {
        if (id.equals("grants")) return GRANTS;
        if (id.equals("pool")) return POOL;
        if (id.equals("expired")) return EXPIRED;
        String[] parts = id.split(":");
        return switch (parts[0]) {
            case "budget" -> budget(new WorkspaceId(parts[1]));
            case "held" -> held(new WorkspaceId(parts[1]));
            case "spent" -> spent(new WorkspaceId(parts[1]), Category.parse(parts[2]));
            default -> throw new IllegalArgumentException("unknown account " + id);
        };
    }
}
