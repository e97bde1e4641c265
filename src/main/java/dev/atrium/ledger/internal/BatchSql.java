package dev.atrium.ledger.internal;

import dev.atrium.common.Ids;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.internal.BatchApplier.WsKey;
import dev.atrium.ledger.internal.decide.AccountKey;
import dev.atrium.ledger.internal.decide.CounterKey;
import dev.atrium.ledger.internal.decide.HoldRow;
import dev.atrium.ledger.internal.decide.Transfer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The statements of a ledger batch ({@link BatchApplier}): rows created ahead, the locking reads in
 * the ledger's lock order, and the writes of everything decided as one statement. Every statement
 * looks rows up by key from arrays of at most a batch of keys.
 */
final class BatchSql {
    private static final String HOLD_COLUMNS =
            "org_id, id, workspace_id, user_id, source_account, amount, captured, category, "
                    + "model, status, ws_period_start, member_period_start, created_at, expires_at, resolved_at";
    private static final String PLANNER =
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;"
                    + " SET LOCAL plan_cache_mode = force_generic_plan";
    private static final int PLANNER_STATEMENTS = 4;

    private final JdbcTemplate jdbc;
    /** True until the batch transaction's first statement, which then carries {@link #PLANNER}. */
    private final ThreadLocal<Boolean> plannerPending = ThreadLocal.withInitial(() -> false);

