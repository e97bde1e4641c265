package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonValue;

/** Identifier of a audit-event (`aud_…`). */
public record AuditEventId(@JsonValue String value) {
    public static final String PREFIX = "aud_";

    public AuditEventId {
        Ids.require(value, PREFIX);
    }

    /** A fresh id. */
    public static AuditEventId next() {
        return new AuditEventId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is treated as unknown (404). */
    public static AuditEventId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) {
            throw ApiException.notFound("audit-event");
        }
        return new AuditEventId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
