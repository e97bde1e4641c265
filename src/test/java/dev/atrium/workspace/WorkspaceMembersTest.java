package dev.atrium.workspace;

import static dev.atrium.common.Problems.assertInvalid;
import static dev.atrium.common.Problems.assertProblem;
import static dev.atrium.common.Problems.fields;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class WorkspaceMembersTest {
    @Autowired
    Fixtures fixtures;

    private Api owner(Fixtures.Tenant t) {
        return fixtures.api().as(t.owner().token());
    }

    private static List<String> userIds(JsonNode page) {
        List<String> ids = new ArrayList<>();
        for (var n : page.path("data")) ids.add(n.path("user_id").asString());
        return ids;
    }

    @Test
    void membersAreAddedChangedAndRemovedWithAuditRecords() {
        var t = fixtures.tenant("Team Org");
        String ws = fixtures.workspace(t, "Team");
        var m = fixtures.addMember(t, "member", null);

        var added = owner(t).post(t.ws(ws) + "/members", Map.of("user_id", m.userId()));
        assertThat(added.status()).as(added.toString()).isEqualTo(201);
        assertThat(added.text("user_id")).isEqualTo(m.userId());
        assertThat(added.text("email")).isEqualTo(m.email());
        assertThat(added.text("role")).isEqualTo("member");
        assertThat(userIds(owner(t).get(t.ws(ws) + "/members").json())).contains(m.userId());
        // The member now sees the workspace.
        assertThat(fixtures.api().as(m.token()).get(t.ws(ws)).status()).isEqualTo(200);

        var changed = owner(t).patch(t.ws(ws) + "/members/" + m.userId(), Map.of("role", "viewer"));
        assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
        assertThat(changed.text("role")).isEqualTo("viewer");

        var removed = owner(t).delete(t.ws(ws) + "/members/" + m.userId());
        assertThat(removed.status()).isEqualTo(204);
        assertThat(userIds(owner(t).get(t.ws(ws) + "/members").json())).doesNotContain(m.userId());
        assertProblem(fixtures.api().as(m.token()).get(t.ws(ws)), 404, "not_found");
        // Still a member of the organization.
        assertThat(owner(t).get(t.path() + "/members/" + m.userId()).status()).isEqualTo(200);

        var events =
                owner(t).get(t.path() + "/audit-events?target_id=" + ws).json().path("data");
        var actions = new ArrayList<String>();
        for (var e : events) actions.add(e.path("action").asString());
        assertThat(actions)
                .containsExactly(
                        "workspace_member.removed",
                        "workspace_member.updated",
                        "workspace_member.added",
                        "workspace.created");
        assertThat(events.get(1).path("before").path("role").asString()).isEqualTo("member");
        assertThat(events.get(1).path("after").path("role").asString()).isEqualTo("viewer");
        assertThat(events.get(1).path("after").path("user_id").asString()).isEqualTo(m.userId());
        assertThat(events.get(0).path("before").path("user_id").asString()).isEqualTo(m.userId());
    }

    @Test
    void addingIsValidated() {
        var t = fixtures.tenant("Team Org");
        String ws = fixtures.workspace(t, "Team");
        var m = fixtures.addMember(t, "member", null);
        var outsider = fixtures.person("outsider");

        assertInvalid(owner(t).post(t.ws(ws) + "/members", Map.of("role", "member")), "user_id");
        assertInvalid(owner(t).post(t.ws(ws) + "/members", Map.of("user_id", "nobody")), "user_id");
        assertInvalid(owner(t).post(t.ws(ws) + "/members", Map.of("user_id", outsider.userId())), "user_id");
        var badRole = owner(t).post(t.ws(ws) + "/members", Map.of("user_id", m.userId(), "role", "emperor"));
        assertThat(badRole.status()).as(badRole.toString()).isBetween(400, 422);
        assertThat(fields(badRole)).containsExactly("role");

        assertThat(owner(t).post(t.ws(ws) + "/members", Map.of("user_id", m.userId(), "role", "admin"))
                        .status())
                .isEqualTo(201);
        assertProblem(
                owner(t).post(t.ws(ws) + "/members", Map.of("user_id", m.userId(), "role", "member")),
                409,
                "already_member");

        assertInvalid(owner(t).patch(t.ws(ws) + "/members/" + m.userId(), Map.of()), "role");
        assertProblem(
                owner(t).patch(t.ws(ws) + "/members/" + outsider.userId(), Map.of("role", "viewer")), 404, "not_found");
        assertProblem(owner(t).delete(t.ws(ws) + "/members/" + outsider.userId()), 404, "not_found");
    }

    @Test
    void theMembersDefaultWorkspaceCannotBeRemovedFromThem() {
        var t = fixtures.tenant("Default Org");
        String ws = fixtures.workspace(t, "Home");
        var m = fixtures.addMember(t, "member", ws);

        assertProblem(owner(t).delete(t.ws(ws) + "/members/" + m.userId()), 409, "default_workspace");
        assertProblem(
                owner(t).delete(t.ws(t.primaryWorkspaceId()) + "/members/"
                        + t.owner().userId()),
                409,
                "default_workspace");
        assertThat(userIds(owner(t).get(t.ws(ws) + "/members").json())).contains(m.userId());

        // After moving their default elsewhere, the assignment can go.
        fixtures.assign(t, t.primaryWorkspaceId(), m, "member");
        assertThat(owner(t).patch(
                                t.path() + "/members/" + m.userId(),
                                Map.of("default_workspace_id", t.primaryWorkspaceId()))
                        .status())
                .isEqualTo(200);
        assertThat(owner(t).delete(t.ws(ws) + "/members/" + m.userId()).status())
                .isEqualTo(204);
    }

    @Test
    void workspaceAdminsManageMembersWhileMembersAndViewersCannot() {
        var t = fixtures.tenant("Roles Org");
        String ws = fixtures.workspace(t, "Team");
        var lead = fixtures.addMember(t, "member", null);
        var worker = fixtures.addMember(t, "member", null);
        var guest = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, lead, "admin");
        fixtures.assign(t, ws, worker, "member");
        Api asLead = fixtures.api().as(lead.token());
        Api asWorker = fixtures.api().as(worker.token());

        assertProblem(
                asWorker.post(t.ws(ws) + "/members", Map.of("user_id", guest.userId(), "role", "viewer")),
                403,
                "forbidden");
        var added = asLead.post(t.ws(ws) + "/members", Map.of("user_id", guest.userId(), "role", "viewer"));
        assertThat(added.status()).as(added.toString()).isEqualTo(201);
        assertProblem(
                fixtures.api()
                        .as(guest.token())
                        .patch(t.ws(ws) + "/members/" + guest.userId(), Map.of("role", "admin")),
                403,
                "forbidden");
        assertProblem(asWorker.delete(t.ws(ws) + "/members/" + guest.userId()), 403, "forbidden");
        assertThat(asLead.patch(t.ws(ws) + "/members/" + worker.userId(), Map.of("role", "viewer"))
                        .status())
                .isEqualTo(200);

        // A member may take themselves off a workspace that is not their default.
        assertThat(fixtures.api()
                        .as(guest.token())
                        .delete(t.ws(ws) + "/members/" + guest.userId())
                        .status())
                .isEqualTo(204);
        assertThat(userIds(owner(t).get(t.ws(ws) + "/members").json()))
                .containsExactlyInAnyOrder(t.owner().userId(), lead.userId(), worker.userId());
    }

    @Test
    void workspaceMembersAreListedInPages() {
        var t = fixtures.tenant("Paging Org");
        String ws = fixtures.workspace(t, "Crowded");
        List<String> expected = new ArrayList<>(List.of(t.owner().userId()));
        for (int i = 0; i < 3; i++) {
            var m = fixtures.addMember(t, "member", ws);
            expected.add(m.userId());
        }
        expected.sort(null);

        var first = owner(t).get(t.ws(ws) + "/members?limit=3").json();
        assertThat(first.path("has_more").asBoolean()).isTrue();
        var second = owner(t).get(t.ws(ws) + "/members?limit=3&after="
                        + first.path("next").asString())
                .json();
        assertThat(second.path("has_more").asBoolean()).isFalse();
        var all = new ArrayList<>(userIds(first));
        all.addAll(userIds(second));
        assertThat(all).containsExactlyElementsOf(expected);
    }
}
