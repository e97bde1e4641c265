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
class WorkspaceLifecycleTest {
    @Autowired
    Fixtures fixtures;

    private Api owner(Fixtures.Tenant t) {
        return fixtures.api().as(t.owner().token());
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        for (var n : page.path("data")) ids.add(n.path("id").asString());
        return ids;
    }

    private static List<String> userIds(JsonNode page) {
        List<String> ids = new ArrayList<>();
        for (var n : page.path("data")) ids.add(n.path("user_id").asString());
        return ids;
    }

    @Test
    void theCreatorBecomesWorkspaceAdminAndKindDefaultsToOther() {
        var t = fixtures.tenant("Create Org");
        var admin = fixtures.addMember(t, "admin", null);
        Api asAdmin = fixtures.api().as(admin.token());

        var created = asAdmin.post(t.path() + "/workspaces", Map.of("name", "  Skunkworks  "));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        var ws = created.json();
        assertThat(ws.path("id").asString()).startsWith("ws_");
        assertThat(ws.path("name").asString()).isEqualTo("Skunkworks");
        assertThat(ws.path("kind").asString()).isEqualTo("other");
        assertThat(ws.path("description").asString()).isEmpty();
        assertThat(ws.path("primary").asBoolean()).isFalse();
        assertThat(ws.path("status").asString()).isEqualTo("active");
        assertThat(ws.path("created_by").asString()).isEqualTo(admin.userId());
        assertThat(ws.path("created_at").asString()).isNotBlank();
        assertThat(ws.path("archived_at").isNull()).isTrue();

        var members =
                owner(t).get(t.ws(ws.path("id").asString()) + "/members").json().path("data");
        assertThat(members).hasSize(1);
        assertThat(members.get(0).path("user_id").asString()).isEqualTo(admin.userId());
        assertThat(members.get(0).path("role").asString()).isEqualTo("admin");

        var research = owner(t).post(
                        t.path() + "/workspaces",
                        Map.of("name", "Lab", "kind", "research", "description", "GPT vs Claude"));
        assertThat(research.status()).isEqualTo(201);
        assertThat(research.text("kind")).isEqualTo("research");
        assertThat(research.text("description")).isEqualTo("GPT vs Claude");
    }

    @Test
    void everyKindIsAcceptedAndAnUnknownKindIsRefusedNamingKind() {
        var t = fixtures.tenant("Kinds Org");
        for (String kind : List.of(
                "client", "department", "campaign", "product_line", "research", "engagement", "experiment", "other")) {
            var r = owner(t).post(t.path() + "/workspaces", Map.of("name", kind, "kind", kind));
            assertThat(r.status()).as(r.toString()).isEqualTo(201);
            assertThat(r.text("kind")).isEqualTo(kind);
        }
        for (Object bad : List.of("spaceship", "CLIENT", "", 5, List.of("client"))) {
            var r = owner(t).post(t.path() + "/workspaces", Map.of("name", "Bad", "kind", bad));
            assertThat(r.status()).as(r.toString()).isBetween(400, 422);
            assertThat(fields(r)).as(r.toString()).containsExactly("kind");
        }
        String ws = fixtures.workspace(t, "Patched");
        var r = owner(t).patch(t.ws(ws), Map.of("kind", "spaceship"));
        assertThat(r.status()).as(r.toString()).isBetween(400, 422);
        assertThat(fields(r)).containsExactly("kind");
    }

    @Test
    void namesAndDescriptionsAreValidated() {
        var t = fixtures.tenant("Names Org");
        String ws = fixtures.workspace(t, "Valid");
        for (String bad : List.of("", "  ", "n".repeat(201))) {
            assertInvalid(owner(t).post(t.path() + "/workspaces", Map.of("name", bad)), "name");
            assertInvalid(owner(t).patch(t.ws(ws), Map.of("name", bad)), "name");
        }
        assertInvalid(owner(t).post(t.path() + "/workspaces", Map.of()), "name");
        assertInvalid(
                owner(t).post(t.path() + "/workspaces", Map.of("name", "D", "description", "d".repeat(2001))),
                "description");
        assertThat(owner(t).get(t.ws(ws)).text("name")).isEqualTo("Valid");
    }

