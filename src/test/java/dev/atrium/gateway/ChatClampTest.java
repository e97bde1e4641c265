package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * A chat call the credits left cannot pay in full (the model's whole output) but can pay for the
 * prompt and a useful answer runs with {@code max_completion_tokens} lowered to what they pay for,
 * holds that, and says so; below the minimum (256 tokens) it is refused with 402 as before.
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class ChatClampTest {
    /** demo/chat: 100 credits per 1M input tokens, 400 per 1M output tokens, in micro-credits per token. */
    private static final long IN = 100;

    private static final long OUT = 400;
    /** The gateway's estimate of a one-message "hello" prompt: 3 + 4 per message + 2 for the text. */
    private static final long HELLO_PROMPT = 9;

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    private static Map<String, Object> hello(boolean stream) {
        return Map.of(
                "model",
                "demo/chat",
                "stream",
                stream,
                "messages",
                List.of(Map.of("role", "user", "content", "hello")));
    }

    /** A budget-funded workspace of a funded organization, with {@code credits} in its budget. */
    private record Budgeted(Fixtures.Tenant tenant, String ws, String key) {}

    private Budgeted budget(String name, String credits) {
        var t = fixtures.tenant(name);
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Tight");
        var funding = owner.put(t.ws(ws) + "/funding", Map.of("mode", "budget"));
        assertThat(funding.status()).as(funding.toString()).isEqualTo(200);
        var allocation = owner.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", credits));
        assertThat(allocation.status()).as(allocation.toString()).isEqualTo(201);
        return new Budgeted(t, ws, fixtures.workspaceKey(t, ws));
    }

    private record HoldRow(long amount, long captured, String status) {}

    private List<HoldRow> holds(String org) {
        return jdbc.sql("SELECT amount, coalesce(captured, 0), status FROM holds WHERE org_id = :org")
                .param("org", org)
                .query((rs, n) -> new HoldRow(rs.getLong(1), rs.getLong(2), rs.getString(3)))
                .list();
    }

    private long usageMicros(String org) {
        return jdbc.sql("SELECT coalesce(sum(credits), 0) FROM usage_events WHERE org_id = :org")
                .param("org", org)
                .query(Long.class)
                .single();
    }

    @Test
    void aBudgetThatCannotPayTheWholeOutputRunsAShorterAnswerAndSaysSo() {
        // 0.498 credits: the whole 4,096-token output would need about 1.64
        Budgeted b = budget("Half Credit Co", "0.498");
        long expected = (498_000 - HELLO_PROMPT * IN) / OUT; // 1,242 tokens
        var r = fixtures.api().as(b.key()).post("/v1/chat/completions", hello(false));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("x-atrium-max-tokens-clamped")).isEqualTo(String.valueOf(expected));
        assertThat(r.json().path("usage").path("completion_tokens").asLong()).isBetween(1L, expected);

        List<HoldRow> holds = holds(b.tenant().orgId());
        assertThat(holds).hasSize(1);
        HoldRow hold = holds.getFirst();
        assertThat(hold.amount()).isEqualTo(HELLO_PROMPT * IN + expected * OUT).isLessThanOrEqualTo(498_000);
        assertThat(hold.status()).isEqualTo("captured");
        assertThat(hold.captured()).isPositive().isLessThanOrEqualTo(hold.amount());
        assertThat(usageMicros(b.tenant().orgId())).isEqualTo(hold.captured());
        assertThat(r.header("x-atrium-credits-charged"))
                .isEqualTo(new java.math.BigDecimal(hold.captured())
                        .movePointLeft(6)
                        .stripTrailingZeros()
                        .toPlainString());

        // streamed, the same: the header comes with the stream
        var streamed = fixtures.api().as(b.key()).post("/v1/chat/completions", hello(true));
        assertThat(streamed.status()).as(streamed.toString()).isEqualTo(200);
        assertThat(streamed.header("x-atrium-max-tokens-clamped")).isNotNull();
        assertThat(streamed.body()).contains("data: [DONE]");
    }

    @Test
    void aCallThatCanBePaidInFullIsNotClamped() {
        Budgeted b = budget("Full Credit Co", "5");
        var r = fixtures.api().as(b.key()).post("/v1/chat/completions", hello(false));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("x-atrium-max-tokens-clamped")).isNull();
        assertThat(holds(b.tenant().orgId()).getFirst().amount()).isEqualTo(HELLO_PROMPT * IN + 4096 * OUT);
    }

    @Test
    void belowTheMinimumTheCallIsRefusedWith402AsBefore() {
        // 0.1 credits pay for 247 output tokens after the prompt: fewer than the minimum of 256
        Budgeted b = budget("Tenth Credit Co", "0.1");
        var r = fixtures.api().as(b.key()).post("/v1/chat/completions", hello(false));
        assertThat(r.status()).as(r.toString()).isEqualTo(402);
        assertThat(r.json().path("error").path("code").asString()).isEqualTo("insufficient_credits");
        assertThat(holds(b.tenant().orgId())).isEmpty();

        // a client limit below the minimum that the credits do pay for runs unclamped
        var small = fixtures.api()
                .as(b.key())
                .post(
                        "/v1/chat/completions",
                        Map.of(
                                "model",
                                "demo/chat",
                                "max_tokens",
                                100,
                                "messages",
                                List.of(Map.of("role", "user", "content", "hello"))));
        assertThat(small.status()).as(small.toString()).isEqualTo(200);
        assertThat(small.header("x-atrium-max-tokens-clamped")).isNull();
    }

    @Test
    void aMembersSpendLimitIsAmongTheLimitsTheClampRespects() {
        var t = fixtures.tenant("Member Limit Co");
        Api owner = fixtures.api().as(t.owner().token());
        owner.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        String ws = fixtures.workspace(t, "Shared");
        var funding = owner.put(
                t.ws(ws) + "/funding",
                Map.of("mode", "pool", "member_spend_limit", Map.of("amount", "0.3", "period", "day")));
        assertThat(funding.status()).as(funding.toString()).isEqualTo(200);
        var member = fixtures.addMember(t, "member", ws);
        var r = fixtures.api()
                .as(member.token())
                .withHeader("X-Atrium-Workspace-Id", ws)
                .post("/v1/chat/completions", hello(false));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        long expected = (300_000 - HELLO_PROMPT * IN) / OUT; // 747 tokens
        assertThat(r.header("x-atrium-max-tokens-clamped")).isEqualTo(String.valueOf(expected));
        HoldRow hold = holds(t.orgId()).getFirst();
        assertThat(hold.amount()).isLessThanOrEqualTo(300_000);
        assertThat(hold.captured()).isLessThanOrEqualTo(hold.amount());
    }
}
