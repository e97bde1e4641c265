package dev.atrium.history;

/** One message of a chat transcript as history keeps it: the role and its text. */
public record ChatMessage(String role, String content) {}
