package dev.atrium.pricing;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/**
 * What a model does, which decides how it is priced: {@code chat} per 1M input and output tokens,
 * {@code image} per image by size and quality, {@code speech} (text to speech) per 1,000 characters,
 * {@code transcription} per minute of audio, {@code embedding} per 1M input tokens.
 */
public enum ModelKind {
    CHAT,
    IMAGE,
    SPEECH,
    TRANSCRIPTION,
    EMBEDDING;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The spending category of reports and the ledger (docs/domain.md, categories): {@code chat}, or {@code image} and
     * {@code speech}, under which transcription is counted too. Embeddings are token-priced text
     * operations and count as {@code chat}, so that a report's image &amp; speech and chatbot columns
     * still add up to its total.
     */
    public String category() {
        return switch (this) {
            case CHAT, EMBEDDING -> "chat";
            case IMAGE -> "image";
            case SPEECH, TRANSCRIPTION -> "speech";
        };
    }

    public static Optional<ModelKind> parse(String value) {
        for (ModelKind kind : values()) {
            if (kind.wire().equals(value)) return Optional.of(kind);
        }
        return Optional.empty();
    }
}
