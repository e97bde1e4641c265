package dev.atrium.ledger.lease;

import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.HoldId;
import dev.atrium.ledger.InsufficientCredits;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.Book;
import dev.atrium.ledger.internal.FundingRows;
import dev.atrium.ledger.internal.decide.AccountKey;
import dev.atrium.ledger.internal.decide.CounterKey;
import dev.atrium.ledger.internal.decide.LeaseRow;
import dev.atrium.ledger.internal.decide.MapState;
import dev.atrium.ledger.internal.decide.Operation;
import dev.atrium.ledger.internal.decide.Outcome;
import dev.atrium.ledger.internal.decide.Rules;
import dev.atrium.ledger.internal.decide.Transfer;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The credit_leases table and the ledger movements of leases (see V140__credit_leases.sql). Every
 * transaction here takes its locks in the ledger's order: the lease row (as a hold's row), then
 * spend counters (the workspace's before its member's), then accounts by id in byte order; so
 * leases queue behind holds, settlements and admin changes instead of deadlocking with them.
 */
@Repository
public class LeaseBook {
    static final String COLUMNS = "org_id, id, workspace_id, user_id, node_id, source_account, amount, "
            + "captured, returned, ws_period_start, member_period_start, status, expires_at";
    private final JdbcClient jdbc;
    private final FundingRows funding;
    private final Clock clock;
    private final Book ledger;
    private final LeaseCaptureSql captures;

    LeaseBook(JdbcClient jdbc, FundingRows funding, Clock clock, Book ledger, LeaseCaptureSql captures) {
        this.captures = captures;
        this.ledger = ledger;
        this.jdbc = jdbc;
        this.funding = funding;
        this.clock = clock;
    }

    /** A lease as stored. */
    public record Row(
            OrgId org,
            String id,
            WorkspaceId workspace,
            @Nullable String user,
            String node,
            String source,
            long amount,
            long captured,
            long returned,
            @Nullable Instant wsPeriod,
            @Nullable Instant memberPeriod,
            String status,
            Instant expiresAt) {
        /** What the lease still holds: neither captured nor returned. */
        public long open() {
            return amount - captured - returned;
        }

        /** The lease as the ledger's rules decide its captures and give-backs. */
        LeaseRow decidable() {
            return new LeaseRow(
                    org,
                    id,
                    workspace,
                    user == null ? null : new UserId(user),
                    source,
                    amount,
                    captured,
                    returned,
                    status.equals("open"),
                    wsPeriod,
                    memberPeriod);
        }
    }

    /** What a new lease is for: its path, the funding it was decided under, and its node. */
    public record Opening(
            OrgId org, WorkspaceId workspace, @Nullable String user, String node, Funding funding, Instant expiresAt) {}

    /** Inserts an empty lease (amount 0) on the path's source account; {@link #grow} gives it credits. */
    @Transactional
    public Row open(Opening o) {
        Instant now = clock.instant();
        String id = Ids.next("lse_");
        Funding f = o.funding();
        Account source = f.mode() == Funding.Mode.BUDGET ? Account.budget(o.workspace()) : Account.POOL;
        Instant wsPeriod =
                f.spendLimit() == null ? null : f.spendLimit().period().start(now);
        Instant memberPeriod = f.memberSpendLimit() == null || o.user() == null
                ? null
                : f.memberSpendLimit().period().start(now);
        jdbc.sql("INSERT INTO credit_leases (" + COLUMNS + ", created_at) VALUES (:org, :id, :ws, :user, :node, "
                        + ":source, 0, 0, 0, :wsPeriod, :memberPeriod, 'open', :expires, :now)")
                .param("org", o.org().value())
                .param("id", id)
                .param("ws", o.workspace().value())
                .param("user", o.user())
                .param("node", o.node())
                .param("source", source.id())
                .param("wsPeriod", ts(wsPeriod))
                .param("memberPeriod", ts(memberPeriod))
                .param("expires", ts(o.expiresAt()))
                .param("now", ts(now))
                .update();
        return new Row(
                o.org(),
                id,
                o.workspace(),
                o.user(),
                o.node(),
                source.id(),
                0,
                0,
                0,
                wsPeriod,
                memberPeriod,
                "open",
                o.expiresAt());
    }

