package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.Nodes;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a request leaves behind is the same whichever node the next request reaches: sign-in
 * delays, invitation tokens, the setup token and idempotency keys live in PostgreSQL.
 */
class SharedStateAcrossNodesTest {
    private static Nodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = Nodes.builder()
                .count(2)
                .name("shared-state")
                .property("atrium.jobs.enabled", "false")
                .property("atrium.login.free-failures-per-account", "3")
                .property("atrium.login.base-delay", "PT30S")
                .start();
    }

    @AfterAll
    static void stop() {
        if (nodes != null) nodes.close();
    }

    @Test
    void failedSignInsOnOneNodeDelayTheAccountOnTheOther() {
        Fixtures.Person person = nodes.person("throttled");
        for (int i = 0; i < 3; i++) {
            var wrong = nodes.node(0)
                    .api()
                    .post("/api/v1/auth/tokens", Map.of("email", person.email(), "password", "not the password"));
            assertThat(wrong.status()).as(wrong.toString()).isEqualTo(401);
        }
        var elsewhere = nodes.node(1)
                .api()
                .post("/api/v1/auth/tokens", Map.of("email", person.email(), "password", Fixtures.PASSWORD));
        assertThat(elsewhere.status())
                .as("the delay holds on node 1: " + elsewhere)
                .isEqualTo(429);
        assertThat(elsewhere.header("Retry-After")).isNotNull();
    }

    @Test
    void anInvitationAcceptedOnOneNodeIsUsedOnTheOther() {
        Nodes.Owner owner = nodes.organization("Invites", null);
        var invite = nodes.node(0)
                .api()
                .as(owner.token())
                .post(
                        owner.orgPath() + "/invitations",
                        Map.of("email", Fixtures.uniqueEmail("invited"), "role", "member"));
        assertThat(invite.status()).as(invite.toString()).isEqualTo(201);
        String path = "/api/v1/invitations/" + invite.text("token") + "/accept";
        var first = nodes.node(1).api().post(path, Map.of("name", "Invited", "password", Fixtures.PASSWORD));
        assertThat(first.status()).as(first.toString()).isEqualTo(200);
        var again = nodes.node(0).api().post(path, Map.of("name", "Invited", "password", Fixtures.PASSWORD));
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.text("code")).isEqualTo("invitation_used");
    }

    @Test
    void setupIsDoneOnceForAllNodes() {
        // Nodes' organizations exist, so a user exists: setup is closed on every node.
        nodes.person("someone");
        for (var node : nodes.all()) {
            var setup = node.api()
                    .withHeader("X-Setup-Token", Nodes.SETUP_TOKEN)
                    .post(
                            "/api/v1/setup",
                            Map.of(
                                    "email",
                                    Fixtures.uniqueEmail("late"),
                                    "password",
                                    Fixtures.PASSWORD,
                                    "name",
                                    "Late",
                                    "organization_name",
                                    "Late Co"));
            assertThat(setup.status()).as(setup.toString()).isEqualTo(409);
        }
    }

    @Test
    void anIdempotencyKeyUsedOnOneNodeAnswersTheSameOnTheOther() {
        Nodes.Owner owner = nodes.organization("Idempotent", null);
        var body = Map.of("amount", "25", "kind", "promotional");
        var first = nodes.node(0)
                .api()
                .as(owner.token())
                .withHeader("Idempotency-Key", "grant-once")
                .post(owner.orgPath() + "/credits/grants", body);
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        var replay = nodes.node(1)
                .api()
                .as(owner.token())
                .withHeader("Idempotency-Key", "grant-once")
                .post(owner.orgPath() + "/credits/grants", body);
        assertThat(replay.status()).as(replay.toString()).isIn(200, 201);
        assertThat(replay.text("id")).isEqualTo(first.text("id"));
        var conflict = nodes.node(1)
                .api()
                .as(owner.token())
                .withHeader("Idempotency-Key", "grant-once")
                .post(owner.orgPath() + "/credits/grants", Map.of("amount", "26", "kind", "promotional"));
        assertThat(conflict.status()).as(conflict.toString()).isEqualTo(409);
        var balance = nodes.node(0).api().as(owner.token()).get(owner.orgPath() + "/credits");
        assertThat(balance.status()).as(balance.toString()).isEqualTo(200);
        assertThat(balance.json().path("pool").path("available").asString()).isEqualTo("25");
    }
}
