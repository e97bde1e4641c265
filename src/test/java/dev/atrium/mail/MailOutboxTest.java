package dev.atrium.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.common.Credits;
import dev.atrium.common.OrgId;
import dev.atrium.console.ConsoleClient;
import dev.atrium.ledger.Alerts;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.support.SmtpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Email through the outbox against a real SMTP server (GreenMail): invitations with their link,
 * threshold alerts to the people they concern, sign-in notices, retries after the server refuses,
 * templates an operator replaces, and each organization seeing only its own outbox.
 */
@IntegrationTest
class MailOutboxTest {
    static final SmtpServer SMTP = new SmtpServer().start();
    static final Path TEMPLATES = Path.of("target", "mail-templates-test");

    @DynamicPropertySource
    static void smtp(DynamicPropertyRegistry registry) {
        registry.add("atrium.jobs.enabled", () -> "false");
        registry.add("atrium.smtp.host", () -> "127.0.0.1");
        registry.add("atrium.smtp.port", SMTP::port);
        registry.add("atrium.smtp.starttls", () -> "false");
        registry.add("atrium.mail.from", () -> "atrium@test.example");
        registry.add("atrium.mail.backoff", () -> "PT0.2S");
        registry.add("atrium.mail.max-attempts", () -> "3");
        registry.add("atrium.mail.templates-dir", TEMPLATES::toString);
    }

    @AfterAll
    static void stopSmtp() {
        SMTP.stop();
    }

    @Autowired
    Fixtures fixtures;

    @Autowired
    Mail mail;

    @Autowired
    Alerts alerts;

    @Autowired
    JdbcClient jdbc;

    private void deliver() {
        while (mail.deliverDue(100) == 100) {
            // drain
        }
    }

    private static List<SmtpServer.Received> about(String address, String subjectPart) {
        return SMTP.receivedBy(address).stream()
                .filter(m -> m.subject().contains(subjectPart))
                .toList();
    }

    private static JsonNode listed(Api api, Fixtures.Tenant t, String recipient) {
        var r = api.get(t.path() + "/mail/messages?limit=100");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        for (JsonNode m : r.json().path("data")) {
            if (m.path("recipient").asString().equals(recipient)) return m;
        }
        throw new AssertionError("no message to " + recipient + " in " + r.body());
    }

