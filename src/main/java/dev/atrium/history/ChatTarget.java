package dev.atrium.history;

/**
 * The conversation a chat turn goes to, decided before the provider is called (so a streamed
 * response can name it in its headers): an existing one, or a new one with a reserved id.
 * {@code stored} is how many of the request's messages the conversation already holds.
 */
public record ChatTarget(ConversationId id, boolean existing, int stored) {}
