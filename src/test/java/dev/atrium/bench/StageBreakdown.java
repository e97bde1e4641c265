package dev.atrium.bench;

import dev.atrium.common.Credits;
import dev.atrium.gateway.internal.ChatService;
import dev.atrium.gateway.internal.ContextResolver;
import dev.atrium.gateway.internal.GatewayContext;
import dev.atrium.gateway.internal.GatewayMetrics;
import dev.atrium.gateway.internal.Models;
import dev.atrium.gateway.internal.Providers;
import dev.atrium.gateway.internal.Settlement;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Hold;
import dev.atrium.pricing.PricedModel;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where the time of one gateway call goes: the steps {@code POST /v1/chat/completions} takes, called
 * in-process one after another (as a request does, at concurrency 1) on the same beans, each timed
 * on its own; then the whole in-process call ({@code ChatService.prepare} + {@code complete}, no
 * HTTP), and the unit costs of the database (a round trip, a read-only transaction, a durable commit).
 * What the HTTP through-path adds beyond the sum is Tomcat, Spring MVC and Security, and JSON.
 */
final class StageBreakdown {
    private StageBreakdown() {}

    /** A stage, what it does in SQL (from the code), and its latencies in nanoseconds. */
    private record Stage(String name, String sql, Histogram h) {}