    @Test
    void onlyOrganizationAdminsCreateWorkspaces() {
        var t = fixtures.tenant("Guarded Org");
        var member = fixtures.addMember(t, "member", null);
        var billing = fixtures.addMember(t, "billing", null);
        assertProblem(
                fixtures.api().as(member.token()).post(t.path() + "/workspaces", Map.of("name", "No")),
                403,
                "forbidden");
        assertProblem(
                fixtures.api().as(billing.token()).post(t.path() + "/workspaces", Map.of("name", "No")),
                403,
                "forbidden");
        var byKey = fixtures.api().as(fixtures.adminKey(t)).post(t.path() + "/workspaces", Map.of("name", "By key"));
        assertThat(byKey.status()).as(byKey.toString()).isEqualTo(201);
    }

    @Test
    void workspacesAreListedReadAndUpdatedWithAnAuditRecord() {
        var t = fixtures.tenant("List Org");
        String a = fixtures.workspace(t, "Alpha");
        String b = fixtures.workspace(t, "Beta");

        var list = owner(t).get(t.path() + "/workspaces");
        assertThat(list.status()).isEqualTo(200);
        assertThat(ids(list.json())).containsExactly(t.primaryWorkspaceId(), a, b);
        assertThat(list.json().path("has_more").asBoolean()).isFalse();

        var page1 = owner(t).get(t.path() + "/workspaces?limit=2").json();
        assertThat(ids(page1)).containsExactly(t.primaryWorkspaceId(), a);
        assertThat(page1.path("has_more").asBoolean()).isTrue();
        var page2 = owner(t).get(t.path() + "/workspaces?limit=2&after="
                        + page1.path("next").asString())
                .json();
        assertThat(ids(page2)).containsExactly(b);
        assertThat(page2.path("has_more").asBoolean()).isFalse();

        var got = owner(t).get(t.ws(a));
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.text("name")).isEqualTo("Alpha");
        assertThat(got.text("kind")).isEqualTo("client");

