package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The members page: invitations (single and bulk), roles, default workspace, removal, usage per member. */
@IntegrationTest
class MembersConsolePagesTest {
    @Autowired
    Fixtures fixtures;

    private static String members(Fixtures.Tenant t) {
        return "/orgs/" + t.orgId() + "/members";
    }

    /** Usage recorded for a member, as the ingestion API records it (it debits the ledger too). */
    private void usage(Fixtures.Tenant t, String ws, String user, String category, String credits) {
        var api = fixtures.api().as(t.owner().token());
        var grant = api.withHeader("Idempotency-Key", UUID.randomUUID().toString())
                .post(t.path() + "/credits/grants", Map.of("amount", "100", "kind", "purchase"));
        assertThat(grant.status()).isEqualTo(201);
        var event = Map.<String, Object>of(
                "id", "evt-" + UUID.randomUUID(),
                "workspace_id", ws,
                "user_id", user,
                "model", category.equals("chat") ? "demo/chat" : "demo/image",
                "category", category,
                "credits", credits,
                "occurred_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        var r = api.post(t.path() + "/usage/events", Map.of("events", List.of(event)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    @Test
    void ownerSeesEveryMemberWithTheirCreditsInThreeColumns() {
        var t = fixtures.tenant("members-usage");
        var member = fixtures.addMember(t, "member", null);
        usage(t, t.primaryWorkspaceId(), member.userId(), "chat", "2.5");
        usage(t, t.primaryWorkspaceId(), member.userId(), "image", "4");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var page = c.get(members(t));
        assertThat(page.status()).isEqualTo(200);
        String row = rowOf(page.body(), member.email());
        assertThat(row)
                .contains("class=\"num image-speech\">4<", "class=\"num chatbot\">2.5<", "class=\"num total\">6.5<");
        assertThat(rowOf(page.body(), t.owner().email())).contains("class=\"num total\">0<");
        assertThat(page.body()).contains("Invite people", "Image &amp; speech", "Chatbot");

        var lastYear = c.get(members(t) + "?from=2020-01-01&to=2020-01-31");
        assertThat(rowOf(lastYear.body(), member.email())).contains("class=\"num total\">0<");
        assertThat(c.get(members(t) + "?from=2020-02-01&to=2020-01-01").body())
                .contains("The start date must not be after the end date.");
    }

    @Test
    void bulkInvitationGivesALinkPerPersonAndKeepsTheRefusedAddresses() {
        var t = fixtures.tenant("members-bulk");
        String ws = fixtures.workspace(t, "Client Bulk");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        String a = Fixtures.uniqueEmail("ann");
        String b = Fixtures.uniqueEmail("bob");
        var post = c.post(
                members(t) + "/invite",
                Map.of("emails", a + ",\n" + b + "; not-an-address", "role", "member", "workspace", ws));
        var page = c.follow(post);
        assertThat(page.body())
                .contains("2 invitations created.", a, b, "/invitations/accept?token=atr_inv_")
                .contains("not-an-address</span> — <span>email is not a valid address.");
        assertThat(page.body()).contains(">not-an-address</textarea>");
        // Shown once: the links are gone on the next view.
        assertThat(c.get(members(t)).body()).doesNotContain("/invitations/accept?token=");

        var empty = c.follow(c.post(members(t) + "/invite", Map.of("emails", " ", "role", "member")));
        assertThat(empty.body()).contains("Enter at least one email address.");
    }

    @Test
    void pendingInvitationsAreListedAndCanBeSentAgainOrRevoked() {
        var t = fixtures.tenant("members-pending");
        String ws = fixtures.workspace(t, "Client Pending");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        String ann = Fixtures.uniqueEmail("ann");
        String bob = Fixtures.uniqueEmail("bob");
        var issued = c.follow(
                c.post(members(t) + "/invite", Map.of("emails", ann + "\n" + bob, "role", "billing", "workspace", ws)));
        String annLink = issued.body().replaceAll("(?s).*?value=\"[^\"]*token=(atr_inv_[^\"]+)\".*", "$1");
        assertThat(annLink).startsWith("atr_inv_");

        var page = c.get(members(t));
        assertThat(page.body()).contains("Pending invitations", "id=\"invitation-list\"");
        String list = page.body().substring(page.body().indexOf("id=\"invitation-list\""));
        assertThat(list).contains("data-invitation=\"" + ann + "\"", "data-invitation=\"" + bob + "\"");
        assertThat(list).contains("Client Pending", "billing", ">pending<");
        // The list never shows a link again.
        assertThat(page.body()).doesNotContain("/invitations/accept?token=");
        var api = fixtures.api().as(t.owner().token());
        String annId = null;
        String bobId = null;
        for (var i : api.get(t.path() + "/invitations").json().path("data")) {
            if (i.path("email").asString().equals(ann)) annId = i.path("id").asString();
            if (i.path("email").asString().equals(bob)) bobId = i.path("id").asString();
        }

        // Send again: a new link, shown once; the old one stops working.
        var resent = c.follow(c.post(members(t) + "/invitations/" + annId + "/resend", Map.of()));
        assertThat(resent.body()).contains("New invitation link for " + ann, "/invitations/accept?token=atr_inv_");
        String newLink = resent.body().replaceAll("(?s).*?value=\"[^\"]*token=(atr_inv_[^\"]+)\".*", "$1");
        assertThat(newLink).startsWith("atr_inv_").isNotEqualTo(annLink);
        var oldAccept = fixtures.api()
                .post(
                        "/api/v1/invitations/" + annLink + "/accept",
                        Map.of("name", "Ann", "password", Fixtures.PASSWORD));
        assertThat(oldAccept.status()).isEqualTo(404);

        // Revoke: gone from the list, its link refused.
        var revoked = c.follow(c.post(members(t) + "/invitations/" + bobId + "/revoke", Map.of()));
        assertThat(revoked.body()).contains("Invitation for " + bob + " revoked.");
        assertThat(revoked.body()).doesNotContain("data-invitation=\"" + bob + "\"");
        assertThat(api.get(t.path() + "/invitations?status=revoked")
                        .json()
                        .path("data")
                        .get(0)
                        .path("email")
                        .asString())
                .isEqualTo(bob);
        var newAccept = fixtures.api()
                .post(
                        "/api/v1/invitations/" + newLink + "/accept",
                        Map.of("name", "Ann", "password", Fixtures.PASSWORD));
        assertThat(newAccept.status()).as(newAccept.toString()).isEqualTo(200);
        assertThat(c.get(members(t)).body()).contains("No invitation is waiting to be accepted.");

        // Another organization's invitation through this organization's page: 404; billing may not act.
        var other = fixtures.tenant("members-pending-other");
        var foreign = fixtures.api()
                .as(other.owner().token())
                .post(other.path() + "/invitations", Map.of("email", Fixtures.uniqueEmail("f"), "role", "member"));
        assertThat(c.post(members(t) + "/invitations/" + foreign.text("id") + "/revoke", Map.of())
                        .status())
                .isEqualTo(404);
        var billing = ConsoleClient.signedIn(fixtures, fixtures.addMember(t, "billing", null));
        assertThat(billing.get(members(t)).body()).doesNotContain("Pending invitations");
        assertThat(billing.post(members(t) + "/invitations/" + foreign.text("id") + "/revoke", Map.of())
                        .status())
                .isEqualTo(403);
    }

    @Test
    void rolesAndDefaultWorkspaceChangeAndTheMemberCanBeRemoved() {
        var t = fixtures.tenant("members-edit");
        String ws = fixtures.workspace(t, "Client Edit");
        var member = fixtures.addMember(t, "member", null);
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var notAssigned =
                c.follow(c.post(members(t) + "/" + member.userId(), Map.of("role", "member", "default_workspace", ws)));
        assertThat(notAssigned.body()).contains("must be assigned to a workspace before it becomes their default");

        fixtures.assign(t, ws, member, "member");
        var saved = c.follow(
                c.post(members(t) + "/" + member.userId(), Map.of("role", "billing", "default_workspace", ws)));
        assertThat(saved.body()).contains("saved: billing.");
        var api = fixtures.api()
                .as(t.owner().token())
                .get(t.path() + "/members/" + member.userId())
                .json();
        assertThat(api.path("role").asString()).isEqualTo("billing");
        assertThat(api.path("default_workspace_id").asString()).isEqualTo(ws);

        var lastOwner = c.follow(c.post(members(t) + "/" + t.owner().userId() + "/remove", Map.of()));
        assertThat(lastOwner.body()).contains("last owner cannot be removed");
        var removed = c.follow(c.post(members(t) + "/" + member.userId() + "/remove", Map.of()));
        assertThat(removed.body()).contains("was removed. Their usage and ledger records stay.");
        assertThat(removed.body()).doesNotContain("data-member=\"" + member.email() + "\"");
    }

    @Test
    void aPlainMemberCannotOpenTheMembersPageAndBillingCannotInvite() {
        var t = fixtures.tenant("members-authz");
        var member = fixtures.addMember(t, "member", null);
        var billing = fixtures.addMember(t, "billing", null);
        var m = ConsoleClient.signedIn(fixtures, member);
        assertThat(m.get(members(t)).status()).isEqualTo(403);
        assertThat(m.post(members(t) + "/invite", Map.of("emails", "x@example.com"))
                        .status())
                .isEqualTo(403);
        assertThat(m.post(members(t) + "/" + billing.userId() + "/remove", Map.of())
                        .status())
                .isEqualTo(403);
        assertThat(m.get("/orgs/" + t.orgId()).body()).doesNotContain("/members\"");

        var b = ConsoleClient.signedIn(fixtures, billing);
        var page = b.get(members(t));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains(member.email()).doesNotContain("Invite people", "Remove");
        assertThat(b.post(members(t) + "/invite", Map.of("emails", "x@example.com"))
                        .status())
                .isEqualTo(403);

        var other = fixtures.tenant("members-other");
        assertThat(ConsoleClient.signedIn(fixtures, other.owner())
                        .get(members(t))
                        .status())
                .isEqualTo(404);
    }

    private static String rowOf(String html, String email) {
        int i = html.indexOf("data-member=\"" + email + "\"");
        assertThat(i).as("row of " + email).isPositive();
        return html.substring(i, html.indexOf("</tr>", i));
    }
}
