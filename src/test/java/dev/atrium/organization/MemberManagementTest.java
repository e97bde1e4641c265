package dev.atrium.organization;

import static dev.atrium.common.Problems.assertInvalid;
import static dev.atrium.common.Problems.assertProblem;
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
class MemberManagementTest {
    @Autowired
    Fixtures fixtures;

    private Api owner(Fixtures.Tenant t) {
        return fixtures.api().as(t.owner().token());
    }

    private static List<String> ids(JsonNode data, String field) {
        List<String> ids = new ArrayList<>();
        for (var n : data) ids.add(n.path(field).asString());
        return ids;
    }

    @Test
    void membersAreListedInPagesWithLimitAndAfter() {
        var t = fixtures.tenant("Paged Org");
        List<String> expected = new ArrayList<>(List.of(t.owner().userId()));
        for (String role : List.of("admin", "billing", "member", "member")) {
            expected.add(fixtures.addMember(t, role, null).userId());
        }
        expected.sort(null);

        var all = owner(t).get(t.path() + "/members");
        assertThat(all.status()).isEqualTo(200);
        assertThat(all.json().path("has_more").asBoolean()).isFalse();
        assertThat(all.json().path("next").isNull()).isTrue();
        assertThat(ids(all.json().path("data"), "user_id")).containsExactlyElementsOf(expected);
        var first = all.json().path("data").get(0);
        for (String field :
                List.of("user_id", "email", "name", "role", "default_workspace_id", "status", "joined_at")) {
            assertThat(first.has(field)).as(field).isTrue();
        }

        List<String> seen = new ArrayList<>();
        List<Boolean> hasMore = new ArrayList<>();
        String after = null;
        do {
            var page = owner(t).get(t.path() + "/members?limit=2" + (after == null ? "" : "&after=" + after));
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            var data = page.json().path("data");
            assertThat(data.size()).isLessThanOrEqualTo(2);
            seen.addAll(ids(data, "user_id"));
            hasMore.add(page.json().path("has_more").asBoolean());
            after = page.json().path("next").isNull() ? null : page.text("next");
            if (after != null) assertThat(after).isEqualTo(seen.getLast());
        } while (after != null);
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(hasMore).containsExactly(true, true, false);

        // Member lists carry emails: a plain member (a guest, a client) sees only their own membership.
        var member = fixtures.addMember(t, "member", null);
        var api = fixtures.api().as(member.token());
        assertThat(api.get(t.path() + "/members").status()).isEqualTo(403);
        assertThat(api.get(t.path() + "/members/" + member.userId()).status()).isEqualTo(200);
        assertThat(api.get(t.path() + "/members/" + t.owner().userId()).status())
                .isEqualTo(403);
    }

