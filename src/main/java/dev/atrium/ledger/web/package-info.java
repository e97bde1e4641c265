/** Ledger's web parts; not part of its public API. */
@NullMarked
package dev.atrium.ledger.web;

import org.jspecify.annotations.NullMarked;
