package dev.atrium.ledger;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.Book;
import dev.atrium.ledger.internal.FundingRows;
import dev.atrium.ledger.internal.SpendCounters;
import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * How much one hold could reserve right now: what the funding source holds (the budget, or the
 * pool; with overflow, whichever of the two is larger, since a hold has one source), within what
 * is left of the workspace's and the member's spend limits for the current period. Read without
 * locks: a hold of this amount may still be refused by a concurrent one ({@link Ledger#hold} decides).
 */
@Service
public class Headroom {
    private final FundingRows funding;
    private final SpendCounters counters;
    private final Book book;
    private final Clock clock;

    Headroom(FundingRows funding, SpendCounters counters, Book book, Clock clock) {
        this.funding = funding;
        this.counters = counters;
        this.book = book;
        this.clock = clock;
    }

    /** The most a hold of {@code user} (null for none) in the workspace could reserve; zero if nothing. */
    public Credits forHold(OrgId org, WorkspaceId workspace, @Nullable UserId user) {
        var ws = funding.find(org, workspace).orElse(null);
        if (ws == null || !"active".equals(ws.status())) return Credits.ZERO;
        Funding f = ws.funding();
        long left;
        if (f.mode() == Funding.Mode.BUDGET) {
            left = book.balance(org, Account.budget(workspace));
            if (f.overflowToPool()) left = Math.max(left, book.balance(org, Account.POOL));
        } else {
            left = book.balance(org, Account.POOL);
        }
        Instant now = clock.instant();
        if (f.spendLimit() != null) {
            Instant start = f.spendLimit().period().start(now);
            long used = counters.used(org, "workspace", workspace.value(), "", start);
            left = Math.min(left, f.spendLimit().amount().micros() - used);
        }
        if (f.memberSpendLimit() != null && user != null) {
            Instant start = f.memberSpendLimit().period().start(now);
            long used = counters.used(org, "member", workspace.value(), user.value(), start);
            left = Math.min(left, f.memberSpendLimit().amount().micros() - used);
        }
        return Credits.ofMicros(Math.max(0, left));
    }
}
