package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonValue;

/** Identifier of a organization (`org_…`). */
public record OrgId(@JsonValue String value) implements java.io.Serializable {
    public static final String PREFIX = "org_";

    public OrgId {
        Ids.require(value, PREFIX);
    }

    /** A fresh id. */
    public static OrgId next() {
        return new OrgId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is treated as unknown (404). */
    public static OrgId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) {
            throw ApiException.notFound("organization");
        }
        return new OrgId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