    @Test
    void invitationArrivesWithItsAcceptLinkAndSendingAgainMailsTheNewLink() {
        var t = fixtures.tenant("Mail Co");
        var api = fixtures.api().as(t.owner().token());
        String email = Fixtures.uniqueEmail("invitee");

        var invitation = api.post(t.path() + "/invitations", Map.of("email", email, "role", "member"));
        assertThat(invitation.status()).as(invitation.toString()).isEqualTo(201);
        assertThat(invitation.json().path("emailed").asBoolean()).isTrue();
        assertThat(SMTP.receivedBy(email))
                .as("the request only queues the message")
                .isEmpty();

        deliver();
        var first = about(email, "invited to Mail Co");
        assertThat(first).hasSize(1);
        String link = fixtures.baseUrl() + "/invitations/accept?token=" + invitation.text("token");
        assertThat(first.getFirst().to()).containsExactly(email);
        assertThat(first.getFirst().from()).isEqualTo("atrium@test.example");
        assertThat(first.getFirst().text()).contains(link, "as member");
        assertThat(first.getFirst().html()).contains("href=\"" + link + "\"");

        var resent = api.post(t.path() + "/invitations/" + invitation.text("id") + "/resend", null);
        assertThat(resent.status()).as(resent.toString()).isEqualTo(200);
        deliver();
        var again = about(email, "Reminder: You are invited to Mail Co");
        assertThat(again).hasSize(1);
        assertThat(again.getFirst().text())
                .contains(fixtures.baseUrl() + "/invitations/accept?token=" + resent.text("token"))
                .doesNotContain(invitation.text("token"));

        // The mailed link is the one that works.
        var accepted = fixtures.api()
                .post(
                        "/api/v1/invitations/" + resent.text("token") + "/accept",
                        Map.of("name", "Invitee", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);

        var listing = api.get(t.path() + "/mail/messages");
        assertThat(listing.json().path("smtp_configured").asBoolean()).isTrue();
        assertThat(listing.body())
                .as("the listing never shows the links")
                .doesNotContain(invitation.text("token"), resent.text("token"));
        var sent = listing.json()
                .path("data")
                .valueStream()
                .filter(m -> m.path("recipient").asString().equals(email))
                .toList();
        assertThat(sent).hasSize(2);
        for (JsonNode m : sent) {
            assertThat(m.path("kind").asString()).isEqualTo("invitation");
            assertThat(m.path("status").asString()).isEqualTo("sent");
            assertThat(m.path("attempts").asInt()).isEqualTo(1);
            assertThat(m.path("sent_at").isNull()).isFalse();
        }
        assertThat(jdbc.sql("SELECT count(*) FROM mail_outbox WHERE org_id = :org AND body_text IS NOT NULL")
                        .param("org", t.orgId())
                        .query(Long.class)
                        .single())
                .as("bodies (with their links) are erased once sent")
                .isZero();

        ConsoleClient console = ConsoleClient.signedIn(fixtures, t.owner());
        var page = console.get("/orgs/" + t.orgId() + "/mail");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body())
                .contains("This server sends email from", "atrium@test.example", email, "Reminder: You are invited")
                .doesNotContain(invitation.text("token"), resent.text("token"));
        var members = console.follow(console.post(
                "/orgs/" + t.orgId() + "/members/invite",
                Map.of("emails", Fixtures.uniqueEmail("page"), "role", "member")));
        assertThat(members.body()).contains("An email with their link is on its way to each person");
    }

