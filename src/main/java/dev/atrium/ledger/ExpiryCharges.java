package dev.atrium.ledger;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;

/**
 * Told, in the sweeper's transaction, when an expired hold is captured for the progress its caller
 * recorded ({@link Ledger#recordProgress}) rather than voided: both commit, or neither. The gateway
 * writes the operation's usage event here.
 */
@FunctionalInterface
public interface ExpiryCharges {
    void charged(OrgId org, Hold hold, Credits charged, String detail);
}
