/** History persistence: SQL over conversations, messages and activities, always scoped by organization and workspace. */
@NullMarked
package dev.atrium.history.internal;

import org.jspecify.annotations.NullMarked;
