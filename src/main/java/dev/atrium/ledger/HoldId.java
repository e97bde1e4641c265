package dev.atrium.ledger;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;

/** Identifier of a hold (`hold_…`). */
public record HoldId(@JsonValue String value) {
    public static final String PREFIX = "hold_";

    public HoldId {
        Ids.require(value, PREFIX);
    }

    public static HoldId next() {
        return new HoldId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is treated as unknown (404). */
    public static HoldId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) throw ApiException.notFound("hold");
        return new HoldId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
