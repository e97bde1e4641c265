package dev.atrium.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A spend limit counts everything spent in the current period, whenever it was set or changed: a
 * limit set after some spending, or lowered below it, refuses further spending at once.
 */
@IntegrationTest
class SpendLimitMidPeriodTest {
    private static final Map<String, String> IMAGE =
            Map.of("model", "demo/image", "prompt", "a harbour", "size", "1024x1024"); // 2 credits

    @Autowired
    Fixtures fixtures;

    private Fixtures.Tenant t;
    private Api owner;
    private String ws;

    @BeforeEach
    void setUp() {
        t = fixtures.tenant("Limits Co");
        owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        ws = fixtures.workspace(t, "Limited");
    }

    private Api.Response image(Api caller) {
        return caller.withHeader("X-Atrium-Workspace-Id", ws).post("/v1/images/generations", IMAGE);
    }

    private void fund(Map<String, Object> body) {
        var r = owner.put(t.ws(ws) + "/funding", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    private BigDecimal spentThisPeriod() {
        for (JsonNode w : owner.get(t.path() + "/credits").json().path("workspaces")) {
            if (w.path("workspace_id").asString().equals(ws)) {
                return new BigDecimal(w.path("spent_period").asString());
            }
        }
        throw new AssertionError("workspace not in the credits overview");
    }

    @Test
    void aWorkspaceLimitSetAfterSpendingCountsThatSpending() {
        Api key = fixtures.api().as(fixtures.workspaceKey(t, ws));
        assertThat(image(key).status()).isEqualTo(200);

        fund(Map.of("mode", "pool", "spend_limit", Map.of("amount", "2.5", "period", "month")));

        assertThat(image(key).status()).isEqualTo(402);
        assertThat(spentThisPeriod()).isEqualByComparingTo("2");
    }

    @Test
    void aLimitLoweredBelowWhatIsSpentRefusesAtOnceAndRaisingItAdmitsAgain() {
        Api key = fixtures.api().as(fixtures.workspaceKey(t, ws));
        fund(Map.of("mode", "pool", "spend_limit", Map.of("amount", "100", "period", "month")));
        assertThat(image(key).status()).isEqualTo(200);
        assertThat(image(key).status()).isEqualTo(200);

        fund(Map.of("mode", "pool", "spend_limit", Map.of("amount", "3", "period", "month")));
        assertThat(image(key).status()).isEqualTo(402);

        // A period change counts the spending of the new period: this month's 4 credits are also today's.
        fund(Map.of("mode", "pool", "spend_limit", Map.of("amount", "5", "period", "day")));
        assertThat(image(key).status()).isEqualTo(402);

        fund(Map.of("mode", "pool", "spend_limit", Map.of("amount", "6", "period", "day")));
        assertThat(image(key).status()).isEqualTo(200);
        assertThat(image(key).status()).isEqualTo(402);
        assertThat(spentThisPeriod()).isEqualByComparingTo("6");
    }

    @Test
    void aLimitRemovedAndSetAgainCountsWhatWasSpentInBetween() {
        Api key = fixtures.api().as(fixtures.workspaceKey(t, ws));
        fund(Map.of("mode", "pool", "spend_limit", Map.of("amount", "5", "period", "week")));
        assertThat(image(key).status()).isEqualTo(200);
        fund(Map.of("mode", "pool"));
        assertThat(image(key).status()).isEqualTo(200);

        fund(Map.of("mode", "pool", "spend_limit", Map.of("amount", "5", "period", "week")));
        assertThat(image(key).status()).isEqualTo(402);
    }

    @Test
    void aMemberLimitSetAfterSpendingCountsThatMembersSpending() {
        var member = fixtures.addMember(t, "member", ws);
        var other = fixtures.addMember(t, "member", ws);
        Api asMember = fixtures.api().as(member.token());
        Api asOther = fixtures.api().as(other.token());
        assertThat(image(asMember).status()).isEqualTo(200);

        fund(Map.of("mode", "pool", "member_spend_limit", Map.of("amount", "3", "period", "month")));

        var second = image(asMember);
        assertThat(second.status()).isEqualTo(402);
        assertThat(second.body()).contains("member");
        // Another member's spending is their own.
        assertThat(image(asOther).status()).isEqualTo(200);
        assertThat(image(asOther).status()).isEqualTo(402);
    }
}
