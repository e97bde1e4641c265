package dev.atrium.ledger.internal.decide;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.HoldId;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.Period;
import dev.atrium.ledger.internal.Account;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Rules#decide} decides: a new hold, the settlement of one, a call's capture from a
 * credit lease, or a lease's give-back.
 */
public sealed interface Operation
        permits Operation.Reserve, Operation.Resolve, Operation.CaptureFromLease, Operation.GiveBack {

    /** Where a hold's workspace stood when its funding was read. */
    enum Standing {
        ACTIVE,
        ARCHIVED,
        /** Never existed, or deleted. */
        MISSING
    }

    /** A spend limit as a hold meets it: the counter of the current period and its cap. */
    record Cap(CounterKey counter, long cap, Period period) {}

    /**
     * A new hold of {@code amount} micro-credits, as the workspace's funding stood when read:
     * {@code mode} and {@code overflowToPool} say where it draws from, {@code workspaceLimit} and
     * {@code memberLimit} (null: none) the spend limits it must fit in. The id is chosen by the
     * caller, so that deciding is a function of its inputs.
     */
    record Reserve(
            HoldId id,
            OrgId org,
            WorkspaceId workspace,
            @Nullable UserId user,
            long amount,
            Category category,
            @Nullable String model,
            Actor actor,
            Instant now,
            Instant expiresAt,
            Standing standing,
            Funding.Mode mode,
            boolean overflowToPool,
            @Nullable Cap workspaceLimit,
            @Nullable Cap memberLimit)
            implements Operation {

        public Reserve {
            if (amount <= 0) throw new IllegalArgumentException("a hold is for a positive amount");
        }

        /**
         * The hold {@code r} asks for, decided under {@code funding} (null with {@code standing}
         * MISSING) at {@code now}: the limits' counters are those of the periods containing now.
         */
        public static Reserve of(
                HoldRequest r,
                HoldId id,
                Standing standing,
                @Nullable Funding funding,
                Instant now,
                Instant expiresAt) {
            Funding f = funding == null ? Funding.POOL : funding;
            Cap ws = null;
            if (f.spendLimit() != null) {
                Period p = f.spendLimit().period();
                ws = new Cap(
                        CounterKey.workspace(r.org(), r.workspace(), p.start(now)),
                        f.spendLimit().amount().micros(),
                        p);
            }
            Cap member = null;
            if (f.memberSpendLimit() != null && r.user() != null) {
                Period p = f.memberSpendLimit().period();
                member = new Cap(
                        CounterKey.member(r.org(), r.workspace(), r.user(), p.start(now)),
                        f.memberSpendLimit().amount().micros(),
                        p);
            }
            return new Reserve(
                    id,
                    r.org(),
                    r.workspace(),
                    r.user(),
                    r.amount().micros(),
                    r.category(),
                    r.model(),
                    r.actor(),
                    now,
                    expiresAt,
                    standing,
                    f.mode(),
                    f.overflowToPool(),
                    ws,
                    member);
        }

        /** The spend counters this hold may count on: lock (and load) them before deciding. */
        public List<CounterKey> counters() {
            List<CounterKey> keys = new ArrayList<>(2);
            if (standing != Standing.ACTIVE) return keys;
            if (workspaceLimit != null) keys.add(workspaceLimit.counter());
            if (memberLimit != null) keys.add(memberLimit.counter());
            return keys;
        }

        /** The accounts this hold may move credits between: lock (and load) them before deciding. */
        public List<AccountKey> accounts() {
            List<AccountKey> keys = new ArrayList<>(3);
            if (standing != Standing.ACTIVE) return keys;
            if (mode == Funding.Mode.BUDGET) keys.add(AccountKey.of(org, Account.budget(workspace)));
            if (mode == Funding.Mode.POOL || overflowToPool) keys.add(AccountKey.of(org, Account.POOL));
            keys.add(AccountKey.of(org, Account.held(workspace)));
            return keys;
        }
    }

    /** How a hold is settled, and the status it leaves it in. */
    enum Resolution {
        /** The caller charges an amount up to the hold; the rest returns. */
        CAPTURE("captured"),
        /** The caller returns everything. */
        VOID("voided"),
        /** The sweeper settles a hold past its expiry: it charges the progress recorded on it, if any. */
        EXPIRE("expired");

        private final String status;

        Resolution(String status) {
            this.status = status;
        }

        public String status() {
            return status;
        }
    }

    /**
     * Settles hold {@code hold}: a capture of {@code amount}, a void ({@code amount} ignored), or an
     * expiry charging {@code amount} (the progress recorded on the hold, capped at the hold).
     */
    record Resolve(OrgId org, HoldId hold, Resolution resolution, long amount, Actor actor, Instant now)
            implements Operation {}

    /**
     * A call admitted from lease {@code lease} consumed {@code amount}: capture it under the call's
     * own {@code reservation} id (a reservation resolves once) into the workspace's spent account of
     * {@code category}.
     */
    record CaptureFromLease(
            OrgId org,
            String lease,
            String reservation,
            WorkspaceId workspace,
            @Nullable UserId user,
            Category category,
            long amount,
            Actor actor,
            Instant now)
            implements Operation {}

    /**
     * Lease {@code lease} gives back up to {@code amount} of what it holds ({@code close}: all of
     * it, and it closes).
     */
    record GiveBack(OrgId org, String lease, long amount, boolean close, Instant now) implements Operation {}
}