    /** How a lease could grow: what it was granted, or why not. */
    public record Growth(long granted, boolean fundingChanged) {}

    /**
     * Grows an open lease by at most {@code want}, and by no more than {@code fraction} of what its
     * source account holds and of what remains of each spend limit it counts on; grants nothing
     * when that is less than {@code minimum} (leasing would no longer be safe: calls then take exact
     * holds). Also pushes its expiry to {@code expiresAt}. Refuses with {@code fundingChanged} when
     * the workspace's funding is no longer the one the lease was opened under.
     */
    @Transactional
    public Growth grow(Row lease, Funding decidedUnder, long want, long minimum, double fraction, Instant expiresAt) {
        OrgId org = lease.org();
        Row locked = lock(org, lease.id()).orElse(null);
        if (locked == null || !locked.status().equals("open")) return new Growth(0, true);
        // The funding as it is now; a change after this read waits for the held account's lock below.
        FundingRows.Funded now = funding.find(org, lease.workspace()).orElse(null);
        if (now == null || !"active".equals(now.status()) || !now.funding().equals(decidedUnder))
            return new Growth(0, true);
        // How much to ask for: the lease's target, and no more than a share of what the source and
        // each limit have left (so that other nodes and exact holds keep the rest).
        long grant = want;
        Funding f = now.funding();
        MapState state = new MapState();
        Operation.Cap wsCap = null, memberCap = null;
        if (f.spendLimit() != null && locked.wsPeriod() != null) {
            long used = lockCounter(org, "workspace", lease.workspace(), "", locked.wsPeriod());
            long cap = f.spendLimit().amount().micros();
            grant = Math.min(grant, share(cap - used, fraction));
            wsCap = new Operation.Cap(
                    CounterKey.workspace(org, lease.workspace(), locked.wsPeriod()),
                    cap,
                    f.spendLimit().period());
            state.putCounter(wsCap.counter(), used);
        }
        if (f.memberSpendLimit() != null && locked.memberPeriod() != null && locked.user() != null) {
            long used = lockCounter(org, "member", lease.workspace(), locked.user(), locked.memberPeriod());
            long cap = f.memberSpendLimit().amount().micros();
            grant = Math.min(grant, share(cap - used, fraction));
            memberCap = new Operation.Cap(
                    CounterKey.member(org, lease.workspace(), new UserId(locked.user()), locked.memberPeriod()),
                    cap,
                    f.memberSpendLimit().period());
            state.putCounter(memberCap.counter(), used);
        }
        Account held = Account.held(lease.workspace());
        ledger.ensure(org, held);
        Map<String, Long> balances = lockAccounts(org, List.of(locked.source(), held.id()));
        // A change of the limits locks the held account too: one that committed meanwhile is seen now.
        FundingRows.Funded current = funding.find(org, lease.workspace()).orElse(null);
        if (current == null
                || !"active".equals(current.status())
                || !current.funding().equals(decidedUnder)) return new Growth(0, true);
        grant = Math.min(grant, share(balances.getOrDefault(locked.source(), 0L), fraction));
        if (grant < minimum || grant <= 0) {
            extend(org, lease.id(), expiresAt);
            return new Growth(0, false);
        }
        // Decided by the ledger's rules, as a hold of that amount on the lease's source (never overflowing
        // to another: a lease draws on one account), against the rows locked above.
        for (String id : List.of(locked.source(), held.id()))
            state.putAccount(new AccountKey(org.value(), id), balances.getOrDefault(id, 0L));
        Instant at = clock.instant();
        var op = new Operation.Reserve(
                HoldId.next(),
                org,
                lease.workspace(),
                locked.user() == null ? null : new UserId(locked.user()),
                grant,
                Category.CHAT,
                null,
                Actor.SYSTEM,
                at,
                expiresAt,
                Operation.Standing.ACTIVE,
                locked.source().equals(Account.POOL.id()) ? Funding.Mode.POOL : Funding.Mode.BUDGET,
                false,
                wsCap,
                memberCap);
        if (!(Rules.decide(op, state) instanceof Outcome.Decided decided)) {
            extend(org, lease.id(), expiresAt);
            return new Growth(0, false);
        }
        for (var d : decided.effects().counterDeltas().entrySet()) {
            CounterKey k = d.getKey();
            countOn(org, k.scope(), lease.workspace(), k.user(), k.period(), d.getValue());
        }
        for (Transfer t : decided.effects().transfers()) {
            move(org, t.debit().id(), t.credit().id(), t.amount());
            transfer(org, t.debit().id(), t.credit().id(), t.amount(), t.kind(), lease, null, Actor.SYSTEM, "lease");
        }
        jdbc.sql("UPDATE credit_leases SET amount = amount + :grant, expires_at = :expires "
                        + "WHERE org_id = :org AND id = :id")
                .param("grant", grant)
                .param("expires", ts(expiresAt))
                .param("org", org.value())
                .param("id", lease.id())
                .update();
        return new Growth(grant, false);
    }

