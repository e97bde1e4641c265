package dev.atrium.ledger;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.common.Ids;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.Book;
import dev.atrium.ledger.internal.FundingRows;
import dev.atrium.ledger.internal.Refusals;
import dev.atrium.ledger.lease.LeaseBook;
import dev.atrium.ledger.lease.NodeLeases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * How a gateway call is admitted and settled: the one place to read for it.
 *
 * <p><b>Admission</b> ({@link #admit}): the workspace's funding comes from the node's memory (re-read
 * at most every half second, and at once when an admin changes it); an archived workspace is
 * refused. The call's maximum cost is then taken, in memory, from this node's credit lease on its
 * funding path ({@link NodeLeases}): no I/O at all. Where the node has no lease there, or the
 * lease is too small or being returned, the call takes an exact hold in the database instead
 * ({@link Ledger#hold}), which checks every limit against locked rows. When that hold is refused,
 * credits may be sitting in other nodes' leases: every lease on that source account is recalled
 * (all nodes return them within moments) and the hold is tried once more, so a refusal is as exact
 * as it was without leases.
 *
 * <p><b>Settlement</b>: a held call is captured or voided as before ({@link Ledger#capture}). A
 * leased call gives back in memory what it did not consume ({@link #charge}, {@link #release});
 * its charge is captured from the lease later, in a batch, by the gateway's settlement writer
 * ({@link #capture}), which journals it first so that a killed process loses nothing.
 */
@Service
public class CreditLeases {
    private static final Logger log = LoggerFactory.getLogger(CreditLeases.class);
    private static final Duration RECALL_WAIT = Duration.ofSeconds(1);

    private final Ledger ledger;
    private final NodeLeases leases;
    private final LeaseBook book;
    private final Book accounts;

    CreditLeases(Ledger ledger, NodeLeases leases, LeaseBook book, Book accounts) {
        this.accounts = accounts;
        this.ledger = ledger;
        this.leases = leases;
        this.book = book;
    }

    /**
     * Admits a call of at most {@code r.amount()}. Refused as {@link Ledger#hold} refuses (402
     * {@link InsufficientCredits}, 403 archived, 404 unknown workspace).
     */
    public Admission admit(HoldRequest r) {
        FundingRows.Funded ws =
                leases.funding(r.org(), r.workspace()).orElseThrow(() -> ApiException.notFound("workspace"));
        if (!"active".equals(ws.status())) throw Refusals.archived();
        NodeLeases.LocalLease lease = leases.tryAdmit(r, ws);
        if (lease != null) {
            return new Admission.Leased(
                    r.org(), r.workspace(), r.user(), r.category(), lease.id(), Ids.next("rsv_"), r.amount(), lease);
        }
        try {
            return new Admission.Held(ledger.hold(r), r.org());
        } catch (InsufficientCredits refused) {
            Funding f = ws.funding();
            List<String> sources = new ArrayList<>();
            if (f.mode() == Funding.Mode.BUDGET)
                sources.add(Account.budget(r.workspace()).id());
            if (f.mode() == Funding.Mode.POOL || f.overflowToPool()) sources.add(Account.POOL.id());
            // Credits may sit in leases (this node's or others', or one being taken right now): recall
            // them, then decide once more. Within the recall's cooldown this costs one query.
            for (String source : sources) leases.recall(r.org(), r.workspace(), source, RECALL_WAIT);
            log.debug("hold refused; leases on {} recalled, trying once more", sources);
            return new Admission.Held(ledger.hold(r), r.org());
        }
    }

    /**
     * Settles a leased call that consumed {@code charged} (at most what it was admitted for): the
     * rest goes back to the lease at once; the returned charge is for the settlement writer (null
     * when nothing is charged).
     */
    public LeaseCharge charge(Admission.Leased a, Credits charged, Actor actor) {
        LeaseCharge charge = chargeOf(a, charged, actor);
        leases.settled((NodeLeases.LocalLease) a.token(), a.amount().micros(), charge.micros());
        return charge;
    }

    /**
     * What a leased call that is still running (a stream) would be charged were it cut now, having
     * consumed {@code consumed} (never more than it was admitted for): for its progress record. The
     * lease is not touched; the call stays admitted.
     */
    public LeaseCharge chargeSoFar(Admission.Leased a, Credits consumed, Actor actor) {
        return chargeOf(a, consumed, actor);
    }

    private static LeaseCharge chargeOf(Admission.Leased a, Credits charged, Actor actor) {
        long amount = Math.min(charged.micros(), a.amount().micros());
        return new LeaseCharge(
                a.org(),
                a.workspace(),
                a.user() == null ? null : a.user().value(),
                a.category(),
                a.lease(),
                a.reservation(),
                amount,
                actor);
    }

    /** Settles a leased call that consumed nothing: all of it goes back to the lease. */
    public void release(Admission.Leased a) {
        leases.settled((NodeLeases.LocalLease) a.token(), a.amount().micros(), 0);
    }

    /**
     * Captures leased calls' charges in the caller's transaction (the settlement writer's, which
     * writes their usage events in it too and passes only those not written before). Returns the
     * charges that could not be taken (their lease was gone and its source could not pay: only
     * after a crash outlasting a lease's expiry).
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<LeaseCharge> capture(List<LeaseCharge> charges) {
        List<LeaseBook.Charge> rows = new ArrayList<>(charges.size());
        Map<String, LeaseCharge> byReservation = new HashMap<>();
        for (LeaseCharge c : charges) {
            if (c.micros() <= 0) continue;
            rows.add(new LeaseBook.Charge(
                    c.org(), c.lease(), c.reservation(), c.workspace(), c.user(), c.category(), c.micros(), c.actor()));
            byReservation.put(c.reservation(), c);
        }
        List<LeaseCharge> unpaid = new ArrayList<>();
        for (LeaseBook.Charge u : book.capture(rows)) {
            LeaseCharge c = byReservation.get(u.reservation());
            log.warn(
                    "charge {} of {} micro-credits on lease {} could not be taken: the lease was closed and its source lacks them",
                    u.reservation(),
                    u.amount(),
                    u.lease());
            unpaid.add(c);
        }
        return unpaid;
    }

    /** After the writer's transaction committed: these charges no longer keep their leases open. */
    public void committed(List<LeaseCharge> charges) {
        Map<String, Integer> counts = new HashMap<>();
        for (LeaseCharge c : charges) {
            if (c.micros() > 0) counts.merge(c.lease(), 1, Integer::sum);
        }
        counts.forEach(leases::committed);
    }

    /**
     * Returns every lease of this node once the calls admitted from it are settled and committed
     * (waiting up to {@code wait}): what a graceful shutdown does. Returns how many were returned.
     */
    public int returnAll(Duration wait) {
        return leases.returnAll(wait);
    }

    /**
     * Asks every node to return its leases drawing on a workspace's source account (and the pool),
     * and waits a moment for it: before an admin move that must see all of its credits.
     */
    public void recall(dev.atrium.common.OrgId org, dev.atrium.common.WorkspaceId ws) {
        String budget = Account.budget(ws).id();
        if (accounts.leasesOpenOn(org, budget)) leases.recall(org, ws, budget, Duration.ofSeconds(3));
    }
}
