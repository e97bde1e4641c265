package dev.atrium.ledger.internal.decide;

import dev.atrium.common.OrgId;
import dev.atrium.ledger.internal.Account;
import java.util.Comparator;

/** A ledger account of one organization, by id; ordered as every ledger transaction locks accounts. */
public record AccountKey(String org, String id) implements Comparable<AccountKey> {
    private static final Comparator<AccountKey> ORDER =
            Comparator.comparing(AccountKey::org).thenComparing(AccountKey::id);

    public static AccountKey of(OrgId org, Account account) {
        return new AccountKey(org.value(), account.id());
    }

    /** The one account a debit may take below zero: credits enter the books from it. */
    public boolean mayGoNegative() {
        return id.equals(Account.GRANTS.id());
    }

    @Override
    public int compareTo(AccountKey o) {
        return ORDER.compare(this, o);
    }
}