    private static long share(long of, double fraction) {
        return of <= 0 ? 0 : (long) Math.floor(of * fraction);
    }

    /**
     * Marks a lease draining: its node gave back every credit no running call holds, and returns it
     * once those calls settle. A recall no longer waits for it.
     */
    @Transactional
    public void draining(OrgId org, String id) {
        jdbc.sql("UPDATE credit_leases SET draining = true WHERE org_id = :org AND id = :id AND status = 'open'")
                .param("org", org.value())
                .param("id", id)
                .update();
    }

    /** Pushes the expiry of this node's open leases (they are alive). */
    @Transactional
    public void renew(String node, List<String> ids, Instant expiresAt) {
        if (ids.isEmpty()) return;
        jdbc.sql("UPDATE credit_leases SET expires_at = :expires WHERE id = ANY(CAST(:ids AS text[])) "
                        + "AND node_id = :node AND status = 'open'")
                .param("expires", ts(expiresAt))
                .param("ids", ids.toArray(String[]::new))
                .param("node", node)
                .update();
    }

    private void extend(OrgId org, String id, Instant expiresAt) {
        jdbc.sql(
                        "UPDATE credit_leases SET expires_at = greatest(expires_at, :expires) WHERE org_id = :org AND id = :id")
                .param("expires", ts(expiresAt))
                .param("org", org.value())
                .param("id", id)
                .update();
    }

    /** One call's charge on a lease: its reservation id (unique), the workspace's account, the amount. */
    public record Charge(
            OrgId org,
            String lease,
            String reservation,
            WorkspaceId workspace,
            @Nullable String user,
            Category category,
            long amount,
            Actor actor) {}

