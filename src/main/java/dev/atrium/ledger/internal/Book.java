package dev.atrium.ledger.internal;

import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.ledger.InsufficientCredits;
import java.sql.Timestamp;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Double-entry postings: each moves an amount from one account to another and appends a transfer.
 * Balances change by conditional UPDATEs (never below zero), and the two rows of a posting are
 * always touched in account-id order, so concurrent postings cannot deadlock on each other; a
 * posting runs as one database function call ({@code ledger_post}, V8__ledger_hot_path.sql).
 *
 * <p>These postings are the administrative moves: grants, allocations, reclaims, transfers between
 * budgets, refills, expiry. Holds and their settlements no longer post here, whatever V8's comment
 * on {@code ledger_post} says (an applied migration is never edited): they are decided in Java by
 * {@code decide.Rules} over rows locked by {@code BatchApplier}, which writes their effects in one
 * statement. {@code ledger_post}'s own rule — the debited account never goes below zero, except
 * grants — is the same rule {@code decide.Rules} applies, kept in the database as its backstop for
 * every posting made here, and the {@code CHECK} on balances is the backstop for all writes.
 */
@Repository
public class Book {
    private final JdbcClient jdbc;
    private final Clock clock;

    Book(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Creates the organization's fixed accounts. */
    public void open(OrgId org) {
        for (Account a : new Account[] {Account.GRANTS, Account.POOL, Account.EXPIRED}) {
            ensure(org, a);
        }
        jdbc.sql("INSERT INTO credit_lot_cursors (org_id) VALUES (:org) ON CONFLICT DO NOTHING")
                .param("org", org.value())
                .update();
    }

    public void ensure(OrgId org, Account a) {
        jdbc.sql("""
                        INSERT INTO ledger_accounts (org_id, id, kind, workspace_id, category, balance)
                        VALUES (:org, :id, :kind, :ws, :cat, 0) ON CONFLICT DO NOTHING
                        """)
                .param("org", org.value())
                .param("id", a.id())
                .param("kind", a.kind())
                .param("ws", a.workspaceId())
                .param("cat", a.category())
                .update();
    }

    /** Moves {@code amount} or throws {@link InsufficientCredits} when the debited account lacks it. */
    public String post(OrgId org, Account debit, Account credit, long amount, Posting posting) {
        String id = tryPost(org, debit, credit, amount, posting);
        if (id == null) {
            throw new InsufficientCredits("Not enough credits in " + debit.kind() + ".");
        }
        return id;
    }

    /**
     * Moves {@code amount} when the debited account holds it and returns the transfer id; null,
     * with no change, otherwise. One round trip: {@code ledger_post} (V8__ledger_hot_path.sql)
     * changes both balances in account-id order and appends the transfer.
     */
    public @Nullable String tryPost(OrgId org, Account debit, Account credit, long amount, Posting p) {
        if (amount <= 0) throw new IllegalArgumentException("amount must be positive");
        String id = Ids.next("trf_");
        boolean posted = jdbc.sql("""
                        SELECT ledger_post(:org, :id, :debit, :debitKind, :credit, :creditKind, :creditWs, :creditCat,
                                           :amount, :kind, :ws, :hold, :grant, :user, :actorType, :actorId, :note, :at)
                        """)
                .param("org", org.value())
                .param("id", id)
                .param("debit", debit.id())
                .param("debitKind", debit.kind())
                .param("credit", credit.id())
                .param("creditKind", credit.kind())
                .param("creditWs", credit.workspaceId())
                .param("creditCat", credit.category())
                .param("amount", amount)
                .param("kind", p.kind())
                .param("ws", p.workspaceId())
                .param("hold", p.holdId())
                .param("grant", p.grantId())
                .param("user", p.userId())
                .param("actorType", p.actor().type())
                .param("actorId", p.actor().id())
                .param("note", p.note())
                .param("at", Timestamp.from(clock.instant()))
                .query(Boolean.class)
                .single();
        return posted ? id : null;
    }

    /**
     * Locks the accounts grant expiry reads and moves (pool, budgets, held, expired) in id order,
     * as every posting takes its locks; returns the credits held by open holds.
     */
    public long lockForExpiry(OrgId org) {
        record Row(String kind, long balance) {}
        return jdbc
                .sql("""
                        SELECT kind, balance FROM ledger_accounts
                        WHERE org_id = :org AND kind IN ('pool', 'budget', 'held', 'expired') ORDER BY id FOR UPDATE
                        """)
                .param("org", org.value())
                .query((rs, n) -> new Row(rs.getString(1), rs.getLong(2)))
                .list()
                .stream()
                .filter(r -> r.kind().equals("held"))
                .mapToLong(Row::balance)
                .sum();
    }

    /**
     * The accounts expiry may draw from, in expiry order: pool, then budgets by balance (largest
     * first). Call after {@link #lockForExpiry}.
     */
    public java.util.List<Account> expirySources(OrgId org) {
        return jdbc.sql("""
                        SELECT id FROM ledger_accounts WHERE org_id = :org AND kind IN ('pool', 'budget') AND balance > 0
                        ORDER BY kind = 'budget', balance DESC, id
                        """)
                .param("org", org.value())
                .query((rs, n) -> Account.of(rs.getString(1)))
                .list();
    }

    /** Whether credit leases drawing on the account are open. */
    /**
     * Whether a lease drawing on the account holds credits no running call has taken: open and not
     * draining (a draining one holds only what the calls admitted from it reserved).
     */
    public boolean leasesUndrainedOn(OrgId org, String account) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM credit_leases WHERE org_id = :org AND source_account = :acc "
                        + "AND status = 'open' AND NOT draining)")
                .param("org", org.value())
                .param("acc", account)
                .query(Boolean.class)
                .single();
    }

    public boolean leasesOpenOn(OrgId org, String account) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM credit_leases WHERE org_id = :org AND source_account = :acc "
                        + "AND status = 'open')")
                .param("org", org.value())
                .param("acc", account)
                .query(Boolean.class)
                .single();
    }

    /** The balance, with the account locked until the transaction ends (0 when it does not exist). */
    public long lockedBalance(OrgId org, Account a) {
        return jdbc.sql("SELECT balance FROM ledger_accounts WHERE org_id = :org AND id = :id FOR UPDATE")
                .param("org", org.value())
                .param("id", a.id())
                .query(Long.class)
                .optional()
                .orElse(0L);
    }

    public long balance(OrgId org, Account a) {
        return jdbc.sql("SELECT coalesce((SELECT balance FROM ledger_accounts WHERE org_id = :org AND id = :id), 0)")
                .param("org", org.value())
                .param("id", a.id())
                .query(Long.class)
                .single();
    }
}