    @Test
    void anAdminChangesARoleAndTheChangeIsAudited() {
        var t = fixtures.tenant("Roles Org");
        var m = fixtures.addMember(t, "member", null);

        var changed = owner(t).patch(t.path() + "/members/" + m.userId(), Map.of("role", "billing"));
        assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
        assertThat(changed.text("role")).isEqualTo("billing");
        assertThat(owner(t).get(t.path() + "/members/" + m.userId()).text("role"))
                .isEqualTo("billing");

        var events = owner(t).get(t.path() + "/audit-events?action=member.updated")
                .json()
                .path("data");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).path("target_id").asString()).isEqualTo(m.userId());
        assertThat(events.get(0).path("before").path("role").asString()).isEqualTo("member");
        assertThat(events.get(0).path("after").path("role").asString()).isEqualTo("billing");
    }

    @Test
    void onlyOwnersGrantOrTakeAwayOwnershipAndMembersCannotChangeRoles() {
        var t = fixtures.tenant("Roles Org");
        var admin = fixtures.addMember(t, "admin", null);
        var m = fixtures.addMember(t, "member", null);
        Api asAdmin = fixtures.api().as(admin.token());

        assertProblem(asAdmin.patch(t.path() + "/members/" + m.userId(), Map.of("role", "owner")), 403, "forbidden");
        assertProblem(
                asAdmin.patch(t.path() + "/members/" + t.owner().userId(), Map.of("role", "member")), 403, "forbidden");
        assertProblem(
                fixtures.api().as(m.token()).patch(t.path() + "/members/" + m.userId(), Map.of("role", "admin")),
                403,
                "forbidden");
        assertProblem(
                fixtures.api().as(m.token()).patch(t.path() + "/members/" + admin.userId(), Map.of("role", "member")),
                403,
                "forbidden");
        assertThat(asAdmin.patch(t.path() + "/members/" + m.userId(), Map.of("role", "billing"))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void theDefaultWorkspaceMustBeOneTheMemberIsAssignedTo() {
        var t = fixtures.tenant("Defaults Org");
        String assigned = fixtures.workspace(t, "Assigned");
        String notAssigned = fixtures.workspace(t, "Not assigned");
        var m = fixtures.addMember(t, "member", null);
        fixtures.assign(t, assigned, m, "member");
        String path = t.path() + "/members/" + m.userId();

        assertInvalid(owner(t).patch(path, Map.of("default_workspace_id", notAssigned)), "default_workspace_id");
        assertInvalid(
                owner(t).patch(path, Map.of("default_workspace_id", "ws_" + "0".repeat(26))), "default_workspace_id");
        assertInvalid(owner(t).patch(path, Map.of("default_workspace_id", "not-an-id")), "default_workspace_id");
        var other = fixtures.tenant("Elsewhere");
        assertInvalid(
                owner(t).patch(path, Map.of("default_workspace_id", other.primaryWorkspaceId())),
                "default_workspace_id");
        assertThat(owner(t).get(path).text("default_workspace_id")).isEqualTo(t.primaryWorkspaceId());

        var changed = owner(t).patch(path, Map.of("default_workspace_id", assigned));
        assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
        assertThat(changed.text("default_workspace_id")).isEqualTo(assigned);

        // A member may move their own default back, but not change their role.
        var self = fixtures.api().as(m.token()).patch(path, Map.of("default_workspace_id", t.primaryWorkspaceId()));
        assertThat(self.status()).as(self.toString()).isEqualTo(200);
        assertThat(self.text("default_workspace_id")).isEqualTo(t.primaryWorkspaceId());
        var me = fixtures.api().as(m.token()).get("/api/v1/me").json();
        assertThat(me.path("organizations").get(0).path("default_workspace_id").asString())
                .isEqualTo(t.primaryWorkspaceId());
    }

    @Test
    void theLastOwnerCanBeNeitherRemovedNorDemotedUntilASecondOwnerExists() {
        var t = fixtures.tenant("Owners Org");
        String self = t.path() + "/members/" + t.owner().userId();

        assertProblem(owner(t).patch(self, Map.of("role", "admin")), 409, "last_owner");
        assertProblem(owner(t).delete(self), 409, "last_owner");
        assertThat(owner(t).get(self).text("role")).isEqualTo("owner");

        var second = fixtures.addMember(t, "admin", null);
        var promoted = owner(t).patch(t.path() + "/members/" + second.userId(), Map.of("role", "owner"));
        assertThat(promoted.status()).as(promoted.toString()).isEqualTo(200);

        var demoted = owner(t).patch(self, Map.of("role", "admin"));
        assertThat(demoted.status()).as(demoted.toString()).isEqualTo(200);
        assertThat(demoted.text("role")).isEqualTo("admin");

        // Now the second owner is the last one.
        Api asSecond = fixtures.api().as(second.token());
        String secondPath = t.path() + "/members/" + second.userId();
        assertProblem(asSecond.patch(secondPath, Map.of("role", "member")), 409, "last_owner");
        assertProblem(asSecond.delete(secondPath), 409, "last_owner");

        // Promote the first back; then the second may leave.
        assertThat(asSecond.patch(self, Map.of("role", "owner")).status()).isEqualTo(200);
        assertThat(asSecond.delete(secondPath).status()).isEqualTo(204);
        assertProblem(owner(t).get(secondPath), 404, "not_found");
    }

    @Test
    void removingAMemberKeepsTheirAuditRecordsAndRevokesTheirKeys() {
        var t = fixtures.tenant("Removal Org");
        var leaver = fixtures.addMember(t, "admin", null);
        Api asLeaver = fixtures.api().as(leaver.token());
        var ws = asLeaver.post(t.path() + "/workspaces", Map.of("name", "Made by leaver"));
        assertThat(ws.status()).isEqualTo(201);
        String wsId = ws.text("id");
        var key = owner(t).post(
                        t.ws(t.primaryWorkspaceId()) + "/api-keys",
                        Map.of("name", "bound", "user_id", leaver.userId()));
        assertThat(key.status()).as(key.toString()).isEqualTo(201);
        var unbound = owner(t).post(t.ws(t.primaryWorkspaceId()) + "/api-keys", Map.of("name", "unbound"));
        assertThat(fixtures.api()
                        .as(key.text("key"))
                        .get(t.ws(t.primaryWorkspaceId()))
                        .status())
                .isEqualTo(200);

        var removed = owner(t).delete(t.path() + "/members/" + leaver.userId());
        assertThat(removed.status()).as(removed.toString()).isEqualTo(204);

        assertThat(ids(owner(t).get(t.path() + "/members").json().path("data"), "user_id"))
                .containsExactly(t.owner().userId());
        assertProblem(owner(t).get(t.path() + "/members/" + leaver.userId()), 404, "not_found");
        assertProblem(asLeaver.get(t.path()), 404, "not_found");
        assertThat(ids(owner(t).get(t.ws(wsId) + "/members").json().path("data"), "user_id"))
                .doesNotContain(leaver.userId());
        assertThat(ids(
                        owner(t).get(t.ws(t.primaryWorkspaceId()) + "/members")
                                .json()
                                .path("data"),
                        "user_id"))
                .doesNotContain(leaver.userId());

        // The bound key no longer works; the unbound one does.
        assertProblem(fixtures.api().as(key.text("key")).get(t.ws(t.primaryWorkspaceId())), 401, "unauthorized");
        assertThat(fixtures.api()
                        .as(unbound.text("key"))
                        .get(t.ws(t.primaryWorkspaceId()))
                        .status())
                .isEqualTo(200);
        var keys =
                owner(t).get(t.ws(t.primaryWorkspaceId()) + "/api-keys").json().path("data");
        for (var k : keys) {
            String expected = k.path("id").asString().equals(key.text("id")) ? "revoked" : "active";
            assertThat(k.path("status").asString()).as(k.toString()).isEqualTo(expected);
        }

        // What they did stays in the audit log, attributed to them.
        var theirs = owner(t).get(t.path() + "/audit-events?actor_id=" + leaver.userId())
                .json()
                .path("data");
        assertThat(ids(theirs, "action")).contains("workspace.created", "member.added");
        var removal = owner(t).get(t.path() + "/audit-events?action=member.removed")
                .json()
                .path("data");
        assertThat(removal).hasSize(1);
        assertThat(removal.get(0).path("target_id").asString()).isEqualTo(leaver.userId());
        assertThat(removal.get(0).path("before").path("role").asString()).isEqualTo("admin");
        assertThat(removal.get(0).path("after").path("status").asString()).isEqualTo("removed");
    }

    @Test
    void aRemovedMemberCanBeInvitedBack() {
        var t = fixtures.tenant("Return Org");
        var m = fixtures.addMember(t, "member", null);
        assertThat(owner(t).delete(t.path() + "/members/" + m.userId()).status())
                .isEqualTo(204);

        var invite = owner(t).post(t.path() + "/invitations", Map.of("email", m.email(), "role", "billing"));
        assertThat(invite.status()).as(invite.toString()).isEqualTo(201);
        var accepted =
                fixtures.api().as(m.token()).post("/api/v1/invitations/" + invite.text("token") + "/accept", Map.of());
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        var back = owner(t).get(t.path() + "/members/" + m.userId());
        assertThat(back.text("role")).isEqualTo("billing");
        assertThat(back.text("default_workspace_id")).isEqualTo(t.primaryWorkspaceId());
    }

    @Test
    void membersMayLeaveButNotRemoveOthers() {
        var t = fixtures.tenant("Leaving Org");
        var a = fixtures.addMember(t, "member", null);
        var b = fixtures.addMember(t, "member", null);

        assertProblem(fixtures.api().as(a.token()).delete(t.path() + "/members/" + b.userId()), 403, "forbidden");
        assertThat(fixtures.api()
                        .as(a.token())
                        .delete(t.path() + "/members/" + a.userId())
                        .status())
                .isEqualTo(204);
        assertProblem(owner(t).delete(t.path() + "/members/" + a.userId()), 404, "not_found");
        assertProblem(owner(t).delete(t.path() + "/members/usr_" + "0".repeat(26)), 404, "not_found");
    }
}
