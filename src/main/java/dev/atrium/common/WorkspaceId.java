package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonValue;

/** Identifier of a workspace (`ws_…`). */
public record WorkspaceId(@JsonValue String value) implements java.io.Serializable {
    public static final String PREFIX = "ws_";

    public WorkspaceId {
        Ids.require(value, PREFIX);
    }

    /** A fresh id. */
    public static WorkspaceId next() {
        return new WorkspaceId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is treated as unknown (404). */
    public static WorkspaceId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) {
            throw ApiException.notFound("workspace");
        }
        return new WorkspaceId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
