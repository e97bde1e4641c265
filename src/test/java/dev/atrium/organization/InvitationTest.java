package dev.atrium.organization;

import static dev.atrium.common.Problems.assertInvalid;
import static dev.atrium.common.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

@IntegrationTest
class InvitationTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    private Api.Response invite(Fixtures.Tenant t, String token, String email, String role, @Nullable String ws) {
        var body = new HashMap<String, Object>(Map.of("email", email, "role", role));
        if (ws != null) body.put("workspace_id", ws);
        return fixtures.api().as(token).post(t.path() + "/invitations", body);
    }

    private String inviteToken(Fixtures.Tenant t, String email, String role, @Nullable String ws) {
        var r = invite(t, t.owner().token(), email, role, ws);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.text("token");
    }

    private Api.Response accept(@Nullable String bearer, String token, Map<String, ?> body) {
        return fixtures.api().as(bearer).post("/api/v1/invitations/" + token + "/accept", body);
    }

    private JsonNode member(Fixtures.Tenant t, String userId) {
        var r = fixtures.api().as(t.owner().token()).get(t.path() + "/members/" + userId);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private List<String> workspaceMemberIds(Fixtures.Tenant t, String ws) {
        List<String> ids = new ArrayList<>();
        for (var m : fixtures.api()
                .as(t.owner().token())
                .get(t.ws(ws) + "/members")
                .json()
                .path("data")) {
            ids.add(m.path("user_id").asString());
        }
        return ids;
    }

    @Test
    void invitationToANamedWorkspaceMakesItTheNewMembersDefaultAndAssignsThem() {
        var t = fixtures.tenant("Invite Org");
        String ws = fixtures.workspace(t, "Client A");
        String email = Fixtures.uniqueEmail("named");

        var issued = invite(t, t.owner().token(), email, "member", ws);
        assertThat(issued.status()).isEqualTo(201);
        assertThat(issued.text("id")).startsWith("inv_");
        assertThat(issued.text("token")).isNotBlank();
        assertThat(Instant.parse(issued.text("expires_at")))
                .isAfter(Instant.now().plus(Duration.ofDays(6)));

        var accepted = accept(null, issued.text("token"), Map.of("name", "Named", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        assertThat(accepted.text("organization_id")).isEqualTo(t.orgId());
        String userId = accepted.json().path("user").path("id").asString();
        assertThat(accepted.json().path("user").path("email").asString()).isEqualTo(email);

        var m = member(t, userId);
        assertThat(m.path("role").asString()).isEqualTo("member");
        assertThat(m.path("default_workspace_id").asString()).isEqualTo(ws);
        assertThat(m.path("status").asString()).isEqualTo("active");
        assertThat(workspaceMemberIds(t, ws)).contains(userId);
        assertThat(workspaceMemberIds(t, t.primaryWorkspaceId())).doesNotContain(userId);

        // The new member can sign in and sees the organization with that default.
        var token = fixtures.api().post("/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD));
        var me = fixtures.api().as(token.text("token")).get("/api/v1/me").json();
        assertThat(me.path("organizations").get(0).path("default_workspace_id").asString())
                .isEqualTo(ws);
    }

    @Test
    void invitationWithoutWorkspaceLandsInThePrimary() {
        var t = fixtures.tenant("Invite Org");
        String token = inviteToken(t, Fixtures.uniqueEmail("plain"), "billing", null);
        var accepted = accept(null, token, Map.of("name", "Plain", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).isEqualTo(200);
        String userId = accepted.json().path("user").path("id").asString();

        var m = member(t, userId);
        assertThat(m.path("role").asString()).isEqualTo("billing");
        assertThat(m.path("default_workspace_id").asString()).isEqualTo(t.primaryWorkspaceId());
        assertThat(workspaceMemberIds(t, t.primaryWorkspaceId())).contains(userId);
    }

    @Test
    void anInvitationToAWorkspaceDeletedMeanwhileLandsInThePrimary() {
        var t = fixtures.tenant("Invite Org");
        String ws = fixtures.workspace(t, "Short-lived");
        String token = inviteToken(t, Fixtures.uniqueEmail("late"), "member", ws);
        assertThat(fixtures.api().as(t.owner().token()).delete(t.ws(ws)).status())
                .isEqualTo(200);

        var accepted = accept(null, token, Map.of("name", "Late", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        String userId = accepted.json().path("user").path("id").asString();
        assertThat(member(t, userId).path("default_workspace_id").asString()).isEqualTo(t.primaryWorkspaceId());
        assertThat(workspaceMemberIds(t, t.primaryWorkspaceId())).contains(userId);
    }

    @Test
    void anExistingUserAcceptsWithTheirPersonalToken() {
        var t = fixtures.tenant("Invite Org");
        var existing = fixtures.person("existing");
        String token = inviteToken(t, existing.email(), "admin", null);

        var accepted = accept(existing.token(), token, Map.of());
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        assertThat(accepted.json().path("user").path("id").asString()).isEqualTo(existing.userId());
        assertThat(member(t, existing.userId()).path("role").asString()).isEqualTo("admin");

        var me = fixtures.api().as(existing.token()).get("/api/v1/me").json();
        assertThat(me.path("organizations")).hasSize(1);
        assertThat(me.path("organizations").get(0).path("id").asString()).isEqualTo(t.orgId());
    }

    @Test
    void anExistingUserAcceptsWithTheirPasswordButAWrongPasswordIsUnauthorized() {
        var t = fixtures.tenant("Invite Org");
        var existing = fixtures.person("existing");
        String token = inviteToken(t, existing.email(), "member", null);

        assertProblem(accept(null, token, Map.of("password", "not the password at all")), 401, "unauthorized");
        assertProblem(accept(null, token, Map.of()), 401, "unauthorized");
        // Another person's token does not prove the invited identity either.
        var someoneElse = fixtures.person("else");
        assertProblem(accept(someoneElse.token(), token, Map.of()), 401, "unauthorized");
        assertProblem(fixtures.api().as(existing.token()).get(t.path()), 404, "not_found");

        // The failed attempts did not use the invitation up.
        var accepted = accept(null, token, Map.of("password", Fixtures.PASSWORD));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        assertThat(accepted.json().path("user").path("id").asString()).isEqualTo(existing.userId());
        assertThat(fixtures.api().as(existing.token()).get(t.path()).status()).isEqualTo(200);
    }

    @Test
    void anAcceptedInvitationCannotBeUsedAgain() {
        var t = fixtures.tenant("Invite Org");
        String token = inviteToken(t, Fixtures.uniqueEmail("once"), "member", null);
        var body = Map.of("name", "Once", "password", Fixtures.PASSWORD);
        assertThat(accept(null, token, body).status()).isEqualTo(200);

        assertProblem(accept(null, token, body), 409, "invitation_used");
        assertProblem(accept(null, token, Map.of("password", Fixtures.PASSWORD)), 409, "invitation_used");
    }

    @Test
    void anExpiredInvitationIsGone() {
        var t = fixtures.tenant("Invite Org");
        var issued = invite(t, t.owner().token(), Fixtures.uniqueEmail("late"), "member", null);
        assertThat(issued.status()).isEqualTo(201);
        jdbc.sql("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE org_id = :org AND id = :id")
                .param("org", t.orgId())
                .param("id", issued.text("id"))
                .update();

        assertProblem(
                accept(null, issued.text("token"), Map.of("name", "Late", "password", Fixtures.PASSWORD)),
                410,
                "invitation_expired");
        assertThat(fixtures.api()
                        .as(t.owner().token())
                        .get(t.path() + "/members")
                        .json()
                        .path("data"))
                .hasSize(1);
    }

    @Test
    void unknownOrMalformedTokensAreNotFound() {
        assertProblem(accept(null, "atr_inv_doesnotexist", Map.of("password", Fixtures.PASSWORD)), 404, "not_found");
        assertProblem(accept(null, "garbage", Map.of()), 404, "not_found");
        assertProblem(accept(null, "atr_inv_" + "x".repeat(300), Map.of()), 404, "not_found");
    }

    @Test
    void invitingAnOwnerNeedsTheOwnerRole() {
        var t = fixtures.tenant("Invite Org");
        var admin = fixtures.addMember(t, "admin", null);

        assertProblem(invite(t, admin.token(), Fixtures.uniqueEmail("o"), "owner", null), 403, "forbidden");
        var byAdmin = invite(t, admin.token(), Fixtures.uniqueEmail("a"), "admin", null);
        assertThat(byAdmin.status()).isEqualTo(201);

        String token = inviteToken(t, Fixtures.uniqueEmail("co-owner"), "owner", null);
        var accepted = accept(null, token, Map.of("name", "Co", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).isEqualTo(200);
        assertThat(member(t, accepted.json().path("user").path("id").asString())
                        .path("role")
                        .asString())
                .isEqualTo("owner");
    }

    @Test
    void onlyAdminsInviteAndInvitationsAreValidated() {
        var t = fixtures.tenant("Invite Org");
        var member = fixtures.addMember(t, "member", null);
        var billing = fixtures.addMember(t, "billing", null);

        assertProblem(invite(t, member.token(), Fixtures.uniqueEmail("x"), "member", null), 403, "forbidden");
        assertProblem(invite(t, billing.token(), Fixtures.uniqueEmail("x"), "member", null), 403, "forbidden");
        assertInvalid(invite(t, t.owner().token(), "not-an-email", "member", null), "email");
        assertInvalid(invite(t, t.owner().token(), "", "member", null), "email");
        assertInvalid(
                invite(t, t.owner().token(), Fixtures.uniqueEmail("x"), "member", "ws_" + "0".repeat(26)),
                "workspace_id");
        assertInvalid(invite(t, t.owner().token(), Fixtures.uniqueEmail("x"), "member", "nope"), "workspace_id");
        var other = fixtures.tenant("Other Org");
        assertInvalid(
                invite(t, t.owner().token(), Fixtures.uniqueEmail("x"), "member", other.primaryWorkspaceId()),
                "workspace_id");
        assertProblem(invite(t, t.owner().token(), member.email(), "admin", null), 409, "already_member");

        var unknownRole = invite(t, t.owner().token(), Fixtures.uniqueEmail("x"), "superuser", null);
        assertThat(unknownRole.status()).as(unknownRole.toString()).isBetween(400, 422);
        assertThat(unknownRole.json().path("errors").get(0).path("field").asString())
                .isEqualTo("role");
    }

    @Test
    void aNewUserMustChooseAValidPasswordAndTheInvitationSurvivesAFailedAttempt() {
        var t = fixtures.tenant("Invite Org");
        String token = inviteToken(t, Fixtures.uniqueEmail("pw"), "member", null);

        assertInvalid(accept(null, token, Map.of("name", "Pw", "password", "short")), "password");
        assertInvalid(accept(null, token, Map.of("name", "Pw")), "password");
        assertInvalid(accept(null, token, Map.of("name", " ", "password", Fixtures.PASSWORD)), "name");
        assertThat(accept(null, token, Map.of("name", "Pw", "password", Fixtures.PASSWORD))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void signedInUsersCannotTakeAnInvitationMeantForANewAddress() {
        var t = fixtures.tenant("Invite Org");
        var intruder = fixtures.person("intruder");
        String token = inviteToken(t, Fixtures.uniqueEmail("fresh"), "admin", null);

        assertProblem(accept(intruder.token(), token, Map.of()), 403, "forbidden");
        assertProblem(fixtures.api().as(intruder.token()).get(t.path()), 404, "not_found");
    }

    @Test
    void issuingAndAcceptingAreAudited() {
        var t = fixtures.tenant("Invite Org");
        String email = Fixtures.uniqueEmail("audited");
        var issued = invite(t, t.owner().token(), email, "member", null);
        var accepted = accept(null, issued.text("token"), Map.of("name", "A", "password", Fixtures.PASSWORD));
        String userId = accepted.json().path("user").path("id").asString();

        var events = fixtures.api()
                .as(t.owner().token())
                .get(t.path() + "/audit-events")
                .json()
                .path("data");
        // Newest first: the joining, then the invitation.
        assertThat(events.get(0).path("action").asString()).isEqualTo("member.added");
        assertThat(events.get(0).path("actor_id").asString()).isEqualTo(userId);
        assertThat(events.get(0).path("target_id").asString()).isEqualTo(userId);
        assertThat(events.get(0).path("after").path("role").asString()).isEqualTo("member");
        assertThat(events.get(1).path("action").asString()).isEqualTo("invitation.created");
        assertThat(events.get(1).path("actor_id").asString())
                .isEqualTo(t.owner().userId());
        assertThat(events.get(1).path("target_id").asString()).isEqualTo(issued.text("id"));
        assertThat(events.get(1).path("after").path("email").asString()).isEqualTo(email);
        // The invitation's secret never reaches the audit log.
        assertThat(events.toString()).doesNotContain(issued.text("token"));
    }
}
