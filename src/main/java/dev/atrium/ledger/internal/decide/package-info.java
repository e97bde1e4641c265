/**
 * How the ledger decides a hold and its settlement: {@link dev.atrium.ledger.internal.decide.Rules},
 * a pure function of an operation and the state it may touch, called by every path (combined
 * batches, a caller's own transaction, the sweeper, leases). No database, no Spring.
 */
@NullMarked
package dev.atrium.ledger.internal.decide;

import org.jspecify.annotations.NullMarked;
