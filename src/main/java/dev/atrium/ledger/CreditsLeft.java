package dev.atrium.ledger;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.UserId;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.Book;
import dev.atrium.ledger.internal.FundingRows;
import dev.atrium.ledger.internal.SpendCounters;
import dev.atrium.workspace.WorkspaceAccess;
import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What a workspace has left, as its members see it: the credits of its funding source (its budget,
 * or the organization's pool), what remains of the workspace's spend limit and of the person's own
 * member limit this period, and so the most they can spend now. The same figures the ledger checks
 * when it takes a hold (holds count as spent until they resolve). Console pages call it as
 * {@code ${@creditsLeft.of(access)}}.
 */
@Service("creditsLeft")
public class CreditsLeft {
    private final FundingRows funding;
    private final Book book;
    private final SpendCounters counters;
    private final Clock clock;

    CreditsLeft(FundingRows funding, Book book, SpendCounters counters, Clock clock) {
        this.funding = funding;
        this.book = book;
        this.counters = counters;
        this.clock = clock;
    }

    /**
     * The workspace's credits left: {@code available} in its budget (then, with overflow, the
     * pool's) or in the pool; the limits' remainders; {@code now}, the least of them all.
     */
    public record Left(
            Funding.Mode mode,
            Credits available,
            boolean overflowToPool,
            @Nullable Credits poolAvailable,
            @Nullable Remaining workspaceLimit,
            @Nullable Remaining memberLimit,
            Credits now) {
        public boolean budget() {
            return mode == Funding.Mode.BUDGET;
        }
    }

    /** A spend limit this period: its amount, what was used (held or spent) and what remains. */
    public record Remaining(Credits limit, Period period, Credits used, Credits remaining, Instant resetsAt) {
        /** "today", "this week", "this month". */
        public String periodWords() {
            return switch (period) {
                case DAY -> "today";
                case WEEK -> "this week";
                case MONTH -> "this month";
            };
        }
    }

    /**
     * For a person inside the workspace (assigned to it, or an owner, admin or billing of its
     * organization); anyone else gets 404, as for the workspace itself. The member limit is the
     * caller's own, for a person assigned to the workspace.
     */
    @Transactional(readOnly = true)
    public Left of(WorkspaceAccess access) {
        if (access.role() == null && !access.org().seesAllWorkspaces()) throw ApiException.notFound("workspace");
        var ws = access.workspace();
        FundingRows.Funded funded =
                funding.find(ws.org(), ws.id()).orElseThrow(() -> ApiException.notFound("workspace"));
        Funding f = funded.funding();
        Instant now = clock.instant();
        long pool = Math.max(0, book.balance(ws.org(), Account.POOL));
        long available;
        long spendable;
        Credits poolAvailable = null;
        if (f.mode() == Funding.Mode.BUDGET) {
            available = Math.max(0, book.balance(ws.org(), Account.budget(ws.id())));
            spendable = available;
            if (f.overflowToPool()) {
                poolAvailable = Credits.ofMicros(pool);
                spendable = available + pool;
            }
        } else {
            available = pool;
            spendable = pool;
        }
        Remaining wsLimit = null;
        if (f.spendLimit() != null) {
            wsLimit = remaining(access, f.spendLimit(), "workspace", "", now);
            spendable = Math.min(spendable, wsLimit.remaining().micros());
        }
        Remaining memberLimit = null;
        UserId user = access.org().user();
        if (f.memberSpendLimit() != null && user != null && access.role() != null) {
            memberLimit = remaining(access, f.memberSpendLimit(), "member", user.value(), now);
            spendable = Math.min(spendable, memberLimit.remaining().micros());
        }
        return new Left(
                f.mode(),
                Credits.ofMicros(available),
                f.overflowToPool() && f.mode() == Funding.Mode.BUDGET,
                poolAvailable,
                wsLimit,
                memberLimit,
                Credits.ofMicros(Math.max(0, spendable)));
    }

    private Remaining remaining(WorkspaceAccess access, Funding.Limit limit, String scope, String user, Instant now) {
        var ws = access.workspace();
        long used = counters.used(
                ws.org(), scope, ws.id().value(), user, limit.period().start(now));
        long cap = limit.amount().micros();
        return new Remaining(
                limit.amount(),
                limit.period(),
                Credits.ofMicros(used),
                Credits.ofMicros(Math.max(0, cap - used)),
                limit.period().next(now));
    }
}
