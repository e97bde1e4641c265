package dev.atrium.history;

/**
 * One message of a chat transcript as history keeps it: the role and its text. PostgreSQL text
 * cannot hold a NUL character, so history keeps each as the visible symbol for null (U+2400);
 * what the provider receives is the client's text unchanged.
 */
public record ChatMessage(String role, String content) {
    public static final char NUL_SYMBOL = '\u2400';

    public ChatMessage {
        role = storable(role);
        content = storable(content);
    }

    /** {@code text} with each NUL replaced by the symbol for null. */
    public static String storable(String text) {
        return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', NUL_SYMBOL);
    }
}
