/** The outbox's SQL, the templates, the recipients of each kind of message and the background sender. */
@NullMarked
package dev.atrium.mail.internal;

import org.jspecify.annotations.NullMarked;
