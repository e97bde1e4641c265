package dev.atrium.ledger.lease;

import dev.atrium.common.Ids;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.decide.AccountKey;
import dev.atrium.ledger.internal.decide.Transfer;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The statements of a batch of lease captures (the settlement writer's): two round trips
 * whatever the batch holds — lock its leases and its accounts (two statements sent at once), then
 * write everything —
 * each over arrays of keys, in the ledger's lock order (lease rows, then accounts by org and id).
 */
@Component
class LeaseCaptureSql {
    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    /** A lease by organization and id. */
    record LeaseKey(String org, String id) {}

    LeaseCaptureSql(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** What {@link #lock} locked: the leases found, and the balances of the accounts found. */
    record Locked(List<LeaseBook.Row> leases, Map<AccountKey, Long> balances) {}

    private static final String LOCK_LEASES = "SELECT " + LeaseBook.COLUMNS
            + " FROM credit_leases WHERE (org_id, id) IN (SELECT o, i FROM unnest(?::text[], ?::text[]) AS t(o, i))"
            + " ORDER BY org_id COLLATE \"C\", id COLLATE \"C\" FOR UPDATE";

    // The accounts asked for, and the source accounts of those leases that are closed (their charges
    // are taken from there): the leases are locked by the statement before, so their status holds.
    private static final String LOCK_ACCOUNTS = """
            SELECT org_id, id, balance FROM ledger_accounts
            WHERE (org_id, id) IN (SELECT o, i FROM unnest(?::text[], ?::text[]) AS t(o, i)
                                   UNION
                                   SELECT l.org_id, l.source_account FROM credit_leases l
                                   WHERE (l.org_id, l.id) IN (SELECT o, i FROM unnest(?::text[], ?::text[]) AS t(o, i))
                                     AND l.status <> 'open')
            ORDER BY org_id COLLATE "C", id COLLATE "C" FOR NO KEY UPDATE""";

    /**
     * Locks the leases {@code leases} (in (org, id) order, as holds are), then the accounts {@code
     * accounts} with the source accounts of those leases already closed (in (org, id) order): both
     * statements in one round trip.
     */
    Locked lock(Collection<LeaseKey> leases, Collection<AccountKey> accounts) {
        Locked locked = template.execute((ConnectionCallback<Locked>) con -> {
            try (PreparedStatement ps = con.prepareStatement(LOCK_LEASES + ";\n" + LOCK_ACCOUNTS)) {
                Array leaseOrgs = con.createArrayOf(
                        "text", leases.stream().map(LeaseKey::org).toArray());
                Array leaseIds = con.createArrayOf(
                        "text", leases.stream().map(LeaseKey::id).toArray());
                ps.setArray(1, leaseOrgs);
                ps.setArray(2, leaseIds);
                ps.setArray(
                        3,
                        con.createArrayOf(
                                "text", accounts.stream().map(AccountKey::org).toArray()));
                ps.setArray(
                        4,
                        con.createArrayOf(
                                "text", accounts.stream().map(AccountKey::id).toArray()));
                ps.setArray(5, leaseOrgs);
                ps.setArray(6, leaseIds);
                List<LeaseBook.Row> rows = new ArrayList<>();
                Map<AccountKey, Long> balances = new HashMap<>();
                if (!ps.execute()) throw new IllegalStateException("the lease lock answered no rows");
                try (ResultSet rs = ps.getResultSet()) {
                    for (int n = 0; rs.next(); n++) rows.add(LeaseBook.map(rs, n));
                }
                if (!ps.getMoreResults()) throw new IllegalStateException("the account lock answered no rows");
                try (ResultSet rs = ps.getResultSet()) {
                    while (rs.next()) balances.put(new AccountKey(rs.getString(1), rs.getString(2)), rs.getLong(3));
                }
                return new Locked(rows, balances);
            }
        });
        if (locked == null) throw new IllegalStateException("no connection");
        return locked;
    }

    /**
     * Locks accounts that {@link #lock} did not (a charge on a lease too small for it, or on an
     * unknown lease, is taken from a source account), creating the spent accounts among {@code keys}
     * that do not exist yet (a workspace's first charge in a category); answers the balances of
     * {@code keys}. Rare: most batches need none of this.
     */
    Map<AccountKey, Long> ensureAndLockAccounts(Collection<AccountKey> keys) {
        List<String> orgs = new ArrayList<>(),
                ids = new ArrayList<>(),
                wss = new ArrayList<>(),
                cats = new ArrayList<>();
        for (AccountKey k : keys) {
            if (!k.id().startsWith("spent:")) continue;
            Account a = Account.of(k.id());
            orgs.add(k.org());
            ids.add(a.id());
            wss.add(a.workspaceId());
            cats.add(a.category());
        }
        if (!ids.isEmpty()) {
            jdbc.sql("""
                            INSERT INTO ledger_accounts (org_id, id, kind, workspace_id, category, balance)
                            SELECT o, i, 'spent', w, c, 0
                            FROM unnest(CAST(:orgs AS text[]), CAST(:ids AS text[]), CAST(:wss AS text[]),
                                        CAST(:cats AS text[])) AS t(o, i, w, c)
                            ON CONFLICT DO NOTHING
                            """)
                    .param("orgs", orgs.toArray(String[]::new))
                    .param("ids", ids.toArray(String[]::new))
                    .param("wss", wss.toArray(String[]::new))
                    .param("cats", cats.toArray(String[]::new))
                    .update();
        }
        return lockAccounts(keys);
    }

    private Map<AccountKey, Long> lockAccounts(Collection<AccountKey> keys) {
        Map<AccountKey, Long> out = new HashMap<>();
        jdbc.sql("SELECT org_id, id, balance FROM ledger_accounts WHERE (org_id, id) IN "
                        + "(SELECT o, i FROM unnest(CAST(:orgs AS text[]), CAST(:ids AS text[])) AS t(o, i)) "
                        + "ORDER BY org_id COLLATE \"C\", id COLLATE \"C\" FOR NO KEY UPDATE")
                .param("orgs", keys.stream().map(AccountKey::org).toArray(String[]::new))
                .param("ids", keys.stream().map(AccountKey::id).toArray(String[]::new))
                .query((rs, n) -> out.put(new AccountKey(rs.getString(1), rs.getString(2)), rs.getLong(3)))
                .list();
        return out;
    }

    /**
     * Writes a decided batch in one statement: the accounts' balances changed by {@code deltas},
     * the leases' captured amounts raised by {@code captured}, and {@code transfers} appended.
     */
    void write(Map<AccountKey, Long> deltas, Map<LeaseKey, Long> captured, List<Transfer> transfers, Timestamp now) {
        if (deltas.isEmpty() && captured.isEmpty() && transfers.isEmpty()) return;
        int t = transfers.size();
        String[] orgs = new String[t], ids = new String[t], debits = new String[t], credits = new String[t];
        String[] wss = new String[t], holds = new String[t], users = new String[t], notes = new String[t];
        String[] actorTypes = new String[t], actorIds = new String[t];
        Long[] amounts = new Long[t];
        for (int i = 0; i < t; i++) {
            Transfer x = transfers.get(i);
            orgs[i] = x.org();
            ids[i] = Ids.next("trf_");
            debits[i] = x.debit().id();
            credits[i] = x.credit().id();
            amounts[i] = x.amount();
            wss[i] = x.workspace();
            holds[i] = x.hold();
            users[i] = x.user();
            actorTypes[i] = x.actor().type();
            actorIds[i] = x.actor().id();
            notes[i] = x.note();
        }
        List<String> aOrgs = new ArrayList<>(), aIds = new ArrayList<>();
        List<Long> aDeltas = new ArrayList<>();
        deltas.forEach((k, d) -> {
            aOrgs.add(k.org());
            aIds.add(k.id());
            aDeltas.add(d);
        });
        List<String> lOrgs = new ArrayList<>(), lIds = new ArrayList<>();
        List<Long> lMore = new ArrayList<>();
        captured.forEach((k, more) -> {
            lOrgs.add(k.org());
            lIds.add(k.id());
            lMore.add(more);
        });
        var counts = jdbc.sql("""
                        WITH accounts AS (
                            UPDATE ledger_accounts a SET balance = a.balance + d.delta
                            FROM unnest(CAST(:aOrgs AS text[]), CAST(:aIds AS text[]), CAST(:aDeltas AS bigint[]))
                                 AS d(o, i, delta)
                            WHERE a.org_id = d.o AND a.id = d.i
                            RETURNING 1
                        ), leases AS (
                            UPDATE credit_leases l SET captured = l.captured + d.more
                            FROM unnest(CAST(:lOrgs AS text[]), CAST(:lIds AS text[]), CAST(:lMore AS bigint[]))
                                 AS d(o, i, more)
                            WHERE l.org_id = d.o AND l.id = d.i
                            RETURNING 1
                        ), transfers AS (
                            INSERT INTO ledger_transfers (org_id, id, debit_account, credit_account, amount, kind,
                                workspace_id, hold_id, grant_id, user_id, actor_type, actor_id, note, created_at)
                            SELECT o, i, d, c, a, 'capture', w, h, NULL, u, at, ai, n, :now
                            FROM unnest(CAST(:orgs AS text[]), CAST(:ids AS text[]), CAST(:debits AS text[]),
                                        CAST(:credits AS text[]), CAST(:amounts AS bigint[]), CAST(:wss AS text[]),
                                        CAST(:holds AS text[]), CAST(:users AS text[]), CAST(:actorTypes AS text[]),
                                        CAST(:actorIds AS text[]), CAST(:notes AS text[]))
                                 AS t(o, i, d, c, a, w, h, u, at, ai, n)
                            RETURNING 1
                        )
                        SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM leases),
                               (SELECT count(*) FROM transfers)
                        """)
                .param("aOrgs", aOrgs.toArray(String[]::new))
                .param("aIds", aIds.toArray(String[]::new))
                .param("aDeltas", aDeltas.toArray(Long[]::new))
                .param("lOrgs", lOrgs.toArray(String[]::new))
                .param("lIds", lIds.toArray(String[]::new))
                .param("lMore", lMore.toArray(Long[]::new))
                .param("now", now)
                .param("orgs", orgs)
                .param("ids", ids)
                .param("debits", debits)
                .param("credits", credits)
                .param("amounts", amounts)
                .param("wss", wss)
                .param("holds", holds)
                .param("users", users)
                .param("actorTypes", actorTypes)
                .param("actorIds", actorIds)
                .param("notes", notes)
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)})
                .single();
        if (counts[0] != deltas.size() || counts[1] != captured.size() || counts[2] != t) {
            // The rows were locked above: a mismatch means the books changed under the lock.
            throw new IllegalStateException("lease capture batch wrote " + counts[0] + "/" + deltas.size()
                    + " accounts, " + counts[1] + "/" + captured.size() + " leases, " + counts[2] + "/" + t
                    + " transfers");
        }
    }
}
