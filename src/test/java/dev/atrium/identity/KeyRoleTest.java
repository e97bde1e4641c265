package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Tenant;
import dev.atrium.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A key bound to a member acts with that member's current role in its workspace, read on every
 * call: a viewer's key reads but cannot run models, and runs them again once the role allows it.
 */
@IntegrationTest
class KeyRoleTest {
    private static final Map<String, Object> CHAT =
            Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi")));

    @Autowired
    Fixtures fixtures;

    @Test
    void aMembersKeyStopsRunningModelsWhenTheMemberBecomesAViewerAndRunsAgainWhenPromoted() {
        Tenant t = fixtures.tenant("Key Role Org");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Roles");
        var member = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, member, "member");
        var issued = fixtures.api().as(member.token()).post(t.ws(ws) + "/api-keys", Map.of("name", "mine"));
        assertThat(issued.status()).as(issued.toString()).isEqualTo(201);
        Api key = fixtures.api().as(issued.text("key"));
        Api token = fixtures.api().as(member.token()).withHeader("X-Atrium-Workspace-Id", ws);
        var before = key.post("/v1/chat/completions", CHAT);
        assertThat(before.status()).as(before.toString()).isEqualTo(200);

        var demoted = owner.patch(t.ws(ws) + "/members/" + member.userId(), Map.of("role", "viewer"));
        assertThat(demoted.status()).as(demoted.toString()).isEqualTo(200);

        var byToken = token.post("/v1/chat/completions", CHAT);
        var byKey = key.post("/v1/chat/completions", CHAT);
        assertThat(byToken.status()).as(byToken.toString()).isEqualTo(403);
        assertThat(byKey.status()).as(byKey.toString()).isEqualTo(403);
        assertThat(byKey.json().path("error").path("message").asString())
                .isEqualTo(byToken.json().path("error").path("message").asString());
        assertThat(byKey.json().path("error").path("code").asString()).isEqualTo("permission_denied");
        // The key still reads its workspace, as its viewer may.
        assertThat(key.get(t.ws(ws)).status()).isEqualTo(200);

        var promoted = owner.patch(t.ws(ws) + "/members/" + member.userId(), Map.of("role", "member"));
        assertThat(promoted.status()).as(promoted.toString()).isEqualTo(200);
        var after = key.post("/v1/chat/completions", CHAT);
        assertThat(after.status()).as(after.toString()).isEqualTo(200);
    }

    @Test
    void aKeyCannotBeCreatedForAViewer() {
        Tenant t = fixtures.tenant("Viewer Key Org");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Readers");
        var viewer = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, viewer, "viewer");

        var refused = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "for viewer", "user_id", viewer.userId()));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.body()).contains("user_id").contains("viewer");
        assertThat(owner.get(t.ws(ws) + "/api-keys").json().path("data")).isEmpty();
        // Nor may the viewer issue one for themselves.
        assertThat(fixtures.api()
                        .as(viewer.token())
                        .post(t.ws(ws) + "/api-keys", Map.of("name", "mine"))
                        .status())
                .isEqualTo(403);
    }

    @Test
    void aViewersKeyCannotPlaceHolds() {
        Tenant t = fixtures.tenant("Viewer Hold Org");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Holds");
        var member = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, member, "member");
        String key = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "bound", "user_id", member.userId()))
                .text("key");
        var placed = fixtures.api().as(key).post(t.ws(ws) + "/holds", Map.of("amount", "1", "category", "chat"));
        assertThat(placed.status()).as(placed.toString()).isEqualTo(201);

        assertThat(owner.patch(t.ws(ws) + "/members/" + member.userId(), Map.of("role", "viewer"))
                        .status())
                .isEqualTo(200);
        var refused = fixtures.api().as(key).post(t.ws(ws) + "/holds", Map.of("amount", "1", "category", "chat"));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
    }
}
