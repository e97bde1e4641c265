package dev.atrium.bench;

import dev.atrium.AtriumApplication;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.common.WorkspaceId;
import dev.atrium.history.History;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.User;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrganizationService;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceKind;
import dev.atrium.workspace.WorkspaceService;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * bench/history-search: loads {@code --messages} messages (default 10^6, 10 per conversation) into
 * one workspace, and as many into a second workspace of another organization (the GIN indexes
 * hold every tenant), then times {@link History#list} searches — first pages and deeper pages —
 * over query classes from rare words to very common ones, and prints p50/p99 per class and overall
 * with the query plan of one search. Run by {@code bench/history-search/run.sh}; not a test.
 *
 * <p>Flags: {@code --messages=1000000 --other-messages=1000000 --per-class=40 --data-dir=…}.
 */
public final class HistorySearchBench {
    /** Syllables of the synthetic vocabulary: 16 × 16 × 16 = 4,096 words, drawn with a skew. */
    private static final String[] SYL = {
        "ka", "lo", "mi", "ta", "ren", "sol", "vin", "dar", "pe", "qu", "bra", "tor", "nim", "ul", "zef", "go"
    };

    private HistorySearchBench() {}

    static String word(int n) {
        return SYL[n / 256 % 16] + SYL[n / 16 % 16] + SYL[n % 16] + "x";
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> f = new HashMap<>();
        for (String a : argv) f.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        long messages = Long.parseLong(f.getOrDefault("messages", "1000000"));
        long other = Long.parseLong(f.getOrDefault("other-messages", String.valueOf(messages)));
        int perClass = Integer.parseInt(f.getOrDefault("per-class", "40"));
        String dataDir = f.getOrDefault("data-dir", "target/bench-data/history-search-" + UUID.randomUUID());

        SpringApplication app = new SpringApplication(AtriumApplication.class);
        app.setDefaultProperties(Map.of(
                "atrium.data-dir", dataDir,
                "atrium.database.url", "",
                "atrium.database.embedded.ephemeral", "false",
                "atrium.database.pool-size", "8",
                "atrium.setup-token", "atr_setup_bench-token",
                "atrium.jobs.enabled", "false",
                "server.port", "0",
                "spring.main.banner-mode", "off",
                "logging.level.root", "WARN"));
        try (ConfigurableApplicationContext ctx = app.run("--server.port=0", "--atrium.data-dir=" + dataDir)) {
            JdbcClient jdbc = ctx.getBean(JdbcClient.class);
            WorkspaceAccess target = workspace(ctx, "Bench search");
            WorkspaceAccess noise = workspace(ctx, "Bench noise");
            System.out.printf(
                    "history-search: %,d messages in the measured workspace, %,d in another organization's; %d CPUs,"
                            + " load average %.2f%n",
                    messages,
                    other,
                    Runtime.getRuntime().availableProcessors(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            long t0 = System.nanoTime();
            load(jdbc, target, messages, "m");
            load(jdbc, noise, other, "n");
            jdbc.sql("VACUUM ANALYZE messages").update();
            jdbc.sql("VACUUM ANALYZE conversations").update();
            System.out.printf(
                    "loaded in %.0f s; messages table %s, its GIN index %s%n",
                    (System.nanoTime() - t0) / 1e9,
                    jdbc.sql("SELECT pg_size_pretty(pg_total_relation_size('messages'))")
                            .query(String.class)
                            .single(),
                    jdbc.sql("SELECT pg_size_pretty(pg_relation_size('messages_search_idx'))")
                            .query(String.class)
                            .single());

            History history = ctx.getBean(History.class);
            Random random = new Random(7);
            // Word n is drawn with probability ~ n^-0.75 (see load): low n are common, high n rare.
            Map<String, List<String>> classes = new LinkedHashMap<>();
            classes.put("rare word", queries(perClass, () -> word(3000 + random.nextInt(1000))));
            classes.put("mid word", queries(perClass, () -> word(200 + random.nextInt(300))));
            classes.put("common word", queries(perClass, () -> word(random.nextInt(8))));
            classes.put(
                    "two words (AND)",
                    queries(perClass, () -> word(20 + random.nextInt(100)) + " " + word(20 + random.nextInt(100))));
            classes.put(
                    "phrase",
                    queries(perClass, () -> "\"" + word(random.nextInt(30)) + " " + word(random.nextInt(30)) + "\""));
            classes.put(
                    "or + not",
                    queries(
                            perClass,
                            () -> word(100 + random.nextInt(100)) + " or " + word(1000 + random.nextInt(1000)) + " -"
                                    + word(random.nextInt(4))));
            classes.put("no match", queries(perClass, () -> "zeppelin" + random.nextInt(1000)));

            // Warm-up: the first queries read the indexes from disk.
            for (int i = 0; i < 20; i++) history.list(target, word(i * 37 % 4096), new PageRequest(20, null));

            List<Long> all = new ArrayList<>();
            System.out.printf("%-16s %6s %9s %9s %9s %9s%n", "class", "n", "p50 ms", "p99 ms", "max ms", "hits/p1");
            for (var e : classes.entrySet()) {
                List<Long> lat = new ArrayList<>();
                long hits = 0;
                for (String q : e.getValue()) {
                    long s = System.nanoTime();
                    var page = history.list(target, q, new PageRequest(20, null));
                    lat.add(System.nanoTime() - s);
                    hits += page.data().size();
                    if (page.next() != null) {
                        s = System.nanoTime();
                        history.list(target, q, new PageRequest(20, "200"));
                        lat.add(System.nanoTime() - s);
                    }
                }
                all.addAll(lat);
                print(e.getKey(), lat, hits / (double) e.getValue().size());
            }
            print("all", all, Double.NaN);

            for (String q : List.of(word(300), word(1))) {
                System.out.println("\nEXPLAIN (ANALYZE, BUFFERS) of a search for '" + q + "' (first page):");
                jdbc.sql("EXPLAIN (ANALYZE, BUFFERS) " + searchSql(q.equals(word(1))))
                        .param("q", q)
                        .param("org", target.workspace().org().value())
                        .param("ws", target.workspace().id().value())
                        .query(String.class)
                        .list()
                        .forEach(System.out::println);
            }
            System.out.printf(
                    "%nload average at the end: %.2f%n",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /**
     * The ranking statement of {@code Conversations.search} for a workspace admin, first page: all
     * matches, or (past 10,000 matches) the most recent 10,000.
     */
    static String searchSql(boolean recent) {
        String sql = """
                WITH query AS (SELECT websearch_to_tsquery('english', :q) AS tsq),
                msg AS (
                    SELECT m.conversation_id AS id, m.search
                    FROM messages m, query
                    WHERE m.org_id = :org AND m.workspace_id = :ws AND MSEARCH @@ query.tsq
                    RECENT),
                ttl AS (
                    SELECT t.id, t.search
                    FROM conversations t, query
                    WHERE t.org_id = :org AND t.workspace_id = :ws AND t.search @@ query.tsq
                    ORDER BY t.updated_at DESC, t.id DESC
                    LIMIT 10000),
                hits AS (
                    SELECT msg.id, CAST(0 AS real) AS title, ts_rank(msg.search, query.tsq) AS rank FROM msg, query
                    UNION ALL
                    SELECT ttl.id, 2 * ts_rank(ttl.search, query.tsq), CAST(0 AS real) FROM ttl, query),
                scored AS (SELECT id, max(title) + max(rank) AS score FROM hits GROUP BY id)
                SELECT c.id, c.title FROM scored
                JOIN conversations c ON c.org_id = :org AND c.workspace_id = :ws AND c.id = scored.id
                ORDER BY scored.score DESC, c.id DESC
                OFFSET 0 LIMIT 21
                """;
        // Past the cap, Conversations.search keeps the planner off the GIN index (walks the time index).
        return sql.replace("MSEARCH", recent ? "(m.search || ''::tsvector)" : "m.search")
                .replace(
                        "RECENT",
                        recent ? "ORDER BY m.created_at DESC, m.conversation_id DESC, m.seq DESC LIMIT 10000" : "");
    }

    private static List<String> queries(int n, java.util.function.Supplier<String> q) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(q.get());
        return out;
    }

    private static void print(String name, List<Long> nanos, double hits) {
        long[] s = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(
                "%-16s %6d %9.1f %9.1f %9.1f %9s%n",
                name,
                s.length,
                s[(int) Math.min(s.length - 1, Math.floor(s.length * 0.50))] / 1e6,
                s[(int) Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] / 1e6,
                s[s.length - 1] / 1e6,
                Double.isNaN(hits) ? "" : String.format("%.1f", hits));
    }

    private static WorkspaceAccess workspace(ConfigurableApplicationContext ctx, String name) {
        User user = ctx.getBean(Identity.class)
                .createUser("bench-" + UUID.randomUUID() + "@example.com", "correct horse battery staple", "Bench");
        Caller caller = new Caller.User(user.id(), KeyId.next());
        OrgId org = ctx.getBean(OrganizationService.class)
                .create(user.id(), caller, name)
                .id();
        var orgAccess = ctx.getBean(Access.class).to(caller, org);
        WorkspaceId ws = ctx.getBean(WorkspaceService.class)
                .create(orgAccess, name, WorkspaceKind.OTHER, null)
                .id();
        return ctx.getBean(WorkspaceService.class).access(orgAccess, ws);
    }

    /** Conversations of 10 messages of 12 words each, by set-based SQL in batches of 100,000 messages. */
    private static void load(JdbcClient jdbc, WorkspaceAccess w, long messages, String tag) {
        String vocabulary = "(SELECT array_agg(w ORDER BY n) FROM (VALUES "
                + String.join(
                        ",",
                        java.util.stream.IntStream.range(0, 4096)
                                .mapToObj(n -> "(" + n + ",'" + word(n) + "')")
                                .toList())
                + ") v(n, w))";
        String org = w.workspace().org().value();
        String ws = w.workspace().id().value();
        long conversations = (messages + 9) / 10;
        jdbc.sql("""
                        INSERT INTO conversations (org_id, workspace_id, id, title, created_by_key, transcript_hash,
                            message_count, created_at, updated_at)
                        SELECT :org, :ws, 'cnv_01jz' || :tag || lpad(i::text, 21, '0'),
                               'Conversation ' || i, 'key_01jz0000000000000000000000', repeat('0', 64), 10, now(), now()
                        FROM generate_series(1, :n) AS i
                        """)
                .param("org", org)
                .param("ws", ws)
                .param("tag", tag)
                .param("n", conversations)
                .update();
        for (long from = 0; from < messages; from += 100_000) {
            long to = Math.min(messages, from + 100_000);
            jdbc.sql("""
                            WITH vocab AS (SELECT %s AS words)
                            INSERT INTO messages (org_id, workspace_id, conversation_id, seq, role, content, created_at)
                            SELECT :org, :ws, 'cnv_01jz' || :tag || lpad((s.g / 10 + 1)::text, 21, '0'), s.g %% 10 + 1,
                                   CASE WHEN s.g %% 2 = 0 THEN 'user' ELSE 'assistant' END,
                                   (SELECT string_agg(words[1 + (floor(4096 * power(random(), 4))::int + 0 * k) %% 4096], ' ')
                                    FROM generate_series(1, 12) AS k WHERE s.g >= 0),
                                   TIMESTAMPTZ '2026-01-01' + s.g * interval '1 second'
                            FROM vocab, generate_series(:from, :to - 1) AS s(g)
                            """.formatted(vocabulary))
                    .param("org", org)
                    .param("ws", ws)
                    .param("tag", tag)
                    .param("from", from)
                    .param("to", to)
                    .update();
            System.out.printf("  %s: %,d messages%n", tag.equals("m") ? "measured" : "other", to);
        }
    }
}
