package dev.atrium.ledger.lease;

import dev.atrium.common.Ids;
import dev.atrium.ledger.internal.Account;
import dev.atrium.ledger.internal.decide.AccountKey;
import dev.atrium.ledger.internal.decide.Transfer;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The statements of a batch of lease captures (the settlement writer's): three round trips
 * whatever the batch holds — lock its leases, lock its accounts (creating a new spent account
 * first), write everything —
 * each over arrays of keys, in the ledger's lock order (lease rows, then accounts by org and id).
 */
@Component
class LeaseCaptureSql {
    private final JdbcClient jdbc;

    /** A lease by organization and id. */
    record LeaseKey(String org, String id) {}

    LeaseCaptureSql(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The leases, locked in (org, id) order; absent ones are missing from the answer. */
    List<LeaseBook.Row> lockLeases(Collection<LeaseKey> keys) {
        String[] orgs = keys.stream().map(LeaseKey::org).toArray(String[]::new);
        String[] ids = keys.stream().map(LeaseKey::id).toArray(String[]::new);
        return jdbc.sql("SELECT " + LeaseBook.COLUMNS + " FROM credit_leases WHERE (org_id, id) IN "
                        + "(SELECT o, i FROM unnest(CAST(:orgs AS text[]), CAST(:ids AS text[])) AS t(o, i)) "
                        + "ORDER BY org_id COLLATE \"C\", id COLLATE \"C\" FOR UPDATE")
                .param("orgs", orgs)
                .param("ids", ids)
                .query(LeaseBook::map)
                .list();
    }

    /**
     * Locks the accounts {@code keys} in (org, id) order and answers their balances; a spent account
     * that does not exist yet (a workspace's first charge in a category) is created first, and then
     * all are locked again in order. One statement when all exist (nearly always).
     */
    Map<AccountKey, Long> ensureAndLockAccounts(Collection<AccountKey> keys) {
        Map<AccountKey, Long> found = lockAccounts(keys);
        List<String> orgs = new ArrayList<>(),
                ids = new ArrayList<>(),
                wss = new ArrayList<>(),
                cats = new ArrayList<>();
        for (AccountKey k : keys) {
            if (found.containsKey(k) || !k.id().startsWith("spent:")) continue;
            Account a = Account.of(k.id());
            orgs.add(k.org());
            ids.add(a.id());
            wss.add(a.workspaceId());
            cats.add(a.category());
        }
        if (ids.isEmpty()) return found;
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