    /** Runs the breakdown and prints it; returns how many gateway calls it settled (two per iteration). */
    static long run(ConfigurableApplicationContext ctx, String key, String modelId, MockUpstream mock, int n)
            throws Exception {
        Identity identity = ctx.getBean(Identity.class);
        ContextResolver contexts = ctx.getBean(ContextResolver.class);
        Models models = ctx.getBean(Models.class);
        Settlement settlement = ctx.getBean(Settlement.class);
        Providers providers = ctx.getBean(Providers.class);
        GatewayMetrics metrics = ctx.getBean(GatewayMetrics.class);
        ChatService chat = ctx.getBean(ChatService.class);
        JsonMapper json = ctx.getBean(JsonMapper.class);
        JdbcClient jdbc = ctx.getBean(JdbcClient.class);
        TransactionTemplate tx = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
        TransactionTemplate readOnly = new TransactionTemplate(ctx.getBean(PlatformTransactionManager.class));
        readOnly.setReadOnly(true);
        jdbc.sql("CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, at timestamptz NOT NULL)")
                .update();

        Map<String, Stage> stages = new LinkedHashMap<>();
        for (String[] s : new String[][] {
            {"auth: Identity.resolve (bearer → caller)", "token lookup (+ last_used_at at most once a minute)"},
            {"context: ContextResolver.resolve", "1 SELECT: workspace + policy (+ role)"},
            {"model: Models.require (pricing)", "1 SELECT: the org's override"},
            {"hold: Settlement.reserve (Ledger.hold)", "funding; tx: lock accounts; 1 write; COMMIT"},
            {"upstream: OpenAiProvider.chat (total)", "HTTP to the mock"},
            {"upstream: the same, net of the mock's time", "HTTP client, JSON"},
            {"settle: Settlement.settle (capture+usage)", "tx: lock hold; lock accounts; 1 write; usage; COMMIT"},
            {"metrics: GatewayMetrics.completed", "-"},
            {"sum of the steps above (without upstream)", ""},
            {"in-process call: ChatService.prepare+complete", "all of it (+ history), minus HTTP in front"},
            {"  the same, net of the mock's time", ""},
            {"unit: SELECT 1 (autocommit round trip)", "1 round trip"},
            {"unit: read-only tx with SELECT 1", "BEGIN+SELECT; COMMIT"},
            {"unit: write tx with one INSERT (durable commit)", "BEGIN+INSERT; COMMIT (WAL flush)"}
        }) {
            stages.put(s[0], new Stage(s[0], s[1], new Histogram(4)));
        }
        long settled = 0;
        Histogram[] h = stages.values().stream().map(Stage::h).toArray(Histogram[]::new);

        for (int round = 0; round < 2; round++) {
            boolean measure = round == 1;
            int iterations = measure ? n : Math.max(50, n / 2);
            for (int i = 0; i < iterations; i++) {
                String tag = "bench-s" + round + "-" + i;
                long t0 = System.nanoTime();
                Caller caller = identity.resolve(key).orElseThrow();
                long t1 = System.nanoTime();
                GatewayContext gc = contexts.resolve(caller, null);
                long t2 = System.nanoTime();
                PricedModel model = models.require(gc, modelId, "chat");
                long t3 = System.nanoTime();
                Credits maximum = models.pricing().chatCost(model, 20, 64);
                Hold hold = settlement.reserve(gc, maximum, Category.CHAT, model.id());
                long t4 = System.nanoTime();
                ObjectNode upstream = request(json, model.upstreamModel(), tag);
                var response = providers
                        .get(model.provider())
                        .chat(providers.call(gc.org(), model.provider(), model.upstreamModel()), upstream);
                long t5 = System.nanoTime();
                long served = mock.takeServedNanos(tag);
                long in = response.path("usage").path("prompt_tokens").asLong(20);
                long out = response.path("usage").path("completion_tokens").asLong(64);
                Instant started = Instant.now();
                Credits charged = settlement.settle(
                        gc,
                        hold,
                        new Settlement.Outcome(
                                model.id(),
                                model.provider(),
                                "chat",
                                "chat",
                                in,
                                out,
                                models.pricing().chatCost(model, in, out),
                                "ok",
                                started));
                long t6 = System.nanoTime();
                metrics.completed(model, "chat", started, charged);
                long t7 = System.nanoTime();

                String tag2 = tag + "-full";
                long f0 = System.nanoTime();
                Caller c2 = identity.resolve(key).orElseThrow();
                GatewayContext gc2 = contexts.resolve(c2, null);
                ChatService.Prepared prepared = chat.prepare(gc2, request(json, modelId, tag2), null);
                chat.complete(prepared);
                long f1 = System.nanoTime();
                long served2 = mock.takeServedNanos(tag2);

                settled += 2;
                long u0 = System.nanoTime();
                jdbc.sql("SELECT 1").query(Integer.class).single();
                long u1 = System.nanoTime();
                readOnly.executeWithoutResult(
                        s -> jdbc.sql("SELECT 1").query(Integer.class).single());
                long u2 = System.nanoTime();
                tx.executeWithoutResult(s ->
                        jdbc.sql("INSERT INTO bench_commit (at) VALUES (now())").update());
                long u3 = System.nanoTime();

                if (!measure) continue;
                h[0].recordValue(t1 - t0);
                h[1].recordValue(t2 - t1);
                h[2].recordValue(t3 - t2);
                h[3].recordValue(t4 - t3);
                h[4].recordValue(t5 - t4);
                if (served >= 0) h[5].recordValue(Math.max(0, t5 - t4 - served));
                h[6].recordValue(t6 - t5);
                h[7].recordValue(t7 - t6);
                h[8].recordValue((t4 - t0) + (t7 - t5));
                h[9].recordValue(f1 - f0);
                if (served2 >= 0) h[10].recordValue(Math.max(0, f1 - f0 - served2));
                h[11].recordValue(u1 - u0);
                h[12].recordValue(u2 - u1);
                h[13].recordValue(u3 - u2);
            }
        }
        jdbc.sql("DROP TABLE bench_commit").update();

        System.out.printf(
                "%nbreakdown: %d in-process calls at concurrency 1 on the same beans (after %d warm-up), µs:%n",
                n, n / 2);
        System.out.printf("  %-48s %8s %8s %8s %8s   %s%n", "step", "p50", "p90", "p99", "mean", "SQL");
        for (Stage s : stages.values()) {
            System.out.printf(
                    "  %-48s %8.0f %8.0f %8.0f %8.0f   %s%n",
                    s.name(),
                    s.h().getValueAtPercentile(50) / 1e3,
                    s.h().getValueAtPercentile(90) / 1e3,
                    s.h().getValueAtPercentile(99) / 1e3,
                    s.h().getMean() / 1e3,
                    s.sql());
        }
        return settled;
    }

    private static ObjectNode request(JsonMapper json, String model, String tag) {
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", "You are terse.");
        messages.addObject().put("role", "user").put("content", "Say hello in one short sentence.");
        body.put("max_tokens", 64);
        body.put("user", tag);
        return body;
    }
}