    BatchSql(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Has the transaction's next statement carry the planner settings: index lookups only, and
     * generic plans. Left to itself, the planner estimates the key arrays at 100 rows and, as the
     * tables grow, picks sequential scans and hash joins: several times the work per batch
     * (measured: 325 µs of PostgreSQL CPU per hold+capture pair instead of 119); and a batch of
     * one spent 0.1–0.2 ms of its ~0.5 ms statements planning them. Only for a transaction of the
     * ledger's own: the settings last until its end.
     */
    void plannerForThisTransaction() {
        plannerPending.set(true);
    }

    /** Forgets a pending planner setting (the transaction ended before any statement). */
    void endOfTransaction() {
        plannerPending.remove();
    }

    // ---- rows created ahead ----

    /** Creates, with balance 0, the ledger accounts that do not exist yet (ON CONFLICT DO NOTHING). */
    void createAccounts(SortedSet<AccountKey> keys) {
        List<Account> accounts = keys.stream().map(k -> Account.of(k.id())).toList();
        update(
                """
                INSERT INTO ledger_accounts (org_id, id, kind, workspace_id, category, balance)
                SELECT o, i, k, w, c, 0 FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(o, i, k, w, c)
                ON CONFLICT DO NOTHING
                """,
                keys.stream().map(AccountKey::org).toList(),
                keys.stream().map(AccountKey::id).toList(),
                accounts.stream().map(Account::kind).toList(),
                accounts.stream().map(Account::workspaceId).toList(),
                accounts.stream().map(Account::category).toList());
    }

    /** Creates, with 0 used, the spend counters that do not exist yet (ON CONFLICT DO NOTHING). */
    void createCounters(SortedSet<CounterKey> keys) {
        update(
                """
                INSERT INTO spend_counters (org_id, scope, workspace_id, user_id, period_start, used)
                SELECT o, s, w, u, p::timestamptz, 0 FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(o, s, w, u, p)
                ON CONFLICT DO NOTHING
                """,
                keys.stream().map(CounterKey::org).toList(),
                keys.stream().map(CounterKey::scope).toList(),
                keys.stream().map(CounterKey::ws).toList(),
                keys.stream().map(CounterKey::user).toList(),
                keys.stream().map(k -> k.period().toString()).toList());
    }

    // ---- locking reads, in the ledger's lock order: holds, counters, accounts ----

    /** The holds, locked; those that do not exist are absent. */
    List<HoldRow> lockHolds(SortedSet<AccountKey> ids) {
        if (ids.isEmpty()) return List.of();
        return query(
                "SELECT " + HOLD_COLUMNS + " FROM holds WHERE (org_id, id) IN "
                        + "(SELECT * FROM unnest(?::text[], ?::text[])) "
                        + "ORDER BY org_id COLLATE \"C\", id COLLATE \"C\" FOR UPDATE",
                rs -> Holds.map(rs, 0),
                ids.stream().map(AccountKey::org).toList(),
                ids.stream().map(AccountKey::id).toList());
    }

    /**
     * Locks the counters, in order, and returns what each has used. For a batch of the ledger's
     * own, which created them ahead ({@link #createCounters}).
     */
    Map<CounterKey, Long> lockCounters(SortedSet<CounterKey> keys) {
        Map<CounterKey, Long> before = new HashMap<>();
        if (keys.isEmpty()) return before;
        List<Object[]> rows = query("""
                SELECT org_id, scope, workspace_id, user_id, period_start, used FROM spend_counters
                WHERE (org_id, scope, workspace_id, user_id, period_start) IN
                      (SELECT o, s, w, u, p::timestamptz FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(o, s, w, u, p))
                ORDER BY org_id COLLATE "C", workspace_id COLLATE "C", scope = 'member', user_id COLLATE "C", period_start
                FOR NO KEY UPDATE
                """, BatchSql::counter, counterColumns(keys));
        for (Object[] r : rows) before.put((CounterKey) r[0], (Long) r[1]);
        for (CounterKey k : keys) {
            if (!before.containsKey(k)) {
                // Created ahead moments ago; gone only if something deleted it: refuse the batch.
                throw new IllegalStateException("spend counter missing: " + k);
            }
        }
        return before;
    }

    /**
     * Creates (with 0 used) and locks the counters, in order, with one upsert, and returns what
     * each has used: for calls inside a caller's transaction, which cannot create rows ahead in a
     * transaction of their own. Creating a row while holding the locks of rows after it would break
     * the lock order (another transaction may lock the row once committed, then wait for those);
     * going through all in order never does. An existing row is locked as an UPDATE of it would
     * (a no-op update), an uncommitted one is waited for.
     */
    Map<CounterKey, Long> createAndLockCounters(SortedSet<CounterKey> keys) {
        Map<CounterKey, Long> before = new HashMap<>();
        if (keys.isEmpty()) return before;
        List<Object[]> rows = query("""
                INSERT INTO spend_counters AS c (org_id, scope, workspace_id, user_id, period_start, used)
                SELECT o, s, w, u, p::timestamptz, 0
                FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS t(o, s, w, u, p, n)
                ORDER BY n
                ON CONFLICT (org_id, scope, workspace_id, user_id, period_start) DO UPDATE SET used = c.used
                RETURNING org_id, scope, workspace_id, user_id, period_start, used
                """, BatchSql::counter, counterColumns(keys));
        for (Object[] r : rows) before.put((CounterKey) r[0], (Long) r[1]);
        return before;
    }

    private static Object[] counter(java.sql.ResultSet rs) throws SQLException {
        return new Object[] {
            new CounterKey(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getTimestamp(5).toInstant()),
            rs.getLong(6)
        };
    }

    private static List<?>[] counterColumns(Collection<CounterKey> keys) {
        return new List<?>[] {
            keys.stream().map(CounterKey::org).toList(),
            keys.stream().map(CounterKey::scope).toList(),
            keys.stream().map(CounterKey::ws).toList(),
            keys.stream().map(CounterKey::user).toList(),
            keys.stream().map(k -> k.period().toString()).toList()
        };
    }

    /**
     * Locks the accounts, in id order, and returns their balances. Locks as an UPDATE of the
     * balance does ({@code FOR NO KEY UPDATE}): other transactions' journal inserts, whose foreign
     * keys take key-share locks on these rows, are not blocked. For a batch of the ledger's own,
     * which created ahead the held and spent accounts of its holds: a spent account that a capture
     * credits may still be missing (its hold was taken before such accounts were created ahead); it
     * is created then, by an upsert that locks it (spent accounts come last in an organization's
     * lock order). Other accounts that do not exist (a budget never allocated) are absent: they
     * hold 0 and cannot be debited.
     */
    Map<AccountKey, Long> lockAccounts(SortedSet<AccountKey> keys) {
        Map<AccountKey, Long> before = new HashMap<>();
        if (keys.isEmpty()) return before;
        List<Object[]> rows = query(
                """
                SELECT org_id, id, balance FROM ledger_accounts
                WHERE (org_id, id) IN (SELECT * FROM unnest(?::text[], ?::text[]))
                ORDER BY org_id COLLATE "C", id COLLATE "C" FOR NO KEY UPDATE
                """,
                BatchSql::account,
                keys.stream().map(AccountKey::org).toList(),
                keys.stream().map(AccountKey::id).toList());
        for (Object[] r : rows) before.put((AccountKey) r[0], (Long) r[1]);
        SortedSet<AccountKey> missing = new java.util.TreeSet<>();
        for (AccountKey k : keys) {
            if (!before.containsKey(k) && (k.id().startsWith("spent:") || k.id().startsWith("held:"))) missing.add(k);
        }
        if (!missing.isEmpty()) before.putAll(createAndLockAccounts(missing));
        return before;
    }

    /**
     * Creates (with balance 0) and locks the accounts, in id order, with one upsert, and returns
     * their balances: for calls inside a caller's transaction (see {@link #createAndLockCounters}).
     */
    Map<AccountKey, Long> createAndLockAccounts(SortedSet<AccountKey> keys) {
        Map<AccountKey, Long> before = new HashMap<>();
        if (keys.isEmpty()) return before;
        List<Account> accounts = keys.stream().map(k -> Account.of(k.id())).toList();
        List<Object[]> rows = query(
                """
                INSERT INTO ledger_accounts AS a (org_id, id, kind, workspace_id, category, balance)
                SELECT o, i, k, w, c, 0
                FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) WITH ORDINALITY AS t(o, i, k, w, c, n)
                ORDER BY n
                ON CONFLICT (org_id, id) DO UPDATE SET balance = a.balance
                RETURNING org_id, id, balance
                """,
                BatchSql::account,
                keys.stream().map(AccountKey::org).toList(),
                keys.stream().map(AccountKey::id).toList(),
                accounts.stream().map(Account::kind).toList(),
                accounts.stream().map(Account::workspaceId).toList(),
                accounts.stream().map(Account::category).toList());
        for (Object[] r : rows) before.put((AccountKey) r[0], (Long) r[1]);
        return before;
    }

    private static Object[] account(java.sql.ResultSet rs) throws SQLException {
        return new Object[] {new AccountKey(rs.getString(1), rs.getString(2)), rs.getLong(3)};
    }

    // ---- writes ----

    /** What the write statement reports: holds it settled, and whether a workspace's limits changed. */
    record Written(long resolved, boolean fundingChanged) {}

    /**
     * Writes a batch's decisions with one statement: the new holds, the settled ones (each only
     * if still {@code held}), the counters' and balances' changes since they were locked, and the
     * transfers; and checks that no workspace's spend limits changed since {@code decidedUnder}
     * was read (see {@link #checkLimits}).
     */
    Written write(
            List<HoldRow> created,
            List<HoldRow> resolved,
            Map<CounterKey, Long> used,
            Map<CounterKey, Long> usedBefore,
            Map<AccountKey, Long> balances,
            Map<AccountKey, Long> before,
            List<Transfer> transfers,
            Map<WsKey, Funding> decidedUnder) {
        Writes w = new Writes();
        insertHolds(w, created);
        updateHolds(w, resolved);
        writeCounters(w, used, usedBefore);
        writeBalances(w, balances, before);
        insertTransfers(w, transfers);
        checkLimits(w, decidedUnder);
        long[] counts = w.run(resolved.isEmpty() ? null : "resolved");
        return new Written(counts[0], counts[1] > 0);
    }

    private static void insertHolds(Writes w, List<HoldRow> holds) {
        if (holds.isEmpty()) return;
        w.add(
                "new_holds",
                """
                INSERT INTO holds (org_id, id, workspace_id, user_id, source_account, amount, captured, category, model,
                                   status, ws_period_start, member_period_start, created_at, expires_at, resolved_at)
                SELECT o, i, w, u, s, a, NULL, c, m, 'held', wp::timestamptz, mp::timestamptz, cr::timestamptz, ex::timestamptz, NULL
                FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[],
                            ?::text[], ?::text[], ?::text[], ?::text[]) AS t(o, i, w, u, s, a, c, m, wp, mp, cr, ex)
                """,
                holds.stream().map(h -> h.org().value()).toList(),
                holds.stream().map(h -> h.hold().id().value()).toList(),
                holds.stream().map(h -> h.hold().workspaceId().value()).toList(),
                holds.stream()
                        .map(h -> h.hold().userId() == null
                                ? null
                                : h.hold().userId().value())
                        .toList(),
                holds.stream().map(HoldRow::sourceAccount).toList(),
                holds.stream().map(h -> h.hold().amount().micros()).toList(),
                holds.stream().map(h -> h.hold().category().wire()).toList(),
                holds.stream().map(h -> h.hold().model()).toList(),
                holds.stream().map(h -> text(h.wsPeriodStart())).toList(),
                holds.stream().map(h -> text(h.memberPeriodStart())).toList(),
                holds.stream().map(h -> h.hold().createdAt().toString()).toList(),
                holds.stream().map(h -> h.hold().expiresAt().toString()).toList());
    }

    private static void updateHolds(Writes w, List<HoldRow> resolved) {
        if (resolved.isEmpty()) return;
        w.add(
                "resolved",
                """
                UPDATE holds h SET status = t.s, captured = t.c, resolved_at = t.at::timestamptz
                FROM unnest(?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[]) AS t(o, i, s, c, at)
                WHERE h.org_id = t.o AND h.id = t.i AND h.status = 'held'
                RETURNING 1
                """,
                resolved.stream().map(r -> r.org().value()).toList(),
                resolved.stream().map(r -> r.hold().id().value()).toList(),
                resolved.stream().map(r -> r.hold().status()).toList(),
                resolved.stream()
                        .map(r -> Objects.requireNonNull(r.hold().captured()).micros())
                        .toList(),
                resolved.stream()
                        .map(r -> Objects.requireNonNull(r.hold().resolvedAt()).toString())
                        .toList());
    }

    /** What changed between the rows as locked and as decided: keys and deltas, in parallel lists. */
    private record Deltas<K>(List<K> keys, List<Long> deltas) {
        static <K> Deltas<K> of(Map<K, Long> after, Map<K, Long> before) {
            Deltas<K> d = new Deltas<>(new ArrayList<>(), new ArrayList<>());
            after.forEach((k, v) -> {
                long delta = v - before.getOrDefault(k, 0L);
                if (delta == 0) return;
                if (!before.containsKey(k)) throw new IllegalStateException("ledger row missing: " + k);
                d.keys().add(k);
                d.deltas().add(delta);
            });
            return d;
        }
    }

    private static void writeCounters(Writes w, Map<CounterKey, Long> used, Map<CounterKey, Long> before) {
        Deltas<CounterKey> d = Deltas.of(used, before);
        List<CounterKey> changed = d.keys();
        List<Long> deltas = d.deltas();
        if (changed.isEmpty()) return;
        w.add(
                "counters",
                """
                UPDATE spend_counters c SET used = c.used + t.d
                FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[]) AS t(o, s, w, u, p, d)
                WHERE c.org_id = t.o AND c.scope = t.s AND c.workspace_id = t.w AND c.user_id = t.u
                  AND c.period_start = t.p::timestamptz
                """,
                changed.stream().map(CounterKey::org).toList(),
                changed.stream().map(CounterKey::scope).toList(),
                changed.stream().map(CounterKey::ws).toList(),
                changed.stream().map(CounterKey::user).toList(),
                changed.stream().map(k -> k.period().toString()).toList(),
                deltas);
    }

    private static void writeBalances(Writes w, Map<AccountKey, Long> balances, Map<AccountKey, Long> before) {
        Deltas<AccountKey> d = Deltas.of(balances, before);
        List<AccountKey> changed = d.keys();
        List<Long> deltas = d.deltas();
        if (changed.isEmpty()) return;
        w.add(
                "balances",
                """
                UPDATE ledger_accounts a SET balance = a.balance + t.d
                FROM unnest(?::text[], ?::text[], ?::bigint[]) AS t(o, i, d)
                WHERE a.org_id = t.o AND a.id = t.i
                """,
                changed.stream().map(AccountKey::org).toList(),
                changed.stream().map(AccountKey::id).toList(),
                deltas);
    }

    private static void insertTransfers(Writes w, List<Transfer> transfers) {
        if (transfers.isEmpty()) return;
        w.add(
                "transfers",
                """
                INSERT INTO ledger_transfers (org_id, id, debit_account, credit_account, amount, kind, workspace_id,
                                              hold_id, grant_id, user_id, actor_type, actor_id, note, created_at)
                SELECT o, i, d, c, a, k, w, h, NULL, u, at, ai, n, cr::timestamptz
                FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[],
                            ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(o, i, d, c, a, k, w, h, u, at, ai, n, cr)
                """,
                transfers.stream().map(Transfer::org).toList(),
                transfers.stream().map(t -> Ids.next("trf_")).toList(),
                transfers.stream().map(t -> t.debit().id()).toList(),
                transfers.stream().map(t -> t.credit().id()).toList(),
                transfers.stream().map(Transfer::amount).toList(),
                transfers.stream().map(Transfer::kind).toList(),
                transfers.stream().map(Transfer::workspace).toList(),
                transfers.stream().map(Transfer::hold).toList(),
                transfers.stream().map(Transfer::user).toList(),
                transfers.stream().map(t -> t.actor().type()).toList(),
                transfers.stream().map(t -> t.actor().id()).toList(),
                transfers.stream().map(Transfer::note).toList(),
                transfers.stream().map(t -> t.at().toString()).toList());
    }

    /**
     * Counts (in the batch's write statement, so with no extra round trip) the workspaces whose
     * spend limits are no longer those the batch decided its holds with. The statement runs after
     * the held accounts were locked, so it sees any limit change that committed before that.
     */
    private static void checkLimits(Writes w, Map<WsKey, Funding> seen) {
        if (seen.isEmpty()) return;
        List<@Nullable String> sl = new ArrayList<>(),
                sp = new ArrayList<>(),
                ml = new ArrayList<>(),
                mp = new ArrayList<>();
        for (Funding f : seen.values()) {
            sl.add(
                    f.spendLimit() == null
                            ? null
                            : Long.toString(f.spendLimit().amount().micros()));
            sp.add(f.spendLimit() == null ? null : f.spendLimit().period().wire());
            ml.add(
                    f.memberSpendLimit() == null
                            ? null
                            : Long.toString(f.memberSpendLimit().amount().micros()));
            mp.add(
                    f.memberSpendLimit() == null
                            ? null
                            : f.memberSpendLimit().period().wire());
        }
        w.guard(
                """
                SELECT t.o FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(o, w, sl, sp, ml, mp)
                LEFT JOIN workspace_funding f ON f.org_id = t.o AND f.workspace_id = t.w
                WHERE f.spend_limit::text IS DISTINCT FROM t.sl OR f.spend_period IS DISTINCT FROM t.sp
                   OR f.member_limit::text IS DISTINCT FROM t.ml OR f.member_period IS DISTINCT FROM t.mp
                """,
                seen.keySet().stream().map(WsKey::org).toList(),
                seen.keySet().stream().map(WsKey::ws).toList(),
                sl,
                sp,
                ml,
                mp);
    }

    /**
     * The batch's writes as one statement: each table's change is a data-modifying WITH query, so
     * all of them cost one round trip.
     */
    private final class Writes {
        private final List<String> parts = new ArrayList<>();
        private final List<List<?>> columns = new ArrayList<>();

        void add(String name, String sql, List<?>... cols) {
            parts.add(name + " AS (" + sql.strip() + ")");
            columns.addAll(Arrays.asList(cols));
        }

        private boolean guarded;

        /** A query whose rows, counted, say the batch must not commit. */
        void guard(String sql, List<?>... cols) {
            add("guard", sql, cols);
            guarded = true;
        }

        /**
         * Runs them; returns the number of rows the named part returned (0 without one) and the
         * number of rows of the guard (0 without one).
         */
        long[] run(@Nullable String counted) {
            if (parts.isEmpty()) return new long[] {0, 0};
            String sql = "WITH " + String.join(",\n", parts) + "\nSELECT "
                    + (counted == null ? "0" : "(SELECT count(*) FROM " + counted + ")")
                    + ", " + (guarded ? "(SELECT count(*) FROM guard)" : "0");
            List<long[]> n =
                    query(sql, rs -> new long[] {rs.getLong(1), rs.getLong(2)}, columns.toArray(List<?>[]::new));
            return n.getFirst();
        }
    }

    // ---- JDBC with array parameters ----

    @FunctionalInterface
    private interface RowReader<T> {
        T read(java.sql.ResultSet rs) throws SQLException;
    }

    private int update(String sql, List<?>... columns) {
        boolean planner = takePlanner();
        Integer n = jdbc.execute((Connection c) -> {
            try (PreparedStatement ps = c.prepareStatement(planner ? PLANNER + ";\n" + sql : sql)) {
                bind(c, ps, columns);
                if (!planner) return ps.executeUpdate();
                pastPlanner(ps, ps.execute());
                return ps.getUpdateCount();
            }
        });
        return n == null ? 0 : n;
    }

    private <T> List<T> query(String sql, RowReader<T> reader, List<?>... columns) {
        boolean planner = takePlanner();
        return Objects.requireNonNull(jdbc.execute((Connection c) -> {
            try (PreparedStatement ps = c.prepareStatement(planner ? PLANNER + ";\n" + sql : sql)) {
                bind(c, ps, columns);
                java.sql.ResultSet results;
                if (planner) {
                    pastPlanner(ps, ps.execute());
                    results = ps.getResultSet();
                } else {
                    results = ps.executeQuery();
                }
                List<T> out = new ArrayList<>();
                try (var rs = results) {
                    while (rs.next()) out.add(reader.read(rs));
                }
                return out;
            }
        }));
    }

    /**
     * Moves a statement sent after {@link #PLANNER} past the settings' results (an update count of
     * 0 each) to its own result: rows or an update count.
     */
    private static void pastPlanner(PreparedStatement ps, boolean rows) throws SQLException {
        for (int i = 0; i < PLANNER_STATEMENTS; i++) {
            if (rows) throw new IllegalStateException("a planner setting returned rows");
            rows = ps.getMoreResults();
        }
    }

    /** Whether this statement is the batch transaction's first: then it carries the planner settings. */
    private boolean takePlanner() {
        if (!plannerPending.get()) return false;
        plannerPending.set(false);
        return true;
    }

    private static void bind(Connection c, PreparedStatement ps, List<?>... columns) throws SQLException {
        for (int i = 0; i < columns.length; i++) {
            List<?> column = columns[i];
            boolean numeric = !column.isEmpty() && column.stream().anyMatch(v -> v instanceof Long);
            ps.setArray(i + 1, c.createArrayOf(numeric ? "int8" : "text", column.toArray()));
        }
    }

    private static @Nullable String text(@Nullable Instant i) {
        return i == null ? null : i.toString();
    }
}
