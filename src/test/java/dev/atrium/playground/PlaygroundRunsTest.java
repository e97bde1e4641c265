package dev.atrium.playground;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The playground's run endpoints over HTTP with a console session: charges are the ledger's
 * captures and the usage events', history follows the workspace's policy, viewers cannot run, and
 * nothing of another workspace is reachable.
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class PlaygroundRunsTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern CREDITS = Pattern.compile("([0-9.]+) credits");
    private static final Pattern MEDIA = Pattern.compile("/playground/media/(med_[A-Za-z0-9]+)");

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    private Fixtures.Tenant t;
    private Api owner;
    private String ws;
    private Fixtures.Person member;
    private Session session;

    @BeforeEach
    void setUp() {
        t = fixtures.tenant("Playground Co");
        owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        ws = fixtures.workspace(t, "Client A");
        member = fixtures.addMember(t, "member", ws);
        session = Session.signIn(fixtures.baseUrl(), member.email(), Fixtures.PASSWORD);
    }

    private String base() {
        return "/orgs/" + t.orgId() + "/workspaces/" + ws + "/playground";
    }

    /** A parsed chat stream: the text delivered and the closing summary. */
    record Streamed(String text, JsonNode summary) {}

    private Streamed chat(Session s, String model, List<Map<String, String>> messages, String conversation) {
        var body = Map.of("model", model, "system", "Be brief.", "messages", messages, "conversation_id", conversation);
        var r = s.json(base() + "/chat", JSON.writeValueAsString(body));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/event-stream");
        StringBuilder text = new StringBuilder();
        JsonNode summary = null;
        for (String block : r.body().split("\n\n")) {
            boolean atrium = block.startsWith("event: atrium");
            String data = block.substring(block.indexOf("data: ") + 6);
            if (data.equals("[DONE]")) continue;
            JsonNode json = JSON.readTree(data);
            if (atrium) summary = json;
            else
                text.append(json.path("choices")
                        .path(0)
                        .path("delta")
                        .path("content")
                        .asString(""));
        }
        assertThat(summary).as("the closing summary event").isNotNull();
        return new Streamed(text.toString(), summary);
    }

    private long usageMicros() {
        return jdbc.sql("SELECT coalesce(sum(credits), 0) FROM usage_events WHERE org_id = :o AND workspace_id = :w")
                .param("o", t.orgId())
                .param("w", ws)
                .query(Long.class)
                .single();
    }

    private long ledgerSpentMicros() {
        var r = owner.get(t.path() + "/credits");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return Credits.parse(r.json().path("spent_total").asString()).micros();
    }

    private long count(String table) {
        return jdbc.sql("SELECT count(*) FROM " + table + " WHERE org_id = :o AND workspace_id = :w")
                .param("o", t.orgId())
                .param("w", ws)
                .query(Long.class)
                .single();
    }

    private byte[] bytes(String path, String token) {
        try {
            var response = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(fixtures.baseUrl() + path))
                                    .header("Authorization", "Bearer " + token)
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long credits(String fragment) {
        Matcher m = CREDITS.matcher(fragment);
        assertThat(m.find()).as(fragment).isTrue();
        return Credits.parse(m.group(1)).micros();
    }

    @Test
    void everyRunChargesExactlyWhatTheLedgerCapturedAndLandsInHistory() {
        var first = chat(session, "demo/chat", List.of(Map.of("role", "user", "content", "Tell me about tides.")), "");
        assertThat(first.text()).isNotBlank();
        long charged = Credits.parse(first.summary().path("credits").asString()).micros();
        assertThat(charged).isPositive();
        assertThat(usageMicros()).isEqualTo(charged);
        assertThat(ledgerSpentMicros()).isEqualTo(charged);
        String conversation = first.summary().path("conversation_id").asString();
        assertThat(conversation).startsWith("cnv_");

        // Continue the conversation: the transcript plus a new question, appended to the same one.
        var second = chat(
                session,
                "demo/chat-mini",
                List.of(
                        Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "Tell me about tides."),
                        Map.of("role", "assistant", "content", first.text()),
                        Map.of("role", "user", "content", "And the moon?")),
                conversation);
        assertThat(second.summary().path("conversation_id").asString()).isEqualTo(conversation);
        charged += Credits.parse(second.summary().path("credits").asString()).micros();

        var image = session.form(
                base() + "/image", Map.of("model", "demo/image", "prompt", "A lighthouse", "size", "256x256"));
        assertThat(image.status()).as(image.body()).isEqualTo(200);
        charged += credits(image.body());
        Matcher media = MEDIA.matcher(image.body());
        assertThat(media.find()).isTrue();
        var png = session.get(base() + "/media/" + media.group(1));
        assertThat(png.status()).isEqualTo(200);
        assertThat(png.header("Content-Type")).isEqualTo("image/png");

        var speech = session.form(base() + "/speech", Map.of("model", "demo/speech", "input", "Hello there"));
        assertThat(speech.status()).as(speech.body()).isEqualTo(200);
        assertThat(speech.body()).contains("<audio");
        charged += credits(speech.body());

        // Transcribe the clip just made (its bytes through the API's media endpoint).
        Matcher clip = MEDIA.matcher(speech.body());
        assertThat(clip.find()).isTrue();
        byte[] wav = bytes(t.ws(ws) + "/media/" + clip.group(1), member.token());
        var heard = session.multipart(
                base() + "/transcription", Map.of("model", "demo/transcribe"), "file", "clip.wav", wav);
        assertThat(heard.status()).as(heard.body()).isEqualTo(200);
        assertThat(heard.body()).contains("pg-transcription");
        charged += credits(heard.body());

        assertThat(usageMicros()).isEqualTo(charged);
        assertThat(ledgerSpentMicros()).isEqualTo(charged);

        var detail = owner.as(member.token()).get(t.ws(ws) + "/conversations/" + conversation);
        assertThat(detail.status()).as(detail.toString()).isEqualTo(200);
        JsonNode messages = detail.json().path("messages");
        assertThat(messages).hasSize(5);
        assertThat(messages.path(4).path("credits").asString())
                .isEqualTo(second.summary().path("credits").asString());
        assertThat(count("activities")).isEqualTo(5);

        // The history browser finds it by a word of its messages.
        var found = session.get(base() + "/history?q=moon");
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.body()).contains(conversation);
        var view = session.get(base() + "/history/" + conversation);
        assertThat(view.status()).isEqualTo(200);
        assertThat(view.body()).contains("And the moon?");
    }

    @Test
    void nothingIsRecordedWhenTheWorkspaceRecordsNoHistoryButEveryRunIsStillCharged() {
        assertThat(owner.put(t.ws(ws) + "/policy", Map.of("record_history", false))
                        .status())
                .isEqualTo(200);
        var reply = chat(session, "demo/chat", List.of(Map.of("role", "user", "content", "Off the record")), "");
        assertThat(reply.summary().path("conversation_id").isNull()).isTrue();
        long charged = Credits.parse(reply.summary().path("credits").asString()).micros();
        var image = session.form(base() + "/image", Map.of("model", "demo/image", "prompt", "A fox"));
        assertThat(image.status()).as(image.body()).isEqualTo(200);
        charged += credits(image.body());
        var speech = session.form(base() + "/speech", Map.of("model", "demo/speech", "input", "Quiet"));
        assertThat(speech.status()).as(speech.body()).isEqualTo(200);
        charged += credits(speech.body());

        assertThat(count("conversations")).isZero();
        assertThat(count("messages")).isZero();
        assertThat(count("activities")).isZero();
        assertThat(usageMicros()).isEqualTo(charged).isPositive();
        assertThat(ledgerSpentMicros()).isEqualTo(charged);
    }

    @Test
    void aTurnTheCreditsLeftPayOnlyInPartRunsShorterAndThePageIsToldSo() {
        assertThat(owner.put(t.ws(ws) + "/funding", Map.of("mode", "budget")).status())
                .isEqualTo(200);
        assertThat(owner.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "0.498"))
                        .status())
                .isEqualTo(201);
        var body = Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hello")));
        var r = session.json(base() + "/chat", JSON.writeValueAsString(body));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        // the prompt (3 + 4 + 2 tokens at 100 µcr) and 1,242 output tokens at 400 µcr fit in 0.498 credits
        assertThat(r.header("x-atrium-max-tokens-clamped")).isEqualTo("1242");
        assertThat(r.body()).contains("event: atrium").doesNotContain("out of credits");
        // the page's script shows the note when the header is there
        var script = session.get("/js/playground.js");
        assertThat(script.body()).contains("x-atrium-max-tokens-clamped", "that is what the credits left pay for");
    }

    @Test
    void outOfCreditsAndDisallowedModelsAreRefusedWithAClearMessageAndNoCharge() {
        var broke = fixtures.tenant("Broke Co");
        var poor = Session.signIn(fixtures.baseUrl(), broke.owner().email(), Fixtures.PASSWORD);
        String path = "/orgs/" + broke.orgId() + "/workspaces/" + broke.primaryWorkspaceId() + "/playground/chat";
        var r = poor.json(
                path,
                JSON.writeValueAsString(
                        Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi")))));
        assertThat(r.status()).isEqualTo(402);
        assertThat(JSON.readTree(r.body()).path("error").path("message").asString())
                .contains("out of credits");
        var image = poor.form(
                "/orgs/" + broke.orgId() + "/workspaces/" + broke.primaryWorkspaceId() + "/playground/image",
                Map.of("model", "demo/image", "prompt", "x"));
        assertThat(image.status()).isEqualTo(402);
        assertThat(image.body()).contains("out of credits");

        assertThat(owner.put(
                                t.ws(ws) + "/policy",
                                Map.of("record_history", true, "allowed_models", List.of("demo/chat")))
                        .status())
                .isEqualTo(200);
        var denied = session.json(
                base() + "/chat",
                JSON.writeValueAsString(Map.of(
                        "model", "demo/chat-mini", "messages", List.of(Map.of("role", "user", "content", "hi")))));
        assertThat(denied.status()).isEqualTo(403);
        assertThat(JSON.readTree(denied.body()).path("error").path("code").asString())
                .isEqualTo("model_not_allowed");
        assertThat(usageMicros()).isZero();
        // The page offers only the allowed model.
        var page = session.get(base());
        assertThat(page.body()).contains("value=\"demo/chat\"").doesNotContain("value=\"demo/chat-mini\"");
    }

    @Test
    void aViewerReadsSharedHistoryButCannotRunModels() {
        var reply = chat(session, "demo/chat", List.of(Map.of("role", "user", "content", "Shared notes on tides")), "");
        String conversation = reply.summary().path("conversation_id").asString();
        var share = session.form(base() + "/history/" + conversation, Map.of("visibility", "shared"));
        assertThat(share.status()).isEqualTo(302);

        var viewer = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, viewer, "viewer");
        var v = Session.signIn(fixtures.baseUrl(), viewer.email(), Fixtures.PASSWORD);
        var page = v.get(base());
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("read-only-notice").doesNotContain("id=\"chat-form\"");
        assertThat(v.get(base() + "/media").body()).doesNotContain("id=\"image-form\"");

        String chat = JSON.writeValueAsString(
                Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi"))));
        assertThat(v.json(base() + "/chat", chat).status()).isEqualTo(403);
        assertThat(v.form(base() + "/image", Map.of("model", "demo/image", "prompt", "x"))
                        .status())
                .isEqualTo(403);
        assertThat(v.form(base() + "/speech", Map.of("model", "demo/speech", "input", "x"))
                        .status())
                .isEqualTo(403);
        assertThat(v.multipart(
                                base() + "/transcription",
                                Map.of("model", "demo/transcribe"),
                                "file",
                                "a.wav",
                                new byte[] {1, 2})
                        .status())
                .isEqualTo(403);

        var list = v.get(base() + "/history");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).contains(conversation);
        assertThat(v.get(base() + "/history/" + conversation).body()).contains("Shared notes on tides");
        // Reading is not changing: the viewer cannot rename it.
        v.form(base() + "/history/" + conversation, Map.of("title", "Mine now"));
        var title = owner.as(member.token()).get(t.ws(ws) + "/conversations/" + conversation);
        assertThat(title.json().path("title").asString()).isEqualTo("Shared notes on tides");
    }

    @Test
    void everyPlaygroundUrlOfAnotherWorkspaceAnswers404() {
        var reply = chat(session, "demo/chat", List.of(Map.of("role", "user", "content", "Confidential plan")), "");
        String conversation = reply.summary().path("conversation_id").asString();
        var image = session.form(base() + "/image", Map.of("model", "demo/image", "prompt", "Secret"));
        Matcher media = MEDIA.matcher(image.body());
        assertThat(media.find()).isTrue();

        var other = fixtures.tenant("Other Co");
        var outsider = Session.signIn(fixtures.baseUrl(), other.owner().email(), Fixtures.PASSWORD);
        // Same organization, not assigned to the workspace: the owner's colleague in another workspace.
        var colleague = fixtures.addMember(t, "member", null);
        var sameOrg = Session.signIn(fixtures.baseUrl(), colleague.email(), Fixtures.PASSWORD);
        String chat = JSON.writeValueAsString(
                Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi"))));
        for (Session s : List.of(outsider, sameOrg)) {
            List<Integer> statuses = new ArrayList<>();
            for (String p : List.of(
                    "",
                    "/compare",
                    "/media",
                    "/history",
                    "/history?q=plan",
                    "/history/" + conversation,
                    "/activities",
                    "/export",
                    "/media/" + media.group(1))) {
                statuses.add(s.get(base() + p).status());
            }
            statuses.add(
                    s.get("/orgs/" + t.orgId() + "/playground/switch?ws=" + ws).status());
            statuses.add(s.json(base() + "/chat", chat).status());
            statuses.add(s.form(base() + "/image", Map.of("model", "demo/image", "prompt", "x"))
                    .status());
            statuses.add(s.form(base() + "/speech", Map.of("model", "demo/speech", "input", "x"))
                    .status());
            statuses.add(s.form(base() + "/history/" + conversation, Map.of("title", "x"))
                    .status());
            statuses.add(s.form(base() + "/history/" + conversation + "/delete", Map.of())
                    .status());
            assertThat(statuses).containsOnly(404);
        }
        // The outsider's own playground does not list the workspace either.
        var own = outsider.get("/orgs/" + other.orgId() + "/workspaces/" + other.primaryWorkspaceId() + "/playground");
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.body()).doesNotContain(ws).doesNotContain("Client A");
        assertThat(count("conversations")).isEqualTo(1);
        assertThat(usageMicros()).isPositive();
    }
}