    @Test
    void thresholdAlertsReachOwnersAdminsBillingAndTheWorkspaceAdminsOncePerThresholdAndPeriod() {
        var t = fixtures.tenant("Alert Mail Co");
        var api = fixtures.api().as(t.owner().token());
        OrgId org = new OrgId(t.orgId());
        String ws = fixtures.workspace(t, "Client");
        String other = fixtures.workspace(t, "Other");
        var admin = fixtures.addMember(t, "admin", null);
        var billing = fixtures.addMember(t, "billing", null);
        var workspaceAdmin = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, workspaceAdmin, "admin");
        var plain = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, plain, "member");
        var otherAdmin = fixtures.addMember(t, "member", null);
        fixtures.assign(t, other, otherAdmin, "admin");

        api.post(t.path() + "/credits/grants", Map.of("amount", "1000"));
        api.put(t.ws(ws) + "/funding", Map.of("mode", "budget"));
        api.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "100"));
        api.put(t.ws(ws) + "/alerts", Map.of("thresholds_percent", List.of(50, 80)));
        var hold = api.post(t.ws(ws) + "/holds", Map.of("amount", "60", "category", "chat"));
        api.post(t.ws(ws) + "/holds/" + hold.text("id") + "/capture", Map.of("amount", "60"));

        assertThat(alerts.evaluate(org))
                .extracting(m -> m.get("threshold_percent"))
                .containsExactly(50);
        deliver();
        Set<String> concerned = Set.of(t.owner().email(), admin.email(), billing.email(), workspaceAdmin.email());
        for (String address : concerned) {
            var got = about(address, "Client has used 50% of its budget");
            assertThat(got).as(address).hasSize(1);
            assertThat(got.getFirst().text()).contains("60", "100");
            assertThat(got.getFirst().html()).contains("Client");
        }
        for (String address : List.of(plain.email(), otherAdmin.email())) {
            assertThat(about(address, "budget"))
                    .as(address + " is not concerned")
                    .isEmpty();
        }

        assertThat(alerts.evaluate(org)).as("once per threshold and period").isEmpty();
        deliver();
        for (String address : concerned) {
            assertThat(about(address, "budget")).as(address).hasSize(1);
        }

        var more = api.post(t.ws(ws) + "/holds", Map.of("amount", "25", "category", "image"));
        api.post(t.ws(ws) + "/holds/" + more.text("id") + "/capture", Map.of("amount", "25"));
        alerts.setPoolBelow(org, Credits.parse("1000"));
        var fired = alerts.evaluate(org);
        assertThat(fired).extracting(m -> m.get("type")).containsExactlyInAnyOrder("alert.threshold", "alert.pool_low");
        deliver();
        for (String address : concerned) {
            assertThat(about(address, "used 80%")).as(address).hasSize(1);
        }
        Set<String> poolMail = SMTP.received().stream()
                .filter(m -> m.subject().contains("pool is below 1000"))
                .flatMap(m -> m.to().stream())
                .filter(a -> a.contains("@example.com"))
                .collect(Collectors.toSet());
        assertThat(poolMail)
                .as("the pool's alert goes to owners, admins and billing, not to workspace admins")
                .containsAll(Set.of(t.owner().email(), admin.email(), billing.email()))
                .doesNotContain(workspaceAdmin.email(), plain.email(), otherAdmin.email());
        assertThat(alerts.evaluate(org)).isEmpty();
        deliver();
        assertThat(about(admin.email(), "pool is below")).hasSize(1);
    }

    @Test
    void aMessageTheServerRefusesIsRetriedWithBackoffAndDeliveredLaterWithTheFailureListed() {
        var t = fixtures.tenant("Retry Co");
        var api = fixtures.api().as(t.owner().token());
        String email = Fixtures.uniqueEmail("later");
        SMTP.stop();
        try {
            assertThat(api.post(t.path() + "/invitations", Map.of("email", email))
                            .status())
                    .isEqualTo(201);
            assertThat(mail.deliverDue(100)).isPositive();
            JsonNode failed = listed(api, t, email);
            assertThat(failed.path("status").asString()).isEqualTo("pending");
            assertThat(failed.path("attempts").asInt()).isEqualTo(1);
            assertThat(failed.path("last_error").asString()).containsIgnoringCase("connect");
            assertThat(failed.path("next_attempt_at").isNull()).isFalse();
            assertThat(failed.path("sent_at").isNull()).isTrue();
        } finally {
            SMTP.start();
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            mail.deliverDue(100);
            assertThat(SMTP.receivedBy(email)).hasSize(1);
        });
        JsonNode sent = listed(api, t, email);
        assertThat(sent.path("status").asString()).isEqualTo("sent");
        assertThat(sent.path("attempts").asInt()).isEqualTo(2);
        assertThat(sent.path("last_error").asString())
                .as("the refusal stays visible")
                .containsIgnoringCase("connect");
    }

    @Test
    void aMessageRefusedAtEveryAttemptEndsFailedWithItsReason() {
        var t = fixtures.tenant("Never Co");
        var api = fixtures.api().as(t.owner().token());
        String email = Fixtures.uniqueEmail("never");
        SMTP.stop();
        try {
            assertThat(api.post(t.path() + "/invitations", Map.of("email", email))
                            .status())
                    .isEqualTo(201);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                mail.deliverDue(100);
                assertThat(listed(api, t, email).path("status").asString()).isEqualTo("failed");
            });
        } finally {
            SMTP.start();
        }
        JsonNode failed = listed(api, t, email);
        assertThat(failed.path("attempts").asInt()).isEqualTo(3);
        assertThat(failed.path("last_error").asString()).containsIgnoringCase("connect");
        assertThat(failed.path("sent_at").isNull()).isTrue();
        mail.deliverDue(100);
        assertThat(SMTP.receivedBy(email))
                .as("a failed message is not sent any more")
                .isEmpty();
    }

    @Test
    void anotherOrganizationsOutboxIsNotFoundAndMembersCannotReadIt() {
        var a = fixtures.tenant("Outbox A");
        var b = fixtures.tenant("Outbox B");
        String email = Fixtures.uniqueEmail("secret-recipient");
        fixtures.api().as(a.owner().token()).post(a.path() + "/invitations", Map.of("email", email));
        var member = fixtures.addMember(a, "member", null);

        var foreign = fixtures.api().as(b.owner().token()).get(a.path() + "/mail/messages");
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.body()).doesNotContain(email);
        var own = fixtures.api().as(b.owner().token()).get(b.path() + "/mail/messages");
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.body()).doesNotContain(email);
        var plain = fixtures.api().as(member.token()).get(a.path() + "/mail/messages");
        assertThat(plain.status()).isIn(403, 404);
        assertThat(plain.body()).doesNotContain(email);
        assertThat(fixtures.api()
                        .as(a.owner().token())
                        .get(a.path() + "/mail/messages")
                        .body())
                .contains(email);
    }

    @Test
    void signInsFromANewClientAndDelayedSignInsAreTold() {
        var t = fixtures.tenant("Notice Co");
        String email = t.owner().email();
        var api = fixtures.api();
        // The owner signed in once when created; a client without that sign-in's device cookie is new.
        var again = api.post(
                "/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD, "name", "laptop"));
        assertThat(again.status()).isEqualTo(201);
        api.post("/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD, "name", "again"));
        deliver();
        var notices = about(email, "New sign-in");
        assertThat(notices).as("one notice per client address and day").hasSize(1);
        assertThat(notices.getFirst().text()).contains(email, "had not signed in to it before");

        for (int i = 0; i < 7; i++) {
            int status = api.post("/api/v1/auth/tokens", Map.of("email", email, "password", "wrong password"))
                    .status();
            assertThat(status).isIn(401, 429);
        }
        deliver();
        var delayed = about(email, "Failed sign-ins");
        assertThat(delayed).hasSize(1);
        assertThat(delayed.getFirst().text()).contains("failed attempts", email);
        assertThat(listed(fixtures.api().as(t.owner().token()), t, email)
                        .path("status")
                        .asString())
                .isEqualTo("sent");
    }

    @Test
    void templatesFromTheOperatorsDirectoryReplaceTheDefaultsAndABrokenOneFailsVisibly() throws IOException {
        var t = fixtures.tenant("Template Co");
        var api = fixtures.api().as(t.owner().token());
        Files.createDirectories(TEMPLATES);
        Path custom = TEMPLATES.resolve("invitation.txt");
        try {
            Files.writeString(custom, "Subject: Join [(${organization})] today\n\nYour link: [(${link})]\n");
            String email = Fixtures.uniqueEmail("custom");
            var inv = api.post(t.path() + "/invitations", Map.of("email", email));
            deliver();
            var got = about(email, "Join Template Co today");
            assertThat(got).hasSize(1);
            assertThat(got.getFirst().text().strip())
                    .isEqualTo("Your link: " + fixtures.baseUrl() + "/invitations/accept?token=" + inv.text("token"));
            assertThat(got.getFirst().html()).as("the HTML default stays").contains("Accept the invitation");

            Files.writeString(custom, "no subject line\n");
            String broken = Fixtures.uniqueEmail("broken");
            var created = api.post(t.path() + "/invitations", Map.of("email", broken));
            assertThat(created.status())
                    .as("a broken template does not undo the invitation")
                    .isEqualTo(201);
            JsonNode row = listed(api, t, broken);
            assertThat(row.path("status").asString()).isEqualTo("failed");
            assertThat(row.path("last_error").asString()).contains("Subject:");
        } finally {
            Files.deleteIfExists(custom);
        }
    }

    @Test
    void aWorkspaceThatOptsInGetsLastWeeksUsageDigestOnceToItsAdmins() {
        var t = fixtures.tenant("Digest Co");
        var api = fixtures.api().as(t.owner().token());
        String ws = fixtures.workspace(t, "Research");
        var workspaceAdmin = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, workspaceAdmin, "admin");
        var plain = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, plain, "member");
        var admin = fixtures.addMember(t, "admin", null);

        assertThat(api.get(t.ws(ws) + "/mail-digest").json().path("weekly").asBoolean())
                .isFalse();
        assertThat(fixtures.api()
                        .as(plain.token())
                        .put(t.ws(ws) + "/mail-digest", Map.of("weekly", true))
                        .status())
                .isEqualTo(403);
        var on = fixtures.api().as(workspaceAdmin.token()).put(t.ws(ws) + "/mail-digest", Map.of("weekly", true));
        assertThat(on.status()).as(on.toString()).isEqualTo(200);
        assertThat(on.json().path("weekly").asBoolean()).isTrue();
        var audited = api.get(t.path() + "/audit-events?action=workspace.mail_digest_updated")
                .json()
                .path("data");
        assertThat(audited.size()).isEqualTo(1);
        assertThat(audited.path(0).path("after").path("weekly").asBoolean()).isTrue();

        java.time.LocalDate monday = java.time.LocalDate.now(java.time.ZoneOffset.UTC)
                .with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY));
        String lastWeek = monday.minusDays(5)
                .atTime(10, 0)
                .toInstant(java.time.ZoneOffset.UTC)
                .toString();
        String thisWeek =
                monday.atTime(0, 30).toInstant(java.time.ZoneOffset.UTC).toString();
        api.post(t.path() + "/credits/grants", Map.of("amount", "100"));
        var ingested = api.post(
                t.path() + "/usage/events",
                Map.of(
                        "events",
                        List.of(
                                usage("d1", ws, "demo/chat", "chat", "2.5", lastWeek),
                                usage("d2", ws, "demo/chat", "chat", "1", lastWeek),
                                usage("d3", ws, "demo/image", "image", "4", lastWeek),
                                usage("d4", ws, "demo/speech", "speech", "0.5", lastWeek),
                                usage("d5", ws, "demo/chat", "chat", "50", thisWeek),
                                usage("d6", t.primaryWorkspaceId(), "demo/chat", "chat", "7", lastWeek))));
        assertThat(ingested.status()).as(ingested.toString()).isEqualTo(200);
        assertThat(ingested.body()).doesNotContain("\"error\"");

        assertThat(mail.queueWeeklyDigests()).isPositive();
        deliver();
        for (String address : List.of(t.owner().email(), workspaceAdmin.email())) {
            var got = about(address, "Weekly usage of Research");
            assertThat(got).as(address).hasSize(1);
            assertThat(got.getFirst().subject()).isEqualTo("Weekly usage of Research: 8 credits");
            assertThat(got.getFirst().text())
                    .containsPattern("Image & speech\\s+4\\.5")
                    .containsPattern("Chatbot\\s+3\\.5")
                    .containsPattern("Total\\s+8")
                    .contains("demo/image: 4 credits, 1 calls", "demo/chat: 3.5 credits, 2 calls")
                    .doesNotContain("7 credits");
            assertThat(got.getFirst().html()).contains("demo/speech", "<strong>8</strong>");
        }
        for (String address : List.of(plain.email(), admin.email())) {
            assertThat(about(address, "Weekly usage"))
                    .as(address + " is not a workspace admin")
                    .isEmpty();
        }
        mail.queueWeeklyDigests();
        deliver();
        assertThat(about(workspaceAdmin.email(), "Weekly usage"))
                .as("once per week")
                .hasSize(1);
    }

    private static Map<String, Object> usage(
            String id, String ws, String model, String category, String credits, String at) {
        return Map.of(
                "id",
                id + "-" + ws,
                "workspace_id",
                ws,
                "model",
                model,
                "category",
                category,
                "credits",
                credits,
                "occurred_at",
                at);
    }
}
