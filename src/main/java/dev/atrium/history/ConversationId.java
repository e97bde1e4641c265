package dev.atrium.history;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;

/** Identifier of a conversation ({@code cnv_…}). */
public record ConversationId(@JsonValue String value) {
    public static final String PREFIX = "cnv_";

    public ConversationId {
        Ids.require(value, PREFIX);
    }

    public static ConversationId next() {
        return new ConversationId(Ids.next(PREFIX));
    }

    /** Parses an id received from a client; a malformed one is unknown (404). */
    public static ConversationId parse(String value) {
        if (!Ids.isValid(value, PREFIX)) throw ApiException.notFound("conversation");
        return new ConversationId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
