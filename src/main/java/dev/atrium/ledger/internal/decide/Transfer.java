package dev.atrium.ledger.internal.decide;

import dev.atrium.ledger.Actor;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** A transfer to append to the journal: {@code amount} from {@code debit} to {@code credit}. */
public record Transfer(
        AccountKey debit,
        AccountKey credit,
        long amount,
        String kind,
        String workspace,
        String hold,
        @Nullable String user,
        Actor actor,
        @Nullable String note,
        Instant at) {

    public Transfer {
        if (amount <= 0) throw new IllegalArgumentException("a transfer moves a positive amount");
        if (!debit.org().equals(credit.org()))
            throw new IllegalArgumentException("a transfer stays in one organization");
    }

    public String org() {
        return debit.org();
    }
}
