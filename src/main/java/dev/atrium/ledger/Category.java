package dev.atrium.ledger;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What credits are spent on: chatbot, or image and speech (text-to-speech and transcription). */
public enum Category {
    CHAT,
    IMAGE,
    SPEECH;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Category parse(String value) {
        for (Category c : values()) {
            if (c.wire().equals(value)) return c;
        }
        throw new IllegalArgumentException("category must be one of chat, image, speech");
    }
}
