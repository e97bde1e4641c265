/** Audit: the append-only record of every administrative action, per organization. */
@NullMarked
package dev.atrium.audit;

import org.jspecify.annotations.NullMarked;
