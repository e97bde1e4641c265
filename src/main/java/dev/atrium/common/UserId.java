package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonValue;

/** Identifier of a user (`usr_…`). */
public record UserId(@JsonValue String value) implements java.io.Serializable {
    public static final String PREFIX = "usr_";

    public UserId {
        Ids.require(value, PREFIX);
    }

    /** A fresh id. */
    public static UserId next() {
        return new UserId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is treated as unknown (404). */
    public static UserId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) {
            throw ApiException.notFound("user");
        }
        return new UserId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
