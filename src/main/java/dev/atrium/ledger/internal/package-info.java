/** Ledger's internal parts; not part of its public API. */
@NullMarked
package dev.atrium.ledger.internal;

import org.jspecify.annotations.NullMarked;
