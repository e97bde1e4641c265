package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonValue;

/** Identifier of a key (`key_…`). */
public record KeyId(@JsonValue String value) implements java.io.Serializable {
    public static final String PREFIX = "key_";

    public KeyId {
        Ids.require(value, PREFIX);
    }

    /** A fresh id. */
    public static KeyId next() {
        return new KeyId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is treated as unknown (404). */
    public static KeyId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) {
            throw ApiException.notFound("key");
        }
        return new KeyId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
