package dev.atrium.ledger.internal;

import dev.atrium.ledger.Actor;
import org.jspecify.annotations.Nullable;

/** The references a transfer carries: what caused it and on whose behalf. */
public record Posting(
        String kind,
        @Nullable String workspaceId,
        @Nullable String holdId,
        @Nullable String grantId,
        @Nullable String userId,
        Actor actor,
        @Nullable String note) {

    public static Posting of(String kind, Actor actor) {
        return new Posting(kind, null, null, null, null, actor, null);
    }

    public Posting workspace(@Nullable String ws) {
        return new Posting(kind, ws, holdId, grantId, userId, actor, note);
    }

    public Posting hold(String hold) {
        return new Posting(kind, workspaceId, hold, grantId, userId, actor, note);
    }

    public Posting grant(String grant) {
        return new Posting(kind, workspaceId, holdId, grant, userId, actor, note);
    }

    public Posting user(@Nullable String user) {
        return new Posting(kind, workspaceId, holdId, grantId, user, actor, note);
    }

    public Posting note(@Nullable String text) {
        return new Posting(kind, workspaceId, holdId, grantId, userId, actor, text);
    }

    public Posting kind(String k) {
        return new Posting(k, workspaceId, holdId, grantId, userId, actor, note);
    }
}
