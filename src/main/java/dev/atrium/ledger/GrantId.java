package dev.atrium.ledger;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;

/** Identifier of a grant (`grt_…`). */
public record GrantId(@JsonValue String value) {
    public static final String PREFIX = "grt_";

    public GrantId {
        Ids.require(value, PREFIX);
    }

    public static GrantId next() {
        return new GrantId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is treated as unknown (404). */
    public static GrantId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) throw ApiException.notFound("grant");
        return new GrantId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
