package dev.atrium.mail.internal;

import org.jspecify.annotations.Nullable;

/** A message ready to queue: its subject, plain text, and HTML alternative (null when there is no HTML template). */
public record Rendered(
        String subject, String text, @Nullable String html) {}
