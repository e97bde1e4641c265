package dev.atrium.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/** Chat turns through the gateway become conversations; media operations become activities. */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class HistoryRecordingTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    private Fixtures.Tenant t;
    private Api owner;
    private Api gateway;

    @BeforeEach
    void setUp() {
        t = fixtures.tenant("History Co");
        owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        gateway = fixtures.api().as(fixtures.workspaceKey(t, t.primaryWorkspaceId()));
    }

    static Map<String, String> msg(String role, String content) {
        return Map.of("role", role, "content", content);
    }

    private Api.Response chat(Api api, List<Map<String, String>> messages) {
        var r = api.post("/v1/chat/completions", Map.of("model", "demo/chat", "messages", messages));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r;
    }

    private JsonNode conversation(String ws, String id) {
        var r = owner.get(t.ws(ws) + "/conversations/" + id);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    @Test
    void chatTurnsCreateAndContinueConversationsByTranscriptAndByHeader() {
        var system = msg("system", "You are terse.");
        var first = msg("user", "Tell me about lighthouses near the harbour.");
        var r1 = chat(gateway, List.of(system, first));
        String c1 = r1.header("x-atrium-conversation-id");
        assertThat(c1).startsWith("cnv_");
        String reply = r1.json()
                .path("choices")
                .path(0)
                .path("message")
                .path("content")
                .asString();

        JsonNode conv = conversation(t.primaryWorkspaceId(), c1);
        assertThat(conv.path("title").asString()).isEqualTo("Tell me about lighthouses near the harbour.");
        assertThat(conv.path("visibility").asString()).isEqualTo("private");
        assertThat(conv.path("messages")).hasSize(3);
        JsonNode answer = conv.path("messages").path(2);
        assertThat(answer.path("role").asString()).isEqualTo("assistant");
        assertThat(answer.path("content").asString()).isEqualTo(reply);
        assertThat(answer.path("model").asString()).isEqualTo("demo/chat");
        assertThat(answer.path("output_tokens").asLong()).isPositive();
        assertThat(answer.path("credits").asString()).isEqualTo(r1.header("x-atrium-credits-charged"));

        // The client resends the transcript plus a new question: same conversation.
        var r2 = chat(gateway, List.of(system, first, msg("assistant", reply), msg("user", "And the keepers?")));
        assertThat(r2.header("x-atrium-conversation-id")).isEqualTo(c1);
        assertThat(conversation(t.primaryWorkspaceId(), c1).path("messages")).hasSize(5);

        // A different transcript: a new conversation.
        var r3 = chat(gateway, List.of(msg("user", "Something else entirely")));
        String c2 = r3.header("x-atrium-conversation-id");
        assertThat(c2).isNotEqualTo(c1);

        // The header appends, whatever the request's messages.
        var r4 = chat(gateway.withHeader("X-Atrium-Conversation-Id", c2), List.of(msg("user", "Continue please")));
        assertThat(r4.header("x-atrium-conversation-id")).isEqualTo(c2);
        JsonNode conv2 = conversation(t.primaryWorkspaceId(), c2);
        assertThat(conv2.path("messages")).hasSize(4);
        assertThat(conv2.path("messages").path(2).path("content").asString()).isEqualTo("Continue please");

        // Streaming turns are recorded too, with the text that was delivered.
        var s = gateway.withHeader("X-Atrium-Conversation-Id", c2)
                .post(
                        "/v1/chat/completions",
                        Map.of("model", "demo/chat", "stream", true, "messages", List.of(msg("user", "Stream it"))));
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.header("x-atrium-conversation-id")).isEqualTo(c2);
        JsonNode after = conversation(t.primaryWorkspaceId(), c2).path("messages");
        assertThat(after).hasSize(6);
        assertThat(after.path(5).path("content").asString()).isNotBlank();
        assertThat(s.body()).contains(after.path(5).path("content").asString().split(" ")[0]);

        // Search finds the conversation by a word of its messages, and only it.
        var found = owner.get(t.ws(t.primaryWorkspaceId()) + "/conversations?q=keepers");
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().path("data")).hasSize(1);
        assertThat(found.json().path("data").path(0).path("id").asString()).isEqualTo(c1);
        assertThat(owner.get(t.ws(t.primaryWorkspaceId()) + "/conversations?q=lighthouse")
                        .json()
                        .path("data")
                        .path(0)
                        .path("id")
                        .asString())
                .isEqualTo(c1);
        assertThat(owner.get(t.ws(t.primaryWorkspaceId()) + "/conversations?q=zeppelin")
                        .json()
                        .path("data"))
                .isEmpty();
        assertThat(owner.get(t.ws(t.primaryWorkspaceId()) + "/conversations")
                        .json()
                        .path("data"))
                .hasSize(2);

        // Activities: one per chat turn, each naming its conversation.
        JsonNode acts =
                owner.get(t.ws(t.primaryWorkspaceId()) + "/activities").json().path("data");
        assertThat(acts).hasSize(5);
        assertThat(acts.path(0).path("operation").asString()).isEqualTo("chat");
        assertThat(acts.path(0).path("conversation_id").asString()).isEqualTo(c2);
    }

    @Test
    void aConversationOfAnotherWorkspaceIsNotFoundAndNothingIsHeld() {
        var c = chat(gateway, List.of(msg("user", "Primary secret"))).header("x-atrium-conversation-id");
        String other = fixtures.workspace(t, "Other");
        var otherKey = fixtures.api().as(fixtures.workspaceKey(t, other));
        var r = otherKey.withHeader("X-Atrium-Conversation-Id", c)
                .post("/v1/chat/completions", Map.of("model", "demo/chat", "messages", List.of(msg("user", "hi"))));
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().path("error").path("code").asString()).isEqualTo("conversation_not_found");
        assertThat(r.body()).doesNotContain("Primary secret");
        var malformed = otherKey.withHeader("X-Atrium-Conversation-Id", "nope")
                .post("/v1/chat/completions", Map.of("model", "demo/chat", "messages", List.of(msg("user", "hi"))));
        assertThat(malformed.status()).isEqualTo(404);
    }

    @Test
    void aWorkspaceThatDoesNotRecordHistoryRecordsNothing() {
        assertThat(owner.put(t.ws(t.primaryWorkspaceId()) + "/policy", Map.of("record_history", false))
                        .status())
                .isEqualTo(200);
        var r = chat(gateway, List.of(msg("user", "Do not remember this")));
        assertThat(r.header("x-atrium-conversation-id")).isNull();
        var image = gateway.post(
                "/v1/images/generations", Map.of("model", "demo/image", "prompt", "a cat", "size", "256x256"));
        assertThat(image.status()).isEqualTo(200);
        assertThat(owner.get(t.ws(t.primaryWorkspaceId()) + "/conversations")
                        .json()
                        .path("data"))
                .isEmpty();
        assertThat(owner.get(t.ws(t.primaryWorkspaceId()) + "/activities")
                        .json()
                        .path("data"))
                .isEmpty();
        assertThat(count("media", t.primaryWorkspaceId())).isZero();
    }

    @Test
    void mediaOperationsAreActivitiesWithLinksToTheirMedia() {
        var image = gateway.post(
                "/v1/images/generations", Map.of("model", "demo/image", "prompt", "a lighthouse", "size", "256x256"));
        assertThat(image.status()).isEqualTo(200);
        var speech = gateway.post(
                "/v1/audio/speech", Map.of("model", "demo/speech", "input", "Hello there", "voice", "alloy"));
        assertThat(speech.status()).isEqualTo(200);
        JsonNode acts =
                owner.get(t.ws(t.primaryWorkspaceId()) + "/activities").json().path("data");
        assertThat(acts).hasSize(2);
        assertThat(acts.path(0).path("operation").asString()).isEqualTo("speech");
        assertThat(acts.path(1).path("operation").asString()).isEqualTo("image");
        for (JsonNode a : acts) {
            assertThat(a.path("model").asString()).startsWith("demo/");
            assertThat(a.path("status").asString()).isEqualTo("ok");
            assertThat(a.path("credits").asString()).isNotEqualTo("0");
            String url = a.path("media").path(0).path("url").asString();
            assertThat(url).startsWith(t.ws(t.primaryWorkspaceId()) + "/media/med_");
            assertThat(owner.get(url).status()).isEqualTo(200);
        }
    }

    @Test
    void deletingAWorkspaceErasesItsHistoryButKeepsUsage() {
        String ws = fixtures.workspace(t, "Engagement");
        var key = fixtures.api().as(fixtures.workspaceKey(t, ws));
        chat(key, List.of(msg("user", "Confidential engagement notes")));
        assertThat(key.post(
                                "/v1/images/generations",
                                Map.of("model", "demo/image", "prompt", "logo", "size", "256x256"))
                        .status())
                .isEqualTo(200);
        assertThat(count("conversations", ws)).isEqualTo(1);
        assertThat(count("media", ws)).isEqualTo(1);
        var del = owner.delete(t.ws(ws));
        assertThat(del.status()).as(del.toString()).isIn(200, 204);
        for (String table : List.of("conversations", "messages", "activities", "media")) {
            assertThat(count(table, ws)).as(table).isZero();
        }
        assertThat(count("usage_events", ws)).isEqualTo(2);
    }

    @Test
    void theExportIsAZipOfJsonLinesWithTheConversationsAndActivities() throws Exception {
        chat(gateway, List.of(msg("user", "Export me, please")));
        var http = java.net.http.HttpClient.newHttpClient();
        var res = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                fixtures.baseUrl() + t.ws(t.primaryWorkspaceId()) + "/history/export"))
                        .header("Authorization", "Bearer " + t.owner().token())
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValue("application/zip");
        Map<String, String> entries = new java.util.HashMap<>();
        try (var zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(res.body()))) {
            for (var e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                entries.put(e.getName(), new String(zip.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        assertThat(entries.get("conversations.jsonl").lines()).hasSize(1);
        assertThat(entries.get("conversations.jsonl")).contains("Export me, please", "\"messages\"");
        assertThat(entries.get("activities.jsonl").lines()).hasSize(1);
        var outsider = fixtures.tenant("Outsider");
        assertThat(fixtures.api()
                        .as(outsider.owner().token())
                        .get(t.ws(t.primaryWorkspaceId()) + "/history/export")
                        .status())
                .isEqualTo(404);
    }

    @Autowired
    HistoryRetention retention;

    @Test
    void retentionErasesHistoryOlderThanThePolicyAllows() {
        assertThat(owner.put(t.ws(t.primaryWorkspaceId()) + "/policy", Map.of("retention_days", 7))
                        .status())
                .isEqualTo(200);
        chat(gateway, List.of(msg("user", "Short-lived")));
        java.time.Instant now = java.time.Instant.now();
        retention.sweep(now.plus(java.time.Duration.ofDays(6)));
        assertThat(count("conversations", t.primaryWorkspaceId())).isEqualTo(1);
        retention.sweep(now.plus(java.time.Duration.ofDays(8)));
        for (String table : List.of("conversations", "messages", "activities")) {
            assertThat(count(table, t.primaryWorkspaceId())).as(table).isZero();
        }
        assertThat(count("usage_events", t.primaryWorkspaceId())).isEqualTo(1);
    }

    private long count(String table, String ws) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE org_id = :org AND workspace_id = :ws")
                .param("org", t.orgId())
                .param("ws", ws)
                .query(Long.class)
                .single();
    }
}
