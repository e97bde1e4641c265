package dev.atrium.organization;

import static dev.atrium.common.Problems.assertInvalid;
import static dev.atrium.common.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** Pending invitations: listed without their links, revoked, and sent again with a new link. */
@IntegrationTest
class InvitationManagementTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    private Api owner(Fixtures.Tenant t) {
        return fixtures.api().as(t.owner().token());
    }

    private Api.Response invite(Fixtures.Tenant t, String token, String email, String role) {
        return fixtures.api().as(token).post(t.path() + "/invitations", Map.of("email", email, "role", role));
    }

    private Api.Response accept(String token) {
        return fixtures.api()
                .post("/api/v1/invitations/" + token + "/accept", Map.of("name", "New", "password", Fixtures.PASSWORD));
    }

    private static List<String> field(JsonNode data, String name) {
        List<String> out = new ArrayList<>();
        for (var n : data) out.add(n.path(name).asString());
        return out;
    }

    @Test
    void pendingInvitationsAreListedNewestFirstWithoutTheirLinks() {
        var t = fixtures.tenant("Invite Org");
        String ws = fixtures.workspace(t, "Client A");
        var first = invite(t, t.owner().token(), Fixtures.uniqueEmail("first"), "member");
        var second = owner(t).post(
                        t.path() + "/invitations",
                        Map.of("email", Fixtures.uniqueEmail("second"), "role", "billing", "workspace_id", ws));
        var joined = invite(t, t.owner().token(), Fixtures.uniqueEmail("joined"), "member");
        assertThat(accept(joined.text("token")).status()).isEqualTo(200);

        var list = owner(t).get(t.path() + "/invitations?status=pending");
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        JsonNode data = list.json().path("data");
        assertThat(field(data, "id")).containsExactly(second.text("id"), first.text("id"));
        assertThat(data.get(0).path("role").asString()).isEqualTo("billing");
        assertThat(data.get(0).path("workspace_id").asString()).isEqualTo(ws);
        assertThat(data.get(0).path("status").asString()).isEqualTo("pending");
        assertThat(data.get(0).path("invited_by").asString())
                .isEqualTo(t.owner().userId());
        assertThat(Instant.parse(data.get(0).path("expires_at").asString())).isAfter(Instant.now());
        assertThat(list.json().path("has_more").asBoolean()).isFalse();
        // The list never carries a link: only the issuer saw it once.
        assertThat(list.body()).doesNotContain(first.text("token"), second.text("token"), "\"token\"");
        // Without ?status the list is the pending ones; other statuses on request.
        assertThat(field(owner(t).get(t.path() + "/invitations").json().path("data"), "id"))
                .containsExactly(second.text("id"), first.text("id"));
        assertThat(field(
                        owner(t).get(t.path() + "/invitations?status=accepted")
                                .json()
                                .path("data"),
                        "id"))
                .containsExactly(joined.text("id"));
        assertThat(owner(t).get(t.path() + "/invitations?status=all").json().path("data"))
                .hasSize(3);
        var page = owner(t).get(t.path() + "/invitations?limit=1");
        assertThat(page.json().path("has_more").asBoolean()).isTrue();
        assertThat(field(
                        owner(t).get(t.path() + "/invitations?limit=1&after=" + page.text("next"))
                                .json()
                                .path("data"),
                        "id"))
                .containsExactly(first.text("id"));
        assertInvalid(owner(t).get(t.path() + "/invitations?status=open"), "status");
    }

    @Test
    void aRevokedInvitationsLinkNoLongerWorks() {
        var t = fixtures.tenant("Invite Org");
        var issued = invite(t, t.owner().token(), Fixtures.uniqueEmail("revoked"), "member");

        var revoke = owner(t).delete(t.path() + "/invitations/" + issued.text("id"));
        assertThat(revoke.status()).as(revoke.toString()).isEqualTo(204);

        assertProblem(accept(issued.text("token")), 404, "not_found");
        assertThat(owner(t).get(t.path() + "/invitations").json().path("data")).isEmpty();
        JsonNode revoked = owner(t).get(t.path() + "/invitations?status=revoked")
                .json()
                .path("data")
                .get(0);
        assertThat(revoked.path("id").asString()).isEqualTo(issued.text("id"));
        assertThat(revoked.path("revoked_at").isNull()).isFalse();
        // Revoked is final: no second revocation, no new link.
        assertProblem(owner(t).delete(t.path() + "/invitations/" + issued.text("id")), 404, "not_found");
        assertProblem(
                owner(t).post(t.path() + "/invitations/" + issued.text("id") + "/resend", null), 404, "not_found");
        assertThat(owner(t).get(t.path() + "/members").json().path("data")).hasSize(1);
    }

    @Test
    void anAcceptedInvitationCannotBeRevokedOrSentAgain() {
        var t = fixtures.tenant("Invite Org");
        var issued = invite(t, t.owner().token(), Fixtures.uniqueEmail("used"), "member");
        assertThat(accept(issued.text("token")).status()).isEqualTo(200);

        assertProblem(owner(t).delete(t.path() + "/invitations/" + issued.text("id")), 409, "invitation_used");
        assertProblem(
                owner(t).post(t.path() + "/invitations/" + issued.text("id") + "/resend", null),
                409,
                "invitation_used");
    }

    @Test
    void resendingGivesANewLinkAndTheOldOneStopsWorking() {
        var t = fixtures.tenant("Invite Org");
        String email = Fixtures.uniqueEmail("again");
        var issued = invite(t, t.owner().token(), email, "admin");
        // Expired: sending it again is how it is renewed.
        jdbc.sql("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE org_id = :org AND id = :id")
                .param("org", t.orgId())
                .param("id", issued.text("id"))
                .update();
        assertThat(field(
                        owner(t).get(t.path() + "/invitations?status=expired")
                                .json()
                                .path("data"),
                        "id"))
                .containsExactly(issued.text("id"));

        var resent = owner(t).post(t.path() + "/invitations/" + issued.text("id") + "/resend", null);
        assertThat(resent.status()).as(resent.toString()).isEqualTo(200);
        assertThat(resent.text("id")).isEqualTo(issued.text("id"));
        assertThat(resent.text("email")).isEqualTo(email);
        assertThat(resent.text("role")).isEqualTo("admin");
        assertThat(resent.text("token")).startsWith("atr_inv_").isNotEqualTo(issued.text("token"));
        assertThat(Instant.parse(resent.text("expires_at")))
                .isAfter(Instant.now().plusSeconds(6 * 86_400));
        assertThat(field(owner(t).get(t.path() + "/invitations").json().path("data"), "status"))
                .containsExactly("pending");

        assertProblem(accept(issued.text("token")), 404, "not_found");
        var joined = accept(resent.text("token"));
        assertThat(joined.status()).as(joined.toString()).isEqualTo(200);
        assertThat(joined.text("organization_id")).isEqualTo(t.orgId());
    }

    @Test
    void whoeverMayInviteManagesInvitationsAndAnotherOrganizationsAreNotFound() {
        var t = fixtures.tenant("Invite Org");
        var admin = fixtures.addMember(t, "admin", null);
        var billing = fixtures.addMember(t, "billing", null);
        var member = fixtures.addMember(t, "member", null);
        var forMember = invite(t, t.owner().token(), Fixtures.uniqueEmail("m"), "member");
        var forOwner = invite(t, t.owner().token(), Fixtures.uniqueEmail("o"), "owner");
        String path = t.path() + "/invitations/";

        for (var p : List.of(billing, member)) {
            Api as = fixtures.api().as(p.token());
            assertProblem(as.get(t.path() + "/invitations"), 403, "forbidden");
            assertProblem(as.delete(path + forMember.text("id")), 403, "forbidden");
            assertProblem(as.post(path + forMember.text("id") + "/resend", null), 403, "forbidden");
        }
        String workspaceKey = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        assertProblem(fixtures.api().as(workspaceKey).get(t.path() + "/invitations"), 403, "forbidden");
        // An admin may not invite an owner, nor renew or revoke such an invitation.
        Api asAdmin = fixtures.api().as(admin.token());
        assertProblem(asAdmin.post(path + forOwner.text("id") + "/resend", null), 403, "forbidden");
        assertProblem(asAdmin.delete(path + forOwner.text("id")), 403, "forbidden");
        assertThat(asAdmin.post(path + forMember.text("id") + "/resend", null).status())
                .isEqualTo(200);
        // An admin key acts as an admin.
        var byKey = fixtures.api().as(fixtures.adminKey(t)).delete(path + forMember.text("id"));
        assertThat(byKey.status()).as(byKey.toString()).isEqualTo(204);

        // Another organization's owner, with their own organization in the path: not found.
        var other = fixtures.tenant("Other Org");
        Api stranger = fixtures.api().as(other.owner().token());
        assertProblem(stranger.delete(other.path() + "/invitations/" + forOwner.text("id")), 404, "not_found");
        assertProblem(
                stranger.post(other.path() + "/invitations/" + forOwner.text("id") + "/resend", null),
                404,
                "not_found");
        assertProblem(stranger.get(t.path() + "/invitations"), 404, "not_found");
        assertProblem(owner(t).delete(path + "inv_nope"), 404, "not_found");
        assertThat(field(owner(t).get(t.path() + "/invitations").json().path("data"), "id"))
                .containsExactly(forOwner.text("id"));
    }

    @Test
    void revokingAndResendingAreAuditedWithoutTheLink() {
        var t = fixtures.tenant("Invite Org");
        String email = Fixtures.uniqueEmail("audit");
        var a = invite(t, t.owner().token(), email, "member");
        var b = invite(t, t.owner().token(), Fixtures.uniqueEmail("audit2"), "member");
        var resent = owner(t).post(t.path() + "/invitations/" + a.text("id") + "/resend", null);
        owner(t).delete(t.path() + "/invitations/" + b.text("id"));

        JsonNode events = owner(t).get(t.path() + "/audit-events").json().path("data");
        assertThat(events.get(0).path("action").asString()).isEqualTo("invitation.revoked");
        assertThat(events.get(0).path("target_id").asString()).isEqualTo(b.text("id"));
        assertThat(events.get(0).path("actor_id").asString())
                .isEqualTo(t.owner().userId());
        assertThat(events.get(0).path("before").path("status").asString()).isEqualTo("pending");
        assertThat(events.get(0).path("after").path("status").asString()).isEqualTo("revoked");
        assertThat(events.get(1).path("action").asString()).isEqualTo("invitation.resent");
        assertThat(events.get(1).path("target_id").asString()).isEqualTo(a.text("id"));
        assertThat(events.get(1).path("after").path("email").asString()).isEqualTo(email);
        assertThat(events.get(1).path("after").path("expires_at").asString()).isEqualTo(resent.text("expires_at"));
        assertThat(events.toString()).doesNotContain(a.text("token"), resent.text("token"), b.text("token"));
    }
}
