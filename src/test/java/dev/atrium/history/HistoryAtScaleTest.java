package dev.atrium.history;

import static dev.atrium.history.HistoryRecordingTest.msg;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.atrium.common.DataDirectory;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Search and export over a workspace of 10,000 conversations (30,000 messages), inserted with
 * set-based SQL; and the export of a workspace much larger than the heap of a second Atrium
 * started with {@code -Xmx96m}, which succeeds only because the zip is streamed.
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HistoryAtScaleTest {
    static final int CONVERSATIONS = 10_000;
    static final String[] TOPICS = {
        "lighthouse",
        "harbour",
        "invoice",
        "campaign",
        "prototype",
        "budget",
        "onboarding",
        "forecast",
        "roadmap",
        "warranty"
    };

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    DataSource dataSource;

    @Autowired
    DataDirectory data;

    @Autowired
    MediaStore media;

    private Fixtures.Tenant t;
    private String ws;
    private Api owner;

    @BeforeAll
    void load() {
        long started = System.nanoTime();
        t = fixtures.tenant("Scale Co");
        owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        ws = fixtures.workspace(t, "Big client");
        var key = fixtures.api().as(fixtures.workspaceKey(t, ws));
        assertThat(key.post(
                                "/v1/chat/completions",
                                Map.of("model", "demo/chat", "messages", List.of(msg("user", "seed"))))
                        .status())
                .isEqualTo(200);
        String keyId = jdbc.sql("SELECT created_by_key FROM conversations WHERE org_id = :org AND workspace_id = :ws")
                .param("org", t.orgId())
                .param("ws", ws)
                .query(String.class)
                .single();
        jdbc.sql("DELETE FROM conversations WHERE org_id = :org AND workspace_id = :ws")
                .param("org", t.orgId())
                .param("ws", ws)
                .update();
        String topics = "(ARRAY['" + String.join("','", TOPICS) + "'])";
        long loadStart = System.nanoTime();
        // Conversation i: topic i % 10; every 1000th (i % 1000 = 7) mentions a zeppelin; number 4242
        // has "quetzal" in its title, 4343 once and 4444 three times in its messages.
        jdbc.sql("""
                        INSERT INTO conversations (org_id, workspace_id, id, title, visibility, created_by_key,
                            transcript_hash, message_count, created_at, updated_at)
                        SELECT :org, :ws, 'cnv_01jz000000' || lpad(i::text, 16, '0'),
                               CASE WHEN i = 4242 THEN 'The quetzal question' ELSE 'Conversation ' || i END,
                               'private', :key, repeat('0', 64), 3,
                               now() - make_interval(secs => :n - i), now() - make_interval(secs => :n - i)
                        FROM generate_series(1, :n) AS i
                        """)
                .param("org", t.orgId())
                .param("ws", ws)
                .param("key", keyId)
                .param("n", CONVERSATIONS)
                .update();
        jdbc.sql("""
                        INSERT INTO messages (org_id, workspace_id, conversation_id, seq, role, content, model, created_at)
                        SELECT :org, :ws, 'cnv_01jz000000' || lpad(i::text, 16, '0'), seq,
                               CASE WHEN seq = 2 THEN 'assistant' ELSE 'user' END,
                               CASE seq
                                 WHEN 1 THEN 'Question ' || i || ' about the ' || TOPICS[i % 10 + 1]
                                      || CASE WHEN i % 1000 = 7 THEN ' and a zeppelin' ELSE '' END
                                      || CASE WHEN i = 4343 THEN ' and a quetzal' ELSE '' END
                                      || CASE WHEN i = 4444 THEN ', quetzal, quetzal and quetzal' ELSE '' END
                                 WHEN 2 THEN 'Here is a demo answer about the ' || TOPICS[i % 10 + 1] || ' plan.'
                                 ELSE 'Thanks, that helps with the plan of conversation ' || i || '.'
                               END,
                               CASE WHEN seq = 2 THEN 'demo/chat' END, now()
                        FROM generate_series(1, :n) AS i, generate_series(1, 3) AS seq
                        """.replace("TOPICS", topics))
                .param("org", t.orgId())
                .param("ws", ws)
                .param("n", CONVERSATIONS)
                .update();
        // As autovacuum would soon after such a load; the plans below are those of a settled table.
        jdbc.sql("ANALYZE conversations, messages").update();
        System.out.printf(
                "tenant in %.1f s, then %,d conversations and %,d messages in %.1f s%n",
                (loadStart - started) / 1e9, CONVERSATIONS, 3 * CONVERSATIONS, (System.nanoTime() - loadStart) / 1e9);
    }

    private List<String> search(String q, int limit, List<Long> pageMillis) {
        List<String> ids = new ArrayList<>();
        String after = null;
        do {
            long start = System.nanoTime();
            var r = owner.get(
                    t.ws(ws) + "/conversations?q=" + q + "&limit=" + limit + (after == null ? "" : "&after=" + after));
            pageMillis.add((System.nanoTime() - start) / 1_000_000);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            r.json().path("data").forEach(c -> ids.add(c.path("id").asString()));
            after = r.json().path("next").isNull()
                    ? null
                    : r.json().path("next").asString(null);
        } while (after != null);
        return ids;
    }

    @Test
    void searchFindsRankedMatchesAndPagesThroughThemExactlyOnce() {
        List<Long> millis = new ArrayList<>();
        var zeppelins = search("zeppelin", 100, millis);
        assertThat(zeppelins).hasSize(CONVERSATIONS / 1000);
        assertThat(zeppelins).allMatch(id -> id.endsWith("007"));

        // A word of 1,000 conversations, 100 per page: every match once, nothing else.
        var lighthouses = search("lighthouse", 100, millis);
        assertThat(lighthouses).hasSize(CONVERSATIONS / 10);
        assertThat(new HashSet<>(lighthouses)).hasSize(lighthouses.size());
        assertThat(lighthouses).allMatch(id -> Integer.parseInt(id.substring(id.length() - 5)) % 10 == 0);

        // A title match weighs most, then a message repeating the word, then a single mention.
        var quetzal = search("quetzal", 10, millis);
        assertThat(quetzal)
                .containsExactly(
                        "cnv_01jz000000" + "0000000000004242",
                        "cnv_01jz000000" + "0000000000004444",
                        "cnv_01jz000000" + "0000000000004343");

        // "plan" is in two messages of every conversation: past the cap of 10,000 matching
        // messages, the most recent 10,000 are ranked (conversations 5001 to 10000).
        var plans = search("plan", 1000, millis);
        assertThat(plans).hasSize(dev.atrium.history.internal.Conversations.SEARCH_CANDIDATES / 2);
        assertThat(plans).allMatch(id -> Integer.parseInt(id.substring(id.length() - 5)) > 5000);

        // Search and plain listing see the same workspace only.
        assertThat(search("lighthouse%20-harbour", 1000, millis)).hasSize(CONVERSATIONS / 10);
        assertThat(millis).as("page latencies (ms)").allMatch(ms -> ms < 5_000);
        System.out.println("search page latencies at 30,000 messages (ms): " + millis);
    }

    @Test
    void theExportOfTenThousandConversationsStreamsEveryOne() throws Exception {
        var res = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(fixtures.baseUrl() + t.ws(ws) + "/history/export"))
                                .header("Authorization", "Bearer " + t.owner().token())
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(res.statusCode()).isEqualTo(200);
        var json = JsonMapper.builder().build();
        Set<String> ids = new HashSet<>();
        long messages = 0;
        try (var zip = new ZipInputStream(res.body())) {
            ZipEntry e = zip.getNextEntry();
            assertThat(e.getName()).isEqualTo("conversations.jsonl");
            var lines = new BufferedReader(new InputStreamReader(zip, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                var c = json.readTree(line);
                ids.add(c.path("id").asString());
                messages += c.path("messages").size();
            }
        }
        assertThat(ids).hasSize(CONVERSATIONS);
        assertThat(messages).isEqualTo(3L * CONVERSATIONS);
    }

    /**
     * Adds 144 MB of distinct media (72 files of 2 MB, each linked to an activity) to the workspace,
     * then starts a second Atrium on the same database and media files (a data directory of its own:
     * two nodes never share a settlement journal) with a 96 MB heap and
     * downloads the export from it: it holds the 10,000 conversations and every file.
     */
    @Test
    void anExportLargerThanTheHeapSucceedsBecauseItIsStreamed() throws Exception {
        int files = 72;
        int size = 2 * 1024 * 1024;
        String keyId = jdbc.sql("SELECT created_by_key FROM conversations WHERE org_id = :org AND workspace_id = :ws"
                        + " LIMIT 1")
                .param("org", t.orgId())
                .param("ws", ws)
                .query(String.class)
                .single();
        Random random = new Random(42);
        for (int i = 0; i < files; i++) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            String id = media.put(new OrgId(t.orgId()), new WorkspaceId(ws), "image/png", bytes);
            jdbc.sql("""
                            INSERT INTO activities (org_id, workspace_id, id, operation, model, credits, status,
                                latency_ms, key_id, media_ids, created_at)
                            VALUES (:org, :ws, :id, 'image', 'demo/image', 0, 'ok', 1, :key, ARRAY[CAST(:media AS text)], now())
                            """)
                    .param("org", t.orgId())
                    .param("ws", ws)
                    .param("id", dev.atrium.common.Ids.next("act_"))
                    .param("key", keyId)
                    .param("media", id)
                    .update();
        }

        String url = dataSource.unwrap(HikariDataSource.class).getJdbcUrl();
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        var log = Files.createTempFile(data.root(), "small-heap-", ".log");
        Process child = new ProcessBuilder(
                        javaBin,
                        "-Xmx96m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "dev.atrium.AtriumApplication",
                        "--server.port=0",
                        "--atrium.database.url=" + url,
                        "--atrium.database.user=postgres",
                        "--atrium.database.pool-size=4",
                        // Its own data directory (its own settlement journal), the same media files.
                        "--atrium.data-dir="
                                + Files.createDirectories(data.root().resolve("small-heap-node")),
                        "--atrium.media.dir=" + data.root().resolve("media"),
                        "--atrium.jobs.enabled=false",
                        "--atrium.setup-token=" + IntegrationTest.SETUP_TOKEN,
                        "--spring.main.banner-mode=off")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            int port = awaitPort(child, log);
            var res = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create("http://localhost:" + port + t.ws(ws) + "/history/export"))
                                    .header(
                                            "Authorization",
                                            "Bearer " + t.owner().token())
                                    .build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            assertThat(res.statusCode()).isEqualTo(200);
            long total = 0;
            int conversations = 0;
            int mediaFiles = 0;
            try (var zip = new ZipInputStream(res.body())) {
                for (var e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                    long bytes = count(zip, e.getName().equals("conversations.jsonl"));
                    if (e.getName().equals("conversations.jsonl")) conversations = (int) (bytes >>> 40);
                    if (e.getName().startsWith("media/")) {
                        assertThat(e.getName()).endsWith(".png");
                        assertThat(bytes).isEqualTo(size);
                        mediaFiles++;
                    }
                    total += bytes & ((1L << 40) - 1);
                }
            }
            assertThat(conversations).isEqualTo(CONVERSATIONS);
            assertThat(mediaFiles).isEqualTo(files);
            assertThat(total).isGreaterThan(144L * 1024 * 1024);
            assertThat(child.isAlive()).as("the small-heap server survived").isTrue();
            assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
        } finally {
            child.destroy();
            if (!child.waitFor(20, TimeUnit.SECONDS)) child.destroyForcibly();
        }
    }

    /** Bytes of an entry (low 40 bits) and, when asked, its lines (high bits). */
    private static long count(InputStream in, boolean lines) throws java.io.IOException {
        byte[] buf = new byte[64 * 1024];
        long bytes = 0;
        long newlines = 0;
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
            bytes += n;
            if (lines) for (int i = 0; i < n; i++) if (buf[i] == '\n') newlines++;
        }
        return newlines << 40 | bytes;
    }

    private static int awaitPort(Process child, Path log) throws Exception {
        var pattern = java.util.regex.Pattern.compile("Tomcat started on port (?:\\(s\\): )?(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log);
            var m = pattern.matcher(text);
            if (m.find()) return Integer.parseInt(m.group(1));
            if (!child.isAlive()) throw new AssertionError("the small-heap server stopped:\n" + text);
            Thread.sleep(250);
        }
        throw new AssertionError("the small-heap server did not start:\n" + Files.readString(log));
    }
}