    /**
     * Captures calls admitted from leases, in the caller's transaction (which also writes their
     * usage events, so a replayed charge is recognised and skipped before it gets here). Each charge
     * is decided by the ledger's rules ({@link Operation.CaptureFromLease}): from what its lease
     * holds while it is open and holds enough, else (the lease was returned or expired: its node
     * came back late) from the lease's source account as far as that has the credits; a
     * reservation is captured once. Two round trips whatever the batch holds: the leases and the
     * accounts locked, then every balance, lease and transfer written at once.
     * Returns the charges that found nothing to take.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<Charge> capture(List<Charge> charges) {
        List<Charge> unpaid = new ArrayList<>();
        if (charges.isEmpty()) return unpaid;
        Instant now = clock.instant();
        // 1. The leases, then the accounts the charges move credits between (their held and spent
        // accounts, and the source of a closed lease), each set locked in (org, id) order: one round trip.
        Set<LeaseCaptureSql.LeaseKey> leaseKeys = new TreeSet<>(LEASE_ORDER);
        Set<AccountKey> accounts = new TreeSet<>();
        for (Charge c : charges) {
            leaseKeys.add(new LeaseCaptureSql.LeaseKey(c.org().value(), c.lease()));
            accounts.add(AccountKey.of(c.org(), Account.held(c.workspace())));
            accounts.add(AccountKey.of(c.org(), Account.spent(c.workspace(), c.category())));
        }
        LeaseCaptureSql.Locked locked = captures.lock(leaseKeys, accounts);
        MapState state = new MapState();
        Map<LeaseCaptureSql.LeaseKey, Long> capturedBefore = new HashMap<>();
        Map<String, Long> charged = new HashMap<>();
        for (Row r : locked.leases()) {
            state.putLease(r.decidable());
            capturedBefore.put(new LeaseCaptureSql.LeaseKey(r.org().value(), r.id()), r.captured());
        }
        // 2. Rarely, more: a new spent account, or the source of a lease unknown here or too small
        // for this batch's charges (locked after the others; only after a node came back late).
        Map<AccountKey, Long> balances = new HashMap<>(locked.balances());
        for (Charge c : charges) {
            var lease = state.lease(c.org(), c.lease());
            long wanted = charged.merge(c.org().value() + "/" + c.lease(), Math.max(0, c.amount()), Long::sum);
            if (lease == null || !lease.open() || lease.uncaptured() < wanted) {
                accounts.add(
                        lease == null
                                ? AccountKey.of(c.org(), Account.POOL)
                                : new AccountKey(c.org().value(), lease.sourceAccount()));
            }
        }
        if (!balances.keySet().containsAll(accounts)) balances = captures.ensureAndLockAccounts(accounts);
        for (AccountKey k : accounts) state.putAccount(k, balances.getOrDefault(k, 0L));
        // 3. Each charge decided in order against the locked rows.
        List<Transfer> transfers = new ArrayList<>(charges.size());
        for (Charge c : charges) {
            var op = new Operation.CaptureFromLease(
                    c.org(),
                    c.lease(),
                    c.reservation(),
                    c.workspace(),
                    c.user() == null ? null : new UserId(c.user()),
                    c.category(),
                    c.amount(),
                    c.actor(),
                    now);
            switch (Rules.decide(op, state)) {
                case Outcome.Decided d -> transfers.addAll(d.effects().transfers());
                case Outcome.Refused r -> {
                    // 402: a late charge its lease's source cannot pay; 409: the same reservation twice.
                    if (r.refusal() instanceof InsufficientCredits) unpaid.add(c);
                }
            }
        }
        // 4. Everything written in one statement.
        Map<AccountKey, Long> deltas = new TreeMap<>();
        for (AccountKey k : accounts) {
            long d = state.balance(k) - balances.getOrDefault(k, 0L);
            if (d != 0) deltas.put(k, d);
        }
        Map<LeaseCaptureSql.LeaseKey, Long> captured = new TreeMap<>(LEASE_ORDER);
        capturedBefore.forEach((k, before) -> {
            var after = state.lease(new OrgId(k.org()), k.id());
            if (after != null && after.captured() != before) captured.put(k, after.captured() - before);
        });
        captures.write(deltas, captured, transfers, Timestamp.from(now));
        return unpaid;
    }

    private static final Comparator<LeaseCaptureSql.LeaseKey> LEASE_ORDER =
            Comparator.comparing(LeaseCaptureSql.LeaseKey::org).thenComparing(LeaseCaptureSql.LeaseKey::id);

    /**
     * Gives back up to {@code amount} of what an open lease holds (all of it with {@code close}, and
     * the lease then closes with {@code status}): to its source account, and off the spend counters
     * it counted on. A deleted budget workspace's return goes on to the pool. Returns what went back.
     */
    @Transactional
    public long giveBack(OrgId org, String id, long amount, boolean close, String status) {
        Row lease = lock(org, id).orElse(null);
        if (lease == null || !lease.status().equals("open")) return 0;
        return giveBackLocked(lease, amount, close, status);
    }

