package dev.atrium.common;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.exc.MismatchedInputException;

/** Reads an {@link Amount} field: a JSON string in the strict amount spelling, nothing else. */
final class AmountDeserializer extends ValueDeserializer<String> {

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) {
        String field = p.currentName() == null ? "amount" : p.currentName();
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw new InvalidAmount(p, field, null);
        }
        String text = p.getString();
        String problem = AmountFormat.problem(text, field);
        if (problem != null) throw new InvalidAmount(p, field, text);
        return text;
    }

    /** An amount that is not one; the problem handler answers 422 naming the field. */
    static final class InvalidAmount extends MismatchedInputException {
        private static final long serialVersionUID = 1L;
        private final @Nullable String text;

        InvalidAmount(JsonParser p, String field, @Nullable String text) {
            super(p, messageFor(field, text), String.class);
            this.text = text;
        }

        /** The message for the field at {@code path} (the parser knew only the last name). */
        String messageFor(String path) {
            return messageFor(path, text);
        }

        private static String messageFor(String field, @Nullable String text) {
            if (text == null) return AmountFormat.notAString(field);
            String problem = AmountFormat.problem(text, field);
            return problem == null ? field + " is not an amount." : problem;
        }
    }
}
