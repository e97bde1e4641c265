package dev.atrium.ledger.internal;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Companion;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.HoldId;
import dev.atrium.ledger.internal.decide.AccountKey;
import dev.atrium.ledger.internal.decide.CounterKey;
import dev.atrium.ledger.internal.decide.Effects;
import dev.atrium.ledger.internal.decide.HoldRow;
import dev.atrium.ledger.internal.decide.MapState;
import dev.atrium.ledger.internal.decide.Operation;
import dev.atrium.ledger.internal.decide.Outcome;
import dev.atrium.ledger.internal.decide.Rules;
import dev.atrium.ledger.internal.decide.Transfer;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies ledger calls — holds, captures, voids, expiries — in one transaction with set-based
 * statements: reads the workspaces' funding, locks every row the calls may touch, decides each
 * call in order with {@link Rules#decide} against the locked rows, then writes all their effects
 * with one statement.
 *
 * <p>Two ways, chosen by the caller: {@link #apply} runs a batch in a transaction of its own and
 * commits it once (the {@link Combiner}'s batches); {@link #applyInTransaction} joins the caller's
 * transaction, which commits or rolls the calls back with the rest of its work.
 *
 * <p>Locks are taken in the order every ledger transaction takes them — the holds being resolved,
 * then spend counters (per workspace: the workspace's counter before its members'), then accounts
 * by id in byte order — so batches and single calls queue behind each other instead of
 * deadlocking.
 */
@Component
public class BatchApplier {
    /** Accounts and counters known to exist: created once, with balance 0, outside any batch. */
    private static final int KNOWN_LIMIT = 100_000;

    private final BatchSql sql;
    private final FundingRows funding;
    private final Clock clock;
    private final TransactionTemplate own;
    private final TransactionTemplate joined;
    private final Set<String> knownRows = ConcurrentHashMap.newKeySet();

    BatchApplier(JdbcTemplate jdbc, FundingRows funding, Clock clock, PlatformTransactionManager transactions) {
        this.sql = new BatchSql(jdbc);
        this.funding = funding;
        this.clock = clock;
        this.own = new TransactionTemplate(transactions);
        this.joined = new TransactionTemplate(transactions);
        this.joined.setPropagationBehavior(TransactionDefinition.PROPAGATION_MANDATORY);
    }

    record WsKey(String org, String ws) {}

    /**
     * Applies the batch in a transaction of its own and returns, per call in order, its outcome.
     * Throws when the batch as a whole failed (then nothing of it was written): a {@link
     * org.springframework.dao.TransientDataAccessException} (a deadlock, or a workspace's limits
     * changed while it was decided) may succeed when tried again.
     */
    List<Outcome> apply(List<Call> batch) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("a ledger batch runs in a transaction of its own");
        }
        Instant now = now();
        Planned planned = plan(batch, now);
        // Outside the transaction, so that no lock is held meanwhile: the rows it will lock.
        ensureRows(planned.reserves().values());
        try {
            return Objects.requireNonNull(own.execute(status -> {
                sql.plannerForThisTransaction();
                return decideAndWrite(batch, planned, now, false);
            }));
        } finally {
            sql.endOfTransaction();
        }
    }

    /**
     * Applies the calls inside the caller's transaction, which must be active: they commit or roll
     * back with it. Returns, per call in order, its outcome; a refusal writes nothing. Throws 409
     * {@code funding_changed} when a workspace's spend limits changed while a hold was decided
     * (the caller's transaction is then marked rollback-only; retrying it decides again).
     */
    public List<Outcome> applyInTransaction(List<Call> calls) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException(
                    "no transaction to join: the ledger's own path is Ledger.hold/capture/release");
        }
        return Objects.requireNonNull(joined.execute(status -> {
            Instant now = now();
            return decideAndWrite(calls, plan(calls, now), now, true);
        }));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * The holds to decide, by position in the batch, as their workspaces' funding stands now (read
     * unlocked; a change of limits that commits before the batch's held-account locks is caught by
     * the write statement's guard), and the funding each active workspace was decided under.
     */
    private record Planned(Map<Integer, Operation.Reserve> reserves, Map<WsKey, Funding> decidedUnder) {}

    private Planned plan(List<Call> calls, Instant now) {
        Map<WsKey, FundingRows.Funded> funded = fundingOf(calls);
        Map<Integer, Operation.Reserve> reserves = new HashMap<>();
        Map<WsKey, Funding> decidedUnder = new LinkedHashMap<>();
        for (int i = 0; i < calls.size(); i++) {
            if (!(calls.get(i) instanceof Call.Reserve c)) continue;
            WsKey key =
                    new WsKey(c.request().org().value(), c.request().workspace().value());
            FundingRows.Funded ws = funded.get(key);
            Operation.Standing standing = ws == null
                    ? Operation.Standing.MISSING
                    : "active".equals(ws.status()) ? Operation.Standing.ACTIVE : Operation.Standing.ARCHIVED;
            Funding f = ws == null ? null : ws.funding();
            reserves.put(i, Operation.Reserve.of(c.request(), HoldId.next(), standing, f, now, now.plus(c.ttl())));
            if (standing == Operation.Standing.ACTIVE) decidedUnder.put(key, f);
        }
        return new Planned(reserves, decidedUnder);
    }

    private Map<WsKey, FundingRows.Funded> fundingOf(List<Call> calls) {
        Set<WsKey> keys = new LinkedHashSet<>();
        for (Call c : calls) {
            if (c instanceof Call.Reserve r) {
                keys.add(new WsKey(
                        r.request().org().value(), r.request().workspace().value()));
            }
        }
        if (keys.isEmpty()) return Map.of();
        return funding.findAll(
                keys.stream().map(WsKey::org).toList(),
                keys.stream().map(WsKey::ws).toList());
    }

    /** Creates (balance 0) the held and spent accounts and spend counters a batch may lock, once per node. */
    private void ensureRows(Collection<Operation.Reserve> reserves) {
        TreeSet<AccountKey> accounts = new TreeSet<>();
        TreeSet<CounterKey> counters = new TreeSet<>();
        for (Operation.Reserve r : reserves) {
            if (r.standing() != Operation.Standing.ACTIVE) continue;
            OrgId org = r.org();
            for (Account a : List.of(Account.held(r.workspace()), Account.spent(r.workspace(), r.category()))) {
                AccountKey k = AccountKey.of(org, a);
                if (!knownRows.contains(k.toString())) accounts.add(k);
            }
            for (CounterKey k : r.counters()) {
                if (!knownRows.contains(k.toString())) counters.add(k);
            }
        }
        if (!accounts.isEmpty()) {
            sql.createAccounts(accounts);
            remember(accounts.stream().map(AccountKey::toString).toList());
        }
        if (!counters.isEmpty()) {
            sql.createCounters(counters);
            remember(counters.stream().map(CounterKey::toString).toList());
        }
    }

    private void remember(List<String> keys) {
        if (knownRows.size() > KNOWN_LIMIT) knownRows.clear();
        knownRows.addAll(keys);
    }

    private List<Outcome> decideAndWrite(List<Call> calls, Planned planned, Instant now, boolean joinedCaller) {
        // 1. The holds being resolved, locked.
        TreeSet<AccountKey> holdIds = new TreeSet<>();
        for (Call c : calls) {
            if (c instanceof Call.Resolve r)
                holdIds.add(new AccountKey(r.org().value(), r.hold().value()));
        }
        List<HoldRow> rows = sql.lockHolds(holdIds);

        // 2. The spend counters and accounts every call may touch, locked in the global order.
        TreeMap<CounterKey, Long> used = new TreeMap<>();
        TreeMap<AccountKey, Long> balances = new TreeMap<>();
        for (Operation.Reserve r : planned.reserves().values()) {
            r.counters().forEach(k -> used.put(k, 0L));
            r.accounts().forEach(k -> balances.put(k, 0L));
        }
        for (HoldRow row : rows) {
            row.counters().forEach(k -> used.put(k, 0L));
            row.accounts().forEach(k -> balances.put(k, 0L));
        }
        Map<CounterKey, Long> usedBefore = joinedCaller
                ? sql.createAndLockCounters(used.navigableKeySet())
                : sql.lockCounters(used.navigableKeySet());
        Map<AccountKey, Long> before = joinedCaller
                ? sql.createAndLockAccounts(balances.navigableKeySet())
                : sql.lockAccounts(balances.navigableKeySet());
        MapState state = new MapState(balances, used);
        usedBefore.forEach(state::putCounter);
        before.forEach(state::putAccount);
        rows.forEach(state::putHold);
        // Budget workspaces deleted since their holds were taken: what those holds release goes on to the pool.
        for (WsKey k : deletedBudgetWorkspaces(rows, balances, before)) {
            state.markDeleted(new OrgId(k.org()), new WorkspaceId(k.ws()));
        }

        // 3. Decide, in order, each against the state the ones before it left.
        List<Outcome> outcomes = new ArrayList<>(calls.size());
        List<HoldRow> created = new ArrayList<>();
        List<HoldRow> resolved = new ArrayList<>();
        List<Transfer> transfers = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Operation op = switch (calls.get(i)) {
                case Call.Reserve c -> planned.reserves().get(i);
                case Call.Resolve c ->
                    new Operation.Resolve(c.org(), c.hold(), c.resolution(), c.amount(), c.actor(), now);
            };
            Outcome outcome = Rules.decide(op, state);
            outcomes.add(outcome);
            if (outcome instanceof Outcome.Decided d) {
                Effects e = d.effects();
                (e.created() ? created : resolved).add(e.hold());
                transfers.addAll(e.transfers());
            }
        }

        // 4. Write, one statement for every table.
        BatchSql.Written written =
                sql.write(created, resolved, used, usedBefore, balances, before, transfers, planned.decidedUnder());
        if (written.fundingChanged()) {
            // A workspace's limits changed after they were read (the change waited for this batch's
            // held-account locks, or this batch for its): decide again with the funding as it is now.
            if (joinedCaller) {
                throw ApiException.conflict(
                        "funding_changed", "The workspace's spend limits changed during the request: retry it.");
            }
            throw new CannotAcquireLockException("workspace funding changed during the batch");
        }
        if (written.resolved() != resolved.size()) {
            throw new IllegalStateException(
                    "resolved " + written.resolved() + " of " + resolved.size() + " locked holds");
        }
        // What callers asked to commit with their resolution (usage events): after the ledger's rows,
        // as a caller's own transaction writes them. A failure rolls the batch back. Those of one
        // writer with one call (usage events: one insert for the batch).
        Map<Companion.Writer<?>, List<Object>> companions = new LinkedHashMap<>();
        for (int i = 0; i < calls.size(); i++) {
            if (outcomes.get(i) instanceof Outcome.Decided
                    && calls.get(i) instanceof Call.Resolve r
                    && r.also() != null) {
                companions
                        .computeIfAbsent(r.also().writer(), k -> new ArrayList<>())
                        .add(r.also().item());
            }
        }
        companions.forEach(BatchApplier::writeAll);
        return outcomes;
    }

    @SuppressWarnings("unchecked")
    private static <T> void writeAll(Companion.Writer<T> writer, List<Object> items) {
        writer.writeAll((List<T>) items);
    }

    /**
     * The workspaces, among those whose open holds drew on their budget, that were deleted: their
     * budget went to the pool, and so does what their holds return. Locks their pools too (after
     * the other accounts: rare, and as the deletion itself takes them).
     */
    private Set<WsKey> deletedBudgetWorkspaces(
            Collection<HoldRow> rows, TreeMap<AccountKey, Long> balances, Map<AccountKey, Long> before) {
        Set<WsKey> budgeted = new LinkedHashSet<>();
        for (HoldRow row : rows) {
            if (row.fromBudget() && "held".equals(row.hold().status())) {
                budgeted.add(
                        new WsKey(row.org().value(), row.hold().workspaceId().value()));
            }
        }
        if (budgeted.isEmpty()) return Set.of();
        Map<WsKey, FundingRows.Funded> live = funding.findAll(
                budgeted.stream().map(WsKey::org).toList(),
                budgeted.stream().map(WsKey::ws).toList());
        Set<WsKey> deleted = new LinkedHashSet<>();
        for (WsKey k : budgeted) {
            if (!live.containsKey(k)) deleted.add(k);
        }
        TreeSet<AccountKey> pools = new TreeSet<>();
        for (WsKey k : deleted) {
            AccountKey pool = new AccountKey(k.org(), Account.POOL.id());
            if (!balances.containsKey(pool)) pools.add(pool);
        }
        if (!pools.isEmpty()) {
            Map<AccountKey, Long> locked = sql.lockAccounts(pools);
            before.putAll(locked);
            for (AccountKey pool : pools) balances.put(pool, locked.getOrDefault(pool, 0L));
        }
        return deleted;
    }
}
