package dev.atrium.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.ledger.Actor;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Funding;
import dev.atrium.ledger.HoldRequest;
import dev.atrium.ledger.LedgerIntegrationTest;
import dev.atrium.ledger.Period;
import dev.atrium.ledger.internal.decide.Operation.Resolution;
import dev.atrium.ledger.internal.decide.Outcome;
import dev.atrium.support.Fixtures;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A batch costs the same few statements however many calls it holds, and deciding its calls one
 * by one in Java adds none: besides the funding read, a batch of holds locks the counters, locks
 * the accounts and writes (3 statements), a batch of captures first locks the holds (4), and a
 * call joining a caller's transaction takes the same statements as a batch of one.
 */
@LedgerIntegrationTest
class BatchStatementsTest {
    private static final int CALLS = 16;

    @Autowired
    DataSource dataSource;

    @Autowired
    FundingRows funding;

    @Autowired
    Clock clock;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    Fixtures fixtures;

    @Autowired
    CreditMoves admin;

    /** Counts the statements the applier sends (each goes through {@code execute(ConnectionCallback)}). */
    static final class CountingJdbc extends JdbcTemplate {
        final AtomicInteger statements = new AtomicInteger();

        CountingJdbc(DataSource dataSource) {
            super(dataSource);
        }

        @Override
        public <T> T execute(ConnectionCallback<T> action) {
            statements.incrementAndGet();
            return super.execute(action);
        }
    }

    @Test
    void aBatchCostsAFixedHandfulOfStatementsWhateverItsSize() {
        var t = fixtures.tenant("Batch Statements");
        OrgId org = new OrgId(t.orgId());
        WorkspaceId ws = new WorkspaceId(fixtures.workspace(t, "limited"));
        UserId user = new UserId(t.owner().userId());
        admin.grant(org, Credits.parse("1000"), "purchase", null, null, Actor.SYSTEM);
        admin.setFunding(
                org,
                ws,
                new Funding(
                        Funding.Mode.POOL,
                        new Funding.Limit(Credits.parse("500"), Period.DAY),
                        new Funding.Limit(Credits.parse("400"), Period.WEEK),
                        false,
                        null),
                Actor.SYSTEM);
        CountingJdbc jdbc = new CountingJdbc(dataSource);
        BatchApplier applier = new BatchApplier(jdbc, funding, clock, transactions);
        List<Call> holds = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            holds.add(new Call.Reserve(
                    new HoldRequest(org, ws, user, Credits.parse("2"), Category.CHAT, "m", null, Actor.SYSTEM),
                    Duration.ofMinutes(10)));
        }
        applier.apply(holds); // creates the rows it locks, once per node

        jdbc.statements.set(0);
        List<Outcome> held = applier.apply(holds);
        assertThat(held).allMatch(o -> o instanceof Outcome.Decided);
        assertThat(jdbc.statements.get())
                .as("statements of a batch of %d holds", CALLS)
                .isEqualTo(3);

        List<Call> captures = new ArrayList<>();
        for (Outcome o : held) {
            captures.add(new Call.Resolve(
                    org, ((Outcome.Decided) o).hold().id(), Resolution.CAPTURE, 1_000_000L, Actor.SYSTEM, null));
        }
        jdbc.statements.set(0);
        assertThat(applier.apply(captures)).allMatch(o -> o instanceof Outcome.Decided);
        assertThat(jdbc.statements.get())
                .as("statements of a batch of %d captures", CALLS)
                .isEqualTo(4);

        jdbc.statements.set(0);
        List<Outcome> joined = new TransactionTemplate(transactions)
                .execute(s -> applier.applyInTransaction(List.of(holds.getFirst())));
        assertThat(joined).allMatch(o -> o instanceof Outcome.Decided);
        assertThat(jdbc.statements.get())
                .as("statements of a hold joining a transaction")
                .isEqualTo(3);
    }
}