        var updated = owner(t).patch(t.ws(a), Map.of("name", "Alpha 2", "description", "renamed", "kind", "campaign"));
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);
        assertThat(updated.text("name")).isEqualTo("Alpha 2");
        assertThat(updated.text("kind")).isEqualTo("campaign");
        var partial = owner(t).patch(t.ws(a), Map.of("description", "only this"));
        assertThat(partial.text("name")).isEqualTo("Alpha 2");
        assertThat(partial.text("description")).isEqualTo("only this");
        assertThat(owner(t).get(t.ws(a)).text("description")).isEqualTo("only this");

        var events = owner(t).get(t.path() + "/audit-events?action=workspace.updated&target_id=" + a)
                .json()
                .path("data");
        assertThat(events).hasSize(2);
        assertThat(events.get(1).path("before").path("name").asString()).isEqualTo("Alpha");
        assertThat(events.get(1).path("after").path("name").asString()).isEqualTo("Alpha 2");
        assertThat(events.get(1).path("after").path("kind").asString()).isEqualTo("campaign");
    }

    @Test
    void anArchivedWorkspaceIsReadOnlyUntilUnarchived() {
        var t = fixtures.tenant("Archive Org");
        String ws = fixtures.workspace(t, "Old Campaign");

        var archived = owner(t).post(t.ws(ws) + "/archive", null);
        assertThat(archived.status()).as(archived.toString()).isEqualTo(200);
        assertThat(archived.text("status")).isEqualTo("archived");
        assertThat(archived.json().path("archived_at").isNull()).isFalse();

        assertThat(ids(owner(t).get(t.path() + "/workspaces").json())).doesNotContain(ws);
        assertThat(ids(owner(t).get(t.path() + "/workspaces?include_archived=true")
                        .json()))
                .contains(ws, t.primaryWorkspaceId());
        assertThat(owner(t).get(t.ws(ws)).text("status")).isEqualTo("archived");
        assertThat(owner(t).get(t.ws(ws) + "/policy").status()).isEqualTo(200);
        assertThat(owner(t).get(t.ws(ws) + "/members").status()).isEqualTo(200);

        assertProblem(owner(t).patch(t.ws(ws), Map.of("name", "Renamed")), 409, "workspace_archived");
        assertProblem(owner(t).put(t.ws(ws) + "/policy", Map.of("record_history", false)), 409, "workspace_archived");
        var m = fixtures.addMember(t, "member", null);
        assertProblem(
                owner(t).post(t.ws(ws) + "/members", Map.of("user_id", m.userId(), "role", "member")),
                409,
                "workspace_archived");
        assertProblem(owner(t).post(t.ws(ws) + "/api-keys", Map.of("name", "k")), 409, "workspace_archived");
        assertThat(owner(t).get(t.ws(ws)).text("name")).isEqualTo("Old Campaign");

        // Archiving twice changes nothing.
        assertThat(owner(t).post(t.ws(ws) + "/archive", null).text("status")).isEqualTo("archived");

        var unarchived = owner(t).post(t.ws(ws) + "/unarchive", null);
        assertThat(unarchived.status()).isEqualTo(200);
        assertThat(unarchived.text("status")).isEqualTo("active");
        assertThat(unarchived.json().path("archived_at").isNull()).isTrue();
        assertThat(ids(owner(t).get(t.path() + "/workspaces").json())).contains(ws);
        assertThat(owner(t).patch(t.ws(ws), Map.of("name", "Renamed")).status()).isEqualTo(200);

        var actions = new ArrayList<String>();
        for (var e :
                owner(t).get(t.path() + "/audit-events?target_id=" + ws).json().path("data")) {
            actions.add(e.path("action").asString());
        }
        assertThat(actions)
                .containsExactly(
                        "workspace.updated", "workspace.unarchived", "workspace.archived", "workspace.created");
    }

    @Test
    void archivingMovesTheDefaultsOfItsMembersToThePrimaryAndSaysSo() {
        var t = fixtures.tenant("Archive Defaults Org");
        owner(t).post(t.path() + "/credits/grants", Map.of("amount", "100"));
        String ws = fixtures.workspace(t, "Wound down");
        var m = fixtures.addMember(t, "member", ws);
        var stays = fixtures.addMember(t, "member", null);
        assertThat(owner(t).get(t.path() + "/members/" + m.userId()).text("default_workspace_id"))
                .isEqualTo(ws);

        var archived = owner(t).post(t.ws(ws) + "/archive", null);
        assertThat(archived.status()).as(archived.toString()).isEqualTo(200);
        assertThat(archived.text("status")).isEqualTo("archived");
        assertThat(archived.text("id")).isEqualTo(ws);
        List<String> moved = new ArrayList<>();
        for (var u : archived.json().path("members_moved_to_primary")) moved.add(u.asString());
        assertThat(moved).containsExactly(m.userId());

        assertThat(owner(t).get(t.path() + "/members/" + m.userId()).text("default_workspace_id"))
                .isEqualTo(t.primaryWorkspaceId());
        assertThat(owner(t).get(t.path() + "/members/" + stays.userId()).text("default_workspace_id"))
                .isEqualTo(t.primaryWorkspaceId());
        assertThat(userIds(
                        owner(t).get(t.ws(t.primaryWorkspaceId()) + "/members").json()))
                .contains(m.userId());
        var me = fixtures.api().as(m.token()).get("/api/v1/me").json();
        assertThat(me.path("organizations").get(0).path("default_workspace_id").asString())
                .isEqualTo(t.primaryWorkspaceId());
        // A call without a workspace header goes to the new default, not to the archived workspace.
        var call = fixtures.api()
                .as(m.token())
                .post(
                        "/v1/chat/completions",
                        Map.of("model", "demo/chat", "messages", List.of(Map.of("role", "user", "content", "hi"))));
        assertThat(call.status()).as(call.toString()).isEqualTo(200);
        // Still assigned to the archived workspace, which cannot become a default again while archived.
        assertInvalid(
                owner(t).patch(t.path() + "/members/" + m.userId(), Map.of("default_workspace_id", ws)),
                "default_workspace_id");

        var events = owner(t).get(t.path() + "/audit-events?action=workspace.archived")
                .json()
                .path("data");
        assertThat(events).hasSize(1);
        var after = events.get(0).path("after");
        assertThat(after.path("status").asString()).isEqualTo("archived");
        assertThat(after.path("members_moved_to_primary").get(0).asString()).isEqualTo(m.userId());

        // Archiving again moves no one.
        var again = owner(t).post(t.ws(ws) + "/archive", null);
        assertThat(again.json().path("members_moved_to_primary")).isEmpty();
    }

    @Test
    void anInvitationToAWorkspaceArchivedMeanwhileJoinsThePrimary() {
        var t = fixtures.tenant("Archive Invite Org");
        String ws = fixtures.workspace(t, "Closing");
        String email = Fixtures.uniqueEmail("late");
        var invite =
                owner(t).post(t.path() + "/invitations", Map.of("email", email, "role", "member", "workspace_id", ws));
        assertThat(invite.status()).as(invite.toString()).isEqualTo(201);
        assertThat(owner(t).post(t.ws(ws) + "/archive", null).status()).isEqualTo(200);

        var accept = fixtures.api()
                .post(
                        "/api/v1/invitations/" + invite.text("token") + "/accept",
                        Map.of("name", "Late", "password", Fixtures.PASSWORD));
        assertThat(accept.status()).as(accept.toString()).isEqualTo(200);
        String user = accept.json().path("user").path("id").asString();
        assertThat(owner(t).get(t.path() + "/members/" + user).text("default_workspace_id"))
                .isEqualTo(t.primaryWorkspaceId());
    }

    @Test
    void twoActiveWorkspacesOfAnOrganizationCannotShareAName() {
        var t = fixtures.tenant("Unique Names Org");
        String first = fixtures.workspace(t, "Acme Launch");
        assertProblem(
                owner(t).post(t.path() + "/workspaces", Map.of("name", "  acme LAUNCH ")), 409, "workspace_name_taken");
        assertProblem(
                owner(t).post(t.path() + "/workspaces", Map.of("name", "primary workspace")),
                409,
                "workspace_name_taken");
        String second = fixtures.workspace(t, "Acme Relaunch");
        assertProblem(owner(t).patch(t.ws(second), Map.of("name", "ACME launch")), 409, "workspace_name_taken");
        assertThat(owner(t).get(t.ws(second)).text("name")).isEqualTo("Acme Relaunch");
        // Renaming a workspace to its own name, in another case, is fine.
        assertThat(owner(t).patch(t.ws(first), Map.of("name", "ACME Launch")).status())
                .isEqualTo(200);

        // Another organization may use the name.
        var other = fixtures.tenant("Other Names Org");
        assertThat(fixtures.workspace(other, "Acme Launch")).isNotBlank();

        // An archived workspace's name is free; unarchiving it while the name is taken is refused.
        assertThat(owner(t).post(t.ws(first) + "/archive", null).status()).isEqualTo(200);
        String third = fixtures.workspace(t, "acme launch");
        assertProblem(owner(t).post(t.ws(first) + "/unarchive", null), 409, "workspace_name_taken");
        assertThat(owner(t).get(t.ws(first)).text("status")).isEqualTo("archived");
        assertThat(owner(t).patch(t.ws(third), Map.of("name", "Acme Launch 2")).status())
                .isEqualTo(200);
        assertThat(owner(t).post(t.ws(first) + "/unarchive", null).status()).isEqualTo(200);
    }

    @Test
    void deletingAWorkspaceRevokesItsKeysAndMovesDefaultsToThePrimary() {
        var t = fixtures.tenant("Delete Org");
        String ws = fixtures.workspace(t, "Doomed");
        var m = fixtures.addMember(t, "member", ws);
        String key = fixtures.workspaceKey(t, ws);
        assertThat(fixtures.api().as(key).get(t.ws(ws)).status()).isEqualTo(200);
        assertThat(owner(t).get(t.path() + "/members/" + m.userId()).text("default_workspace_id"))
                .isEqualTo(ws);

        var deleted = owner(t).delete(t.ws(ws));
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json().path("keys_revoked").asInt()).isEqualTo(1);

        assertProblem(owner(t).get(t.ws(ws)), 404, "not_found");
        assertProblem(owner(t).patch(t.ws(ws), Map.of("name", "Back")), 404, "not_found");
        assertProblem(owner(t).delete(t.ws(ws)), 404, "not_found");
        assertProblem(owner(t).post(t.ws(ws) + "/unarchive", null), 404, "not_found");
        assertThat(ids(owner(t).get(t.path() + "/workspaces?include_archived=true")
                        .json()))
                .doesNotContain(ws);
        assertProblem(fixtures.api().as(key).get(t.ws(ws)), 401, "unauthorized");

        var moved = owner(t).get(t.path() + "/members/" + m.userId());
        assertThat(moved.text("default_workspace_id")).isEqualTo(t.primaryWorkspaceId());
        assertThat(userIds(
                        owner(t).get(t.ws(t.primaryWorkspaceId()) + "/members").json()))
                .contains(m.userId());
        var me = fixtures.api().as(m.token()).get("/api/v1/me").json();
        assertThat(me.path("organizations").get(0).path("default_workspace_id").asString())
                .isEqualTo(t.primaryWorkspaceId());

        var events = owner(t).get(t.path() + "/audit-events?action=workspace.deleted")
                .json()
                .path("data");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).path("target_id").asString()).isEqualTo(ws);
        assertThat(events.get(0).path("before").path("name").asString()).isEqualTo("Doomed");
        assertThat(events.get(0).path("after").path("status").asString()).isEqualTo("deleted");
    }

    @Test
    void anArchivedWorkspaceCanBeDeletedButOnlyByOrganizationAdmins() {
        var t = fixtures.tenant("Delete Org");
        String ws = fixtures.workspace(t, "Archived then deleted");
        var wsAdmin = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, wsAdmin, "admin");
        assertProblem(fixtures.api().as(wsAdmin.token()).delete(t.ws(ws)), 403, "forbidden");

        assertThat(owner(t).post(t.ws(ws) + "/archive", null).status()).isEqualTo(200);
        assertThat(owner(t).delete(t.ws(ws)).status()).isEqualTo(200);
        assertProblem(owner(t).get(t.ws(ws)), 404, "not_found");
    }

    @Test
    void thePrimaryWorkspaceCanBeNeitherArchivedNorDeleted() {
        var t = fixtures.tenant("Primary Org");
        String primary = t.ws(t.primaryWorkspaceId());
        assertProblem(owner(t).post(primary + "/archive", null), 409, "primary_workspace");
        assertProblem(owner(t).delete(primary), 409, "primary_workspace");
        var ws = owner(t).get(primary);
        assertThat(ws.text("status")).isEqualTo("active");
        assertThat(ws.json().path("primary").asBoolean()).isTrue();
        // Unarchiving an active Primary is a harmless no-op, and it can still be renamed.
        assertThat(owner(t).post(primary + "/unarchive", null).status()).isEqualTo(200);
        assertThat(owner(t).patch(primary, Map.of("name", "Main")).text("name")).isEqualTo("Main");
    }

    @Test
    void aPlainMemberSeesOnlyTheWorkspacesTheyAreAssignedTo() {
        var t = fixtures.tenant("Visibility Org");
        String mine = fixtures.workspace(t, "Mine");
        String theirs = fixtures.workspace(t, "Theirs");
        var m = fixtures.addMember(t, "member", null);
        fixtures.assign(t, mine, m, "viewer");
        Api asMember = fixtures.api().as(m.token());

        assertThat(ids(asMember.get(t.path() + "/workspaces").json())).containsExactly(t.primaryWorkspaceId(), mine);
        assertThat(ids(asMember.get(t.path() + "/workspaces?include_archived=true")
                        .json()))
                .containsExactly(t.primaryWorkspaceId(), mine);
        assertThat(asMember.get(t.ws(mine)).status()).isEqualTo(200);
        assertProblem(asMember.get(t.ws(theirs)), 404, "not_found");
        assertProblem(asMember.get(t.ws(theirs) + "/policy"), 404, "not_found");
        assertProblem(asMember.get(t.ws(theirs) + "/members"), 404, "not_found");
        assertProblem(asMember.patch(t.ws(theirs), Map.of("name", "x")), 404, "not_found");
        // Assigned as a viewer: can read, cannot manage.
        assertProblem(asMember.patch(t.ws(mine), Map.of("name", "x")), 403, "forbidden");
        assertProblem(asMember.post(t.ws(mine) + "/archive", null), 403, "forbidden");

        // Owners, admins and billing see every workspace.
        var billing = fixtures.addMember(t, "billing", null);
        assertThat(ids(fixtures.api()
                        .as(billing.token())
                        .get(t.path() + "/workspaces")
                        .json()))
                .containsExactly(t.primaryWorkspaceId(), mine, theirs);
        assertThat(fixtures.api().as(billing.token()).get(t.ws(theirs)).status())
                .isEqualTo(200);

        // A workspace of another organization is 404 even to an owner.
        var other = fixtures.tenant("Other Org");
        assertProblem(owner(t).get(t.path() + "/workspaces/" + other.primaryWorkspaceId()), 404, "not_found");
    }

    @Test
    void aWorkspaceAdminManagesTheirWorkspaceWithoutAnOrganizationRole() {
        var t = fixtures.tenant("Delegation Org");
        String ws = fixtures.workspace(t, "Delegated");
        var lead = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, lead, "admin");
        Api asLead = fixtures.api().as(lead.token());

        assertThat(asLead.patch(t.ws(ws), Map.of("name", "Led")).status()).isEqualTo(200);
        assertThat(asLead.put(t.ws(ws) + "/policy", Map.of("record_history", false))
                        .status())
                .isEqualTo(200);
        assertThat(asLead.post(t.ws(ws) + "/archive", null).status()).isEqualTo(200);
        assertThat(asLead.post(t.ws(ws) + "/unarchive", null).status()).isEqualTo(200);
        assertProblem(asLead.patch(t.ws(t.primaryWorkspaceId()), Map.of("name", "x")), 403, "forbidden");
    }
}
