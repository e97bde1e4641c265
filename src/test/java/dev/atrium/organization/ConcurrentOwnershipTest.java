package dev.atrium.organization;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Two owners acting at once can never leave the organization without an owner, nor get a 500. */
@IntegrationTest
class ConcurrentOwnershipTest {
    private static final int ROUNDS = 5;

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Test
    void twoOwnersLeavingAtOnceLeaveExactlyOneOwner() throws Exception {
        race((t, owners) -> owners.stream()
                .map(p -> (Function<Api, Api.Response>)
                        api -> api.as(p.token()).delete(t.path() + "/members/" + p.userId()))
                .toList());
    }

    @Test
    void twoOwnersDemotingEachOtherAtOnceLeaveExactlyOneOwner() throws Exception {
        race((t, owners) -> List.of(
                api -> api.as(owners.get(0).token())
                        .patch(t.path() + "/members/" + owners.get(1).userId(), Map.of("role", "admin")),
                api -> api.as(owners.get(1).token())
                        .patch(t.path() + "/members/" + owners.get(0).userId(), Map.of("role", "admin"))));
    }

    interface Moves {
        List<Function<Api, Api.Response>> of(Fixtures.Tenant t, List<Fixtures.Person> owners);
    }

    private void race(Moves moves) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                var t = fixtures.tenant("Two Owners " + round);
                var second = fixtures.addMember(t, "owner", null);
                var owners = List.of(t.owner(), second);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Api.Response>> futures = new ArrayList<>();
                for (var move : moves.of(t, owners)) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        return move.apply(fixtures.api());
                    }));
                }
                start.countDown();
                int succeeded = 0;
                for (var f : futures) {
                    var r = f.get(60, TimeUnit.SECONDS);
                    if (r.status() == 200 || r.status() == 204) {
                        succeeded++;
                    } else if (r.status() == 409) {
                        assertThat(r.text("code")).isEqualTo("last_owner");
                    } else {
                        // The other owner was demoted first: they are no longer an owner.
                        assertThat(r.status()).as("round " + round + ": " + r).isEqualTo(403);
                    }
                }
                assertThat(succeeded).as("round " + round).isEqualTo(1);
                long remaining = jdbc.sql(
                                "SELECT count(*) FROM org_members WHERE org_id = :org AND role = 'owner' AND status = 'active'")
                        .param("org", t.orgId())
                        .query(Long.class)
                        .single();
                assertThat(remaining).as("owners left in round " + round).isEqualTo(1L);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
