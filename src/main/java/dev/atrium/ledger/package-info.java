/** Ledger: the organization's credits — grants, pool, workspace budgets, holds, spending limits — exact under any concurrency. */
@NullMarked
package dev.atrium.ledger;

import org.jspecify.annotations.NullMarked;
