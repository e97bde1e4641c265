package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The gateway end to end against local upstreams: a real OpenAI-compatible server and a real
 * Anthropic Messages server on loopback ports, started before the application (which is pointed at
 * them) and shared by every test class extending this one, like the application itself (one cached
 * context). Timeouts are short so that the fault tests stay fast.
 */
@IntegrationTest
@TestPropertySource(
        properties = {
            "atrium.gateway.connect-timeout=PT1S",
            "atrium.gateway.first-byte-timeout=PT2S",
            "atrium.gateway.idle-timeout=PT2S",
            "atrium.providers.openai.api-key=sk-local-openai",
            "atrium.providers.openai.max-attempts=2",
            "atrium.providers.openai.retry-backoff=PT0.01S",
            "atrium.providers.anthropic.api-key=sk-ant-local",
            "atrium.providers.anthropic.max-attempts=2",
            "atrium.providers.anthropic.retry-backoff=PT0.01S"
        })
abstract class UpstreamGatewayTest {
    /** What the default OpenAI answers say and report. */
    static final List<String> OPENAI_PIECES = List.of("Hello", " from", " the", " upstream", ".");

    static final Wire.Usage OPENAI_USAGE = new Wire.Usage(11, 6);
    static final List<String> ANTHROPIC_PIECES = List.of("Bonjour", " from", " Claude", ".");
    static final Wire.Usage ANTHROPIC_USAGE = new Wire.Usage(25, 7);

    static final LocalUpstream OPENAI = new LocalUpstream().route("/v1/chat/completions", (request, exchange) -> {
        boolean stream = request.json().path("stream").asBoolean(false);
        (stream
                        ? Wire.openAiStream(OPENAI_PIECES, OPENAI_USAGE)
                        : Wire.openAiChat(String.join("", OPENAI_PIECES), OPENAI_USAGE))
                .respond(request, exchange);
    });
    static final LocalUpstream ANTHROPIC = new LocalUpstream().route("/v1/messages", (request, exchange) -> {
        boolean stream = request.json().path("stream").asBoolean(false);
        (stream
                        ? Wire.anthropicStream(ANTHROPIC_PIECES, "end_turn", ANTHROPIC_USAGE, false)
                        : Wire.anthropicMessage(String.join("", ANTHROPIC_PIECES), "end_turn", ANTHROPIC_USAGE, 0))
                .respond(request, exchange);
    });

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) {
        registry.add("atrium.providers.openai.base-url", () -> OPENAI.origin() + "/v1");
        registry.add("atrium.providers.anthropic.base-url", ANTHROPIC::origin);
    }

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    dev.atrium.gateway.settle.SettlementWriter settlementWriter;

    /** Calls are settled just after they are answered: what reads the tables directly waits for that first. */
    void awaitSettlements() {
        assertThat(settlementWriter.awaitCommitted(java.time.Duration.ofSeconds(10)))
                .isTrue();
    }

    /** A tenant with credits and a key of its primary workspace. */
    record Funded(Fixtures.Tenant tenant, String key, OpenAIClient client) {
        String org() {
            return tenant.orgId();
        }

        String ws() {
            return tenant.primaryWorkspaceId();
        }
    }

    Funded funded(String name, String credits) {
        var t = fixtures.tenant(name);
        if (credits != null) {
            var grant =
                    fixtures.api().as(t.owner().token()).post(t.path() + "/credits/grants", Map.of("amount", credits));
            assertThat(grant.status()).as(grant.toString()).isEqualTo(201);
        }
        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        return new Funded(t, key, sdk(key));
    }

    OpenAIClient sdk(String bearer) {
        return OpenAIOkHttpClient.builder()
                .apiKey(bearer)
                .baseUrl(fixtures.baseUrl() + "/v1")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    static String tag() {
        return "tag-" + UUID.randomUUID();
    }

    /** One usage event as stored. */
    record Event(
            String workspaceId,
            String userId,
            String keyId,
            String model,
            String provider,
            String category,
            String operation,
            long inputUnits,
            long outputUnits,
            long credits,
            String status,
            String holdId,
            String requestId) {}

    List<Event> events(String org) {
        awaitSettlements();
        return jdbc.sql("""
                        SELECT workspace_id, user_id, key_id, model, provider, category, operation, input_units,
                               output_units, credits, status, hold_id, request_id
                        FROM usage_events WHERE org_id = :org ORDER BY occurred_at, id""")
                .param("org", org)
                .query((rs, n) -> new Event(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getLong(8),
                        rs.getLong(9),
                        rs.getLong(10),
                        rs.getString(11),
                        rs.getString(12),
                        rs.getString(13)))
                .list();
    }

    Event onlyEvent(String org) {
        List<Event> events = events(org);
        assertThat(events).hasSize(1);
        return events.getFirst();
    }

    /** Micro-credits moved to spent by captures. */
    long captured(String org) {
        awaitSettlements();
        return jdbc.sql(
                        "SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'")
                .param("org", org)
                .query(Long.class)
                .single();
    }

    @Autowired
    dev.atrium.ledger.CreditLeases creditLeases;

    /** Calls captured from credit leases (each under its own reservation id). */
    long leaseCaptures(String org) {
        awaitSettlements();
        return jdbc.sql("SELECT count(*) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture' "
                        + "AND hold_id LIKE 'rsv\\_%'")
                .param("org", org)
                .query(Long.class)
                .single();
    }

    /** Hold statuses of the organization, by count. */
    Map<String, Long> holds(String org) {
        awaitSettlements();
        return jdbc
                .sql("SELECT status, count(*) FROM holds WHERE org_id = :org GROUP BY status")
                .param("org", org)
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .list()
                .stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    JsonNode invariant(Fixtures.Tenant t) {
        var r = fixtures.api().as(t.owner().token()).get(t.path() + "/credits/invariant");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    /** The books balance, nothing is held, and usage credits equal the ledger's captures. */
    void assertSettled(Fixtures.Tenant t) {
        JsonNode invariant = invariant(t);
        assertThat(invariant.path("holds").asBoolean()).as(invariant.toString()).isTrue();
        assertThat(invariant.path("open_holds").asString())
                .as(invariant.toString())
                .isEqualTo("0");
        assertThat(holds(t.orgId())).doesNotContainKey("held");
        long usage = events(t.orgId()).stream().mapToLong(Event::credits).sum();
        assertThat(captured(t.orgId())).isEqualTo(usage);
    }

    /** Waits (at most 5 s) until no hold of the organization is open. */
    void awaitNoOpenHold(String org) {
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(holds(org)).doesNotContainKey("held"));
    }

    /** Credits (micro) of a gpt-4o-mini call: 15 credits per 1M input tokens, 60 per 1M output tokens. */
    static long gpt4oMini(long in, long out) {
        return 15 * in + 60 * out;
    }

    /** Credits (micro) of a claude-haiku-4-5 call: 100 credits per 1M input tokens, 500 per 1M output. */
    static long haiku(long in, long out) {
        return 100 * in + 500 * out;
    }

    /** The gateway's own estimate of a text's tokens (about four characters each). */
    static long estimate(String text) {
        return text.isEmpty() ? 0 : (text.length() + 3) / 4;
    }

    /** Micro-credits as the decimal the API prints. */
    static String decimal(long micros) {
        return new java.math.BigDecimal(micros)
                .movePointLeft(6)
                .stripTrailingZeros()
                .toPlainString();
    }
}
