/** Email: an outbox of invitations, alerts and sign-in notices in PostgreSQL, sent over SMTP in the background. */
@NullMarked
package dev.atrium.mail;

import org.jspecify.annotations.NullMarked;