    /** Decided by the ledger's rules ({@link Operation.GiveBack}) against the rows locked here, in lock order. */
    private long giveBackLocked(Row lease, long amount, boolean close, String status) {
        OrgId org = lease.org();
        Instant now = clock.instant();
        var row = lease.decidable();
        MapState state = new MapState().putLease(row);
        for (CounterKey k : row.counters()) {
            state.putCounter(k, lockExistingCounter(org, k));
        }
        Account held = Account.held(lease.workspace());
        boolean deletedBudget =
                row.fromBudget() && funding.find(org, lease.workspace()).isEmpty();
        List<String> ids = new ArrayList<>(List.of(held.id(), lease.source()));
        if (deletedBudget) {
            ids.add(Account.POOL.id());
            state.markDeleted(org, lease.workspace());
        }
        Map<String, Long> balances = lockAccounts(org, ids);
        for (String a : ids) state.putAccount(new AccountKey(org.value(), a), balances.getOrDefault(a, 0L));
        if (!(Rules.decide(new Operation.GiveBack(org, lease.id(), amount, close, now), state)
                instanceof Outcome.Decided decided)) return 0;
        for (var d : decided.effects().counterDeltas().entrySet()) {
            CounterKey k = d.getKey();
            addToCounter(org, k.scope(), lease.workspace(), k.user(), k.period(), d.getValue());
        }
        for (Transfer t : decided.effects().transfers()) {
            move(org, t.debit().id(), t.credit().id(), t.amount());
            insertTransfer(
                    org,
                    t.debit().id(),
                    t.credit().id(),
                    t.amount(),
                    t.kind(),
                    lease.workspace(),
                    t.hold(),
                    t.user(),
                    t.actor(),
                    t.note(),
                    t.at());
        }
        var after = Objects.requireNonNull(decided.effects().lease());
        long rest = after.returned() - lease.returned();
        jdbc.sql("UPDATE credit_leases SET returned = returned + :rest, status = :status, closed_at = :closed "
                        + "WHERE org_id = :org AND id = :id")
                .param("rest", rest)
                .param("status", close ? status : "open")
                .param("closed", close ? ts(now) : null, java.sql.Types.TIMESTAMP)
                .param("org", org.value())
                .param("id", lease.id())
                .update();
        return rest;
    }

    /** A spend counter's value, locked; 0 when it has no row (nothing to give back to it). */
    private long lockExistingCounter(OrgId org, CounterKey k) {
        return jdbc.sql("""
                        SELECT used FROM spend_counters WHERE org_id = :org AND scope = :scope AND workspace_id = :ws
                          AND user_id = :user AND period_start = :start FOR NO KEY UPDATE
                        """)
                .param("org", org.value())
                .param("scope", k.scope())
                .param("ws", k.ws())
                .param("user", k.user())
                .param("start", ts(k.period()))
                .query(Long.class)
                .optional()
                .orElse(0L);
    }

    /**
     * Closes up to {@code limit} open leases past their expiry (their node stopped renewing them:
     * it crashed, or lost the database), each in a transaction of its own, skipping leases another
     * sweeper holds. Returns how many were closed.
     */
    public int sweepExpired(int limit, org.springframework.transaction.support.TransactionTemplate tx) {
        int closed = 0;
        while (closed < limit) {
            Boolean one = tx.execute(s -> {
                List<Row> due = jdbc.sql("SELECT " + COLUMNS + " FROM credit_leases WHERE status = 'open' "
                                + "AND expires_at <= :now ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED")
                        .param("now", ts(clock.instant()))
                        .query(LeaseBook::map)
                        .list();
                if (due.isEmpty()) return false;
                giveBackLocked(due.getFirst(), 0, true, "expired");
                return true;
            });
            if (!Boolean.TRUE.equals(one)) break;
            closed++;
        }
        return closed;
    }

    private Optional<Row> lock(OrgId org, String id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM credit_leases WHERE org_id = :org AND id = :id FOR UPDATE")
                .param("org", org.value())
                .param("id", id)
                .query(LeaseBook::map)
                .optional();
    }

    private long lockCounter(OrgId org, String scope, WorkspaceId ws, String user, Instant period) {
        jdbc.sql("""
                        INSERT INTO spend_counters (org_id, scope, workspace_id, user_id, period_start, used)
                        VALUES (:org, :scope, :ws, :user, :start, 0) ON CONFLICT DO NOTHING
                        """)
                .param("org", org.value())
                .param("scope", scope)
                .param("ws", ws.value())
                .param("user", user)
                .param("start", ts(period))
                .update();
        return jdbc.sql("""
                        SELECT used FROM spend_counters WHERE org_id = :org AND scope = :scope AND workspace_id = :ws
                          AND user_id = :user AND period_start = :start FOR NO KEY UPDATE
                        """)
                .param("org", org.value())
                .param("scope", scope)
                .param("ws", ws.value())
                .param("user", user)
                .param("start", ts(period))
                .query(Long.class)
                .single();
    }

