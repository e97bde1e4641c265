package dev.atrium.ledger;

import dev.atrium.ledger.internal.CreditMoves;
import dev.atrium.support.Fixtures;
import org.springframework.beans.factory.annotation.Autowired;

/** The beans most ledger tests drive: tenants, the ledger, credit administration and reports. */
abstract class LedgerTestBase {
    @Autowired
    protected Fixtures fixtures;

    @Autowired
    protected Ledger ledger;

    @Autowired
    protected CreditMoves admin;

    @Autowired
    protected CreditReports reports;
}
