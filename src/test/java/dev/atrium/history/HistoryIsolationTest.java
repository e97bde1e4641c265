package dev.atrium.history;

import static dev.atrium.history.HistoryRecordingTest.msg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every history endpoint against every kind of caller: two organizations, two workspaces each, all
 * roles and key types. A cell that may not see a conversation answers 404 and carries none of its
 * bytes — not its id, title or words.
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class HistoryIsolationTest {
    private static final String PRIVATE_WORD = "pelicanprivate";
    private static final String SHARED_WORD = "albatrossshared";

    @Autowired
    Fixtures fixtures;

    @Test
    void everyHistoryEndpointShowsOnlyWhatTheCallerMaySee() {
        // Org A: a client workspace created by an admin key, so no org owner or admin is its member.
        var a = fixtures.tenant("Agency A");
        var ownerA = fixtures.api().as(a.owner().token());
        assertThat(ownerA.post(a.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        String adminKeyA = fixtures.adminKey(a);
        var created =
                fixtures.api().as(adminKeyA).post(a.path() + "/workspaces", Map.of("name", "Client", "kind", "client"));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String ws = created.text("id");
        String primaryA = a.primaryWorkspaceId();

        var alice = fixtures.addMember(a, "member", null);
        var bob = fixtures.addMember(a, "member", null);
        var lead = fixtures.addMember(a, "member", null);
        var guest = fixtures.addMember(a, "member", null);
        var orgAdmin = fixtures.addMember(a, "admin", null);
        var billing = fixtures.addMember(a, "billing", null);
        fixtures.assign(a, ws, alice, "member");
        fixtures.assign(a, ws, bob, "member");
        fixtures.assign(a, ws, lead, "admin");
        fixtures.assign(a, ws, guest, "viewer");
        String wsKey = fixtures.workspaceKey(a, ws);
        String primaryKeyA = fixtures.workspaceKey(a, primaryA);

        // Alice chats in the client workspace: one private conversation, one she shares.
        var aliceGw = fixtures.api().as(alice.token()).withHeader("X-Atrium-Workspace-Id", ws);
        String priv = chat(aliceGw, "Notes on " + PRIVATE_WORD);
        String shared = chat(aliceGw, "Brief about " + SHARED_WORD);
        var share = fixtures.api()
                .as(alice.token())
                .patch(a.ws(ws) + "/conversations/" + shared, Map.of("visibility", "shared"));
        assertThat(share.status()).as(share.toString()).isEqualTo(200);
        // The workspace key's own conversation.
        String keyConv = chat(fixtures.api().as(wsKey), "Key conversation about quokkas");

        // Org B, and a second workspace of A the readers also belong to (Primary).
        var b = fixtures.tenant("Agency B");
        String wsB = fixtures.workspace(b, "B client");
        String keyB = fixtures.workspaceKey(b, wsB);

        Map<String, String> callers = new LinkedHashMap<>();
        callers.put("alice (creator, member)", alice.token());
        callers.put("bob (member)", bob.token());
        callers.put("lead (workspace admin)", lead.token());
        callers.put("guest (viewer)", guest.token());
        callers.put("org owner, not a member", a.owner().token());
        callers.put("org admin, not a member", orgAdmin.token());
        callers.put("billing", billing.token());
        callers.put("admin key", adminKeyA);
        callers.put("workspace key", wsKey);
        callers.put("Primary's workspace key", primaryKeyA);
        callers.put("owner of org B", b.owner().token());
        callers.put("workspace key of org B", keyB);

        // Who sees which conversation (list, get, search), by the isolation rules of docs/domain.md.
        Map<String, List<String>> sees = Map.of(
                "alice (creator, member)", List.of(priv, shared),
                "bob (member)", List.of(shared),
                "lead (workspace admin)", List.of(priv, shared, keyConv),
                "guest (viewer)", List.of(shared),
                "workspace key", List.of(shared, keyConv));
        List<String> all = List.of(priv, shared, keyConv);

        for (var e : callers.entrySet()) {
            String who = e.getKey();
            Api api = fixtures.api().as(e.getValue());
            List<String> visible = sees.get(who);
            var list = api.get(a.ws(ws) + "/conversations");
            var search = api.get(a.ws(ws) + "/conversations?q=" + PRIVATE_WORD + "%20OR%20" + SHARED_WORD);
            var activities = api.get(a.ws(ws) + "/activities");
            var export = api.get(a.ws(ws) + "/history/export");
            if (visible == null) {
                for (var r : List.of(list, search, activities, export)) assertNotFound(who, r, all);
                for (String id : all) {
                    assertNotFound(who, api.get(a.ws(ws) + "/conversations/" + id), all);
                    assertNotFound(who, api.patch(a.ws(ws) + "/conversations/" + id, Map.of("title", "x")), all);
                    assertNotFound(who, api.delete(a.ws(ws) + "/conversations/" + id), all);
                }
                continue;
            }
            assertThat(list.status()).as(who).isEqualTo(200);
            assertThat(ids(list)).as(who).containsExactlyInAnyOrderElementsOf(visible);
            assertThat(ids(search))
                    .as(who)
                    .containsExactlyInAnyOrderElementsOf(
                            visible.stream().filter(id -> !id.equals(keyConv)).toList());
            assertThat(activities.status()).as(who).isEqualTo(200);
            assertThat(export.status()).as(who).isEqualTo(200);
            for (String id : all) {
                var get = api.get(a.ws(ws) + "/conversations/" + id);
                if (visible.contains(id)) {
                    assertThat(get.status()).as(who + " " + id).isEqualTo(200);
                } else {
                    List<String> hidden = List.of(id);
                    assertNotFound(who, get, hidden);
                    assertNotFound(who, api.patch(a.ws(ws) + "/conversations/" + id, Map.of("title", "x")), hidden);
                    assertNotFound(who, api.delete(a.ws(ws) + "/conversations/" + id), hidden);
                    assertThat(list.body()).as(who).doesNotContain(id);
                    assertThat(search.body()).as(who).doesNotContain(id);
                }
            }
            if (!visible.contains(priv)) {
                for (var r : List.of(list, search, activities))
                    assertThat(r.body()).as(who).doesNotContain(PRIVATE_WORD, priv);
            }
        }

        // The same ids through another workspace's path, or another organization's: 404.
        for (String id : all) {
            assertNotFound(
                    "alice via Primary",
                    fixtures.api().as(alice.token()).get(a.ws(primaryA) + "/conversations/" + id),
                    all);
            assertNotFound(
                    "owner B via own org",
                    fixtures.api().as(b.owner().token()).get(b.ws(wsB) + "/conversations/" + id),
                    all);
            assertNotFound(
                    "owner B via org A",
                    fixtures.api().as(b.owner().token()).get(a.ws(ws) + "/conversations/" + id),
                    all);
        }
        // Nor does the gateway append to them from anywhere else.
        for (Api gw : List.of(
                fixtures.api().as(primaryKeyA),
                fixtures.api().as(keyB),
                fixtures.api().as(wsKey),
                fixtures.api().as(bob.token()).withHeader("X-Atrium-Workspace-Id", ws))) {
            var r = gw.withHeader("X-Atrium-Conversation-Id", priv)
                    .post("/v1/chat/completions", Map.of("model", "demo/chat", "messages", List.of(msg("user", "hi"))));
            assertThat(r.status()).as(r.toString()).isIn(404);
            assertThat(r.body()).doesNotContain(PRIVATE_WORD);
        }

        // Media is read like the activity that produced it.
        var image = aliceGw.post(
                "/v1/images/generations",
                Map.of("model", "demo/image", "prompt", "a pelican", "size", "256x256", "response_format", "url"));
        assertThat(image.status()).as(image.toString()).isEqualTo(200);
        String url = image.json().path("data").path(0).path("url").asString();
        String mediaPath = url.substring(url.indexOf("/api/v1/"));
        assertThat(fixtures.api().as(alice.token()).get(mediaPath).status()).isEqualTo(200);
        assertThat(fixtures.api().as(lead.token()).get(mediaPath).status()).isEqualTo(200);
        for (String token : List.of(bob.token(), guest.token(), a.owner().token(), billing.token(), wsKey, keyB)) {
            assertThat(fixtures.api().as(token).get(mediaPath).status()).isEqualTo(404);
        }

        // Seeing a shared conversation is not owning it: bob and the viewer cannot change it.
        assertThat(fixtures.api()
                        .as(bob.token())
                        .patch(a.ws(ws) + "/conversations/" + shared, Map.of("title", "mine"))
                        .status())
                .isEqualTo(403);
        assertThat(fixtures.api()
                        .as(guest.token())
                        .delete(a.ws(ws) + "/conversations/" + shared)
                        .status())
                .isEqualTo(403);
        // The workspace admin can.
        assertThat(fixtures.api()
                        .as(lead.token())
                        .patch(a.ws(ws) + "/conversations/" + priv, Map.of("title", "Renamed"))
                        .json()
                        .path("title")
                        .asString())
                .isEqualTo("Renamed");
        assertThat(fixtures.api()
                        .as(alice.token())
                        .delete(a.ws(ws) + "/conversations/" + priv)
                        .status())
                .isEqualTo(204);
        assertThat(fixtures.api()
                        .as(alice.token())
                        .get(a.ws(ws) + "/conversations/" + priv)
                        .status())
                .isEqualTo(404);
    }

    private static String chat(Api api, String text) {
        var r = api.post("/v1/chat/completions", Map.of("model", "demo/chat", "messages", List.of(msg("user", text))));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.header("x-atrium-conversation-id");
    }

    private static List<String> ids(Api.Response r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json()
                .path("data")
                .valueStream()
                .map(n -> n.path("id").asString())
                .toList();
    }

    private static void assertNotFound(String who, Api.Response r, List<String> hidden) {
        assertThat(r.status()).as(who + ": " + r).isEqualTo(404);
        // The problem's "instance" echoes the caller's own request path; everything else must be bare.
        String body = r.body().isEmpty()
                ? ""
                : ((ObjectNode) r.json()).without("instance").toString();
        assertThat(body).as(who).doesNotContain(PRIVATE_WORD, SHARED_WORD, "quokkas");
        for (String id : hidden) assertThat(body).as(who).doesNotContain(id);
    }
}
