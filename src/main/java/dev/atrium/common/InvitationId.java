package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonValue;

/** Identifier of a invitation (`inv_…`). */
public record InvitationId(@JsonValue String value) {
    public static final String PREFIX = "inv_";

    public InvitationId {
        Ids.require(value, PREFIX);
    }

    /** A fresh id. */
    public static InvitationId next() {
        return new InvitationId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is treated as unknown (404). */
    public static InvitationId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) {
            throw ApiException.notFound("invitation");
        }
        return new InvitationId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