    private void countOn(OrgId org, String scope, WorkspaceId ws, String user, Instant period, long amount) {
        addToCounter(org, scope, ws, user, period, amount);
    }

    /**
     * Adds {@code delta} to a spend counter, never below zero: a recount (a limit set meanwhile)
     * counted a lease's open part anew, so what the lease gives back may exceed what it counts.
     */
    private void addToCounter(OrgId org, String scope, WorkspaceId ws, String user, Instant period, long delta) {
        jdbc.sql("""
                        UPDATE spend_counters SET used = greatest(used + :delta, 0) WHERE org_id = :org AND scope = :scope
                          AND workspace_id = :ws AND user_id = :user AND period_start = :start
                        """)
                .param("delta", delta)
                .param("org", org.value())
                .param("scope", scope)
                .param("ws", ws.value())
                .param("user", user)
                .param("start", ts(period))
                .update();
    }

    /** Locks accounts in byte order of their ids and returns their balances (absent ones are 0). */
    private Map<String, Long> lockAccounts(OrgId org, List<String> ids) {
        Map<String, Long> out = new HashMap<>();
        jdbc.sql("SELECT id, balance FROM ledger_accounts WHERE org_id = :org AND id = ANY(CAST(:ids AS text[])) "
                        + "ORDER BY id COLLATE \"C\" FOR NO KEY UPDATE")
                .param("org", org.value())
                .param("ids", ids.stream().distinct().toArray(String[]::new))
                .query((rs, n) -> out.put(rs.getString(1), rs.getLong(2)))
                .list();
        return out;
    }

    private void move(OrgId org, String from, String to, long amount) {
        adjust(org, from, -amount);
        adjust(org, to, amount);
    }

    private void adjust(OrgId org, String account, long delta) {
        int n = jdbc.sql("UPDATE ledger_accounts SET balance = balance + :delta WHERE org_id = :org AND id = :id")
                .param("delta", delta)
                .param("org", org.value())
                .param("id", account)
                .update();
        if (n != 1) throw new IllegalStateException("ledger account missing: " + account);
    }

    private void transfer(
            OrgId org,
            String debit,
            String credit,
            long amount,
            String kind,
            Row lease,
            @Nullable String user,
            Actor actor,
            String note) {
        insertTransfer(
                org, debit, credit, amount, kind, lease.workspace(), lease.id(), user, actor, note, clock.instant());
    }

    private void insertTransfer(
            OrgId org,
            String debit,
            String credit,
            long amount,
            String kind,
            WorkspaceId ws,
            String hold,
            @Nullable String user,
            Actor actor,
            @Nullable String note,
            Instant at) {
        jdbc.sql("""
                        INSERT INTO ledger_transfers (org_id, id, debit_account, credit_account, amount, kind, workspace_id,
                                                      hold_id, grant_id, user_id, actor_type, actor_id, note, created_at)
                        VALUES (:org, :id, :debit, :credit, :amount, :kind, :ws, :hold, NULL, :user, :actorType, :actorId,
                                :note, :at)
                        """)
                .param("org", org.value())
                .param("id", Ids.next("trf_"))
                .param("debit", debit)
                .param("credit", credit)
                .param("amount", amount)
                .param("kind", kind)
                .param("ws", ws.value())
                .param("hold", hold)
                .param("user", user)
                .param("actorType", actor.type())
                .param("actorId", actor.id())
                .param("note", note)
                .param("at", ts(at))
                .update();
    }

    private static @Nullable Timestamp ts(@Nullable Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    static Row map(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
        Timestamp wp = rs.getTimestamp("ws_period_start");
        Timestamp mp = rs.getTimestamp("member_period_start");
        return new Row(
                new OrgId(rs.getString("org_id")),
                rs.getString("id"),
                new WorkspaceId(rs.getString("workspace_id")),
                rs.getString("user_id"),
                rs.getString("node_id"),
                rs.getString("source_account"),
                rs.getLong("amount"),
                rs.getLong("captured"),
                rs.getLong("returned"),
                wp == null ? null : wp.toInstant(),
                mp == null ? null : mp.toInstant(),
                rs.getString("status"),
                rs.getTimestamp("expires_at").toInstant());
    }
}
