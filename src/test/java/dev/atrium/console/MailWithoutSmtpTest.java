package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.mail.Mail;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Without SMTP settings nothing is queued or sent, and the API and the console say links are shared by hand. */
@IntegrationTest
class MailWithoutSmtpTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    Mail mail;

    @Autowired
    JdbcClient jdbc;

    @Test
    void withoutSmtpNothingIsSentAndTheApiSaysToShareLinksByHand() {
        var t = fixtures.tenant("No Mail Co");
        var api = fixtures.api().as(t.owner().token());
        var invitation = api.post(t.path() + "/invitations", Map.of("email", Fixtures.uniqueEmail("manual")));
        assertThat(invitation.status()).isEqualTo(201);
        assertThat(invitation.json().path("emailed").asBoolean()).isFalse();
        assertThat(invitation.text("delivery")).contains("by hand");
        var resent = api.post(t.path() + "/invitations/" + invitation.text("id") + "/resend", null);
        assertThat(resent.json().path("emailed").asBoolean()).isFalse();

        assertThat(mail.deliverDue(100)).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM mail_outbox WHERE org_id = :org")
                        .param("org", t.orgId())
                        .query(Long.class)
                        .single())
                .isZero();
        var listing = api.get(t.path() + "/mail/messages");
        assertThat(listing.status()).isEqualTo(200);
        assertThat(listing.json().path("smtp_configured").asBoolean()).isFalse();
        assertThat(listing.text("note")).contains("share invitation links by hand");
        assertThat(listing.json().path("data").size()).isZero();
    }

    @Test
    void withoutSmtpTheConsoleShowsTheLinkToShareByHand() {
        var t = fixtures.tenant("Console No Mail");
        ConsoleClient owner = ConsoleClient.signedIn(fixtures, t.owner());
        String base = "/orgs/" + t.orgId();
        var page = owner.follow(
                owner.post(base + "/members/invite", Map.of("emails", Fixtures.uniqueEmail("hand"), "role", "member")));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body())
                .contains("Email is not configured on this server: share each link by hand.")
                .contains("/invitations/accept?token=atr_inv_")
                .contains("href=\"" + base + "/mail\"");

        var mailPage = owner.get(base + "/mail");
        assertThat(mailPage.status()).isEqualTo(200);
        assertThat(mailPage.body()).contains("Email is not configured on this server.", "No message yet.");
    }

    @Test
    void aWorkspaceAdminTurnsTheWeeklyDigestOnInTheConsole() {
        var t = fixtures.tenant("Console Digest");
        String ws = fixtures.workspace(t, "Digest WS");
        var workspaceAdmin = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, workspaceAdmin, "admin");
        var plain = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, plain, "member");
        String page = "/orgs/" + t.orgId() + "/workspaces/" + ws + "/mail-digest";

        ConsoleClient admin = ConsoleClient.signedIn(fixtures, workspaceAdmin);
        assertThat(admin.get("/orgs/" + t.orgId() + "/workspaces/" + ws).body()).contains("href=\"" + page + "\"");
        var form = admin.get(page);
        assertThat(form.status()).isEqualTo(200);
        assertThat(form.body()).contains("id=\"digest-no-smtp\"", "id=\"weekly\"");
        var saved = admin.follow(admin.post(page, Map.of("weekly", "true")));
        assertThat(saved.body()).contains("usage digest by email every Monday", "value=\"true\" checked=\"checked\"");
        assertThat(fixtures.api()
                        .as(t.owner().token())
                        .get(t.ws(ws) + "/mail-digest")
                        .json()
                        .path("weekly")
                        .asBoolean())
                .isTrue();

        ConsoleClient member = ConsoleClient.signedIn(fixtures, plain);
        assertThat(member.post(page, Map.of("weekly", "false")).status()).isEqualTo(403);
        assertThat(fixtures.api()
                        .as(t.owner().token())
                        .get(t.ws(ws) + "/mail-digest")
                        .json()
                        .path("weekly")
                        .asBoolean())
                .isTrue();
    }
}
