package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.support.Fixtures;
import dev.atrium.support.Nodes;
import java.net.CookieManager;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Console sessions are stored in PostgreSQL: a browser signed in through one node goes on through
 * another (as behind a load balancer without sticky sessions), signing out ends the session on
 * every node, and a password change or a member's removal ends that person's sessions everywhere.
 */
class ConsoleSessionsAcrossNodesTest {
    private static Nodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = Nodes.builder()
                .count(2)
                .name("console-sessions")
                .property("atrium.jobs.enabled", "false")
                .start();
    }

    @AfterAll
    static void stop() {
        if (nodes != null) nodes.close();
    }

    /** A browser: one cookie jar, a client per node. */
    private record Browser(ConsoleClient node0, ConsoleClient node1) {
        static Browser signedIn(String email, String password) {
            var cookies = new CookieManager();
            var b = new Browser(
                    new ConsoleClient(nodes.node(0).baseUrl(), cookies),
                    new ConsoleClient(nodes.node(1).baseUrl(), cookies));
            var page = b.node0.signIn(email, password);
            assertThat(page.status()).isEqualTo(302);
            assertThat(page.redirectPath()).isEqualTo("/");
            return b;
        }
    }

    private static boolean signedIn(ConsoleClient client) {
        var page = client.get("/account/tokens");
        if (page.status() == 200) return true;
        assertThat(page.status()).isEqualTo(302);
        assertThat(page.redirectPath()).startsWith("/sign-in");
        return false;
    }

    @Test
    void aSessionStartedOnOneNodeGoesOnOnAnotherAndSigningOutEndsItOnBoth() {
        Nodes.Owner owner = nodes.organization("Sessions", null);
        var browser = Browser.signedIn(owner.person().email(), Fixtures.PASSWORD);
        assertThat(signedIn(browser.node1()))
                .as("node 1 continues node 0's session")
                .isTrue();
        assertThat(signedIn(browser.node0())).isTrue();

        // A form posted on node 1 with the CSRF token of the shared session.
        var out = browser.node1().post("/sign-out", Map.of());
        assertThat(out.status()).isEqualTo(302);
        assertThat(out.redirectPath()).startsWith("/sign-in");
        assertThat(signedIn(browser.node0()))
                .as("signed out on node 1 → ended on node 0")
                .isFalse();
        assertThat(org.springframework.jdbc.core.simple.JdbcClient.create(nodes.database())
                        .sql("SELECT count(*) FROM spring_session WHERE principal_name = :u")
                        .param("u", owner.person().userId())
                        .query(Integer.class)
                        .single())
                .isZero();
    }

    @Test
    void aPasswordChangeEndsThePersonsOtherSessionsOnEveryNodeAndKeepsTheOneThatChangedIt() {
        Nodes.Owner owner = nodes.organization("Passwords", null);
        String email = owner.person().email();
        var laptop = Browser.signedIn(email, Fixtures.PASSWORD);
        var phone = Browser.signedIn(email, Fixtures.PASSWORD);
        assertThat(signedIn(phone.node1())).isTrue();

        String next = "a new and longer passphrase";
        var wrong = laptop.node0().post("/account/password", Map.of("currentPassword", "not it", "newPassword", next));
        assertThat(wrong.status()).isEqualTo(302);
        assertThat(laptop.node0().follow(wrong).body()).contains("not the account&#39;s password");
        assertThat(signedIn(phone.node1())).as("a refused change ends nothing").isTrue();

        var changed = laptop.node0()
                .post("/account/password", Map.of("currentPassword", Fixtures.PASSWORD, "newPassword", next));
        assertThat(changed.status()).isEqualTo(302);
        assertThat(laptop.node0().follow(changed).body()).contains("Password changed");

        assertThat(signedIn(phone.node1()))
                .as("the other session ended, seen from node 1")
                .isFalse();
        assertThat(signedIn(phone.node0())).isFalse();
        assertThat(signedIn(laptop.node1()))
                .as("the session that changed it goes on, on any node")
                .isTrue();

        var old = new ConsoleClient(nodes.node(1).baseUrl()).signIn(email, Fixtures.PASSWORD);
        assertThat(old.redirectPath()).startsWith("/sign-in?error");
        var fresh = new ConsoleClient(nodes.node(1).baseUrl()).signIn(email, next);
        assertThat(fresh.redirectPath()).isEqualTo("/");
    }

    @Test
    void thePasswordApiEndsEveryConsoleSessionAndChecksTheCurrentPassword() {
        Nodes.Owner owner = nodes.organization("Password API", null);
        var browser = Browser.signedIn(owner.person().email(), Fixtures.PASSWORD);
        var api = nodes.node(1).api().as(owner.token());

        var wrong = api.put(
                "/api/v1/me/password", Map.of("current_password", "wrong", "new_password", "another long passphrase"));
        assertThat(wrong.status()).as(wrong.toString()).isEqualTo(422);
        assertThat(wrong.body()).contains("current_password");
        var shortOne =
                api.put("/api/v1/me/password", Map.of("current_password", Fixtures.PASSWORD, "new_password", "short"));
        assertThat(shortOne.status()).as(shortOne.toString()).isEqualTo(422);
        assertThat(signedIn(browser.node0())).isTrue();

        var ok = api.put(
                "/api/v1/me/password",
                Map.of("current_password", Fixtures.PASSWORD, "new_password", "another long passphrase"));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(204);
        assertThat(signedIn(browser.node0())).isFalse();
        assertThat(api.get("/api/v1/me").status()).as("personal tokens stay").isEqualTo(200);
    }

    @Test
    void removingAMemberEndsTheirSessionsOnEveryNode() {
        Nodes.Owner owner = nodes.organization("Removal", null);
        Fixtures.Person member = nodes.member(owner, "member");
        var browser = Browser.signedIn(member.email(), Fixtures.PASSWORD);
        assertThat(signedIn(browser.node1())).isTrue();

        var removed = nodes.node(0).api().as(owner.token()).delete(owner.orgPath() + "/members/" + member.userId());
        assertThat(removed.status()).as(removed.toString()).isIn(200, 204);
        assertThat(signedIn(browser.node1())).isFalse();
        assertThat(signedIn(browser.node0())).isFalse();
    }

    @Test
    void expiredSessionsEndAndAreCleanedUp() throws Exception {
        try (Nodes short_ = Nodes.builder()
                .count(1)
                .name("console-sessions-expiry")
                .property("atrium.jobs.enabled", "false")
                .property("server.servlet.session.timeout", "PT2S")
                .property("spring.session.jdbc.cleanup-cron", "* * * * * *")
                .start()) {
            Nodes.Owner owner = short_.organization("Expiry", null);
            var client = new ConsoleClient(short_.node(0).baseUrl());
            assertThat(client.signIn(owner.person().email(), Fixtures.PASSWORD).redirectPath())
                    .isEqualTo("/");
            assertThat(signedIn(client)).isTrue();
            var rows = org.springframework.jdbc.core.simple.JdbcClient.create(short_.database());
            assertThat(rows.sql("SELECT count(*) FROM spring_session WHERE principal_name = :u")
                            .param("u", owner.person().userId())
                            .query(Integer.class)
                            .single())
                    .isEqualTo(1);
            // Idle longer than the timeout: the cleanup removes the row, and the cookie no longer signs in.
            await().atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> rows.sql("SELECT count(*) FROM spring_session WHERE principal_name = :u")
                                    .param("u", owner.person().userId())
                                    .query(Integer.class)
                                    .single()
                            == 0);
            assertThat(signedIn(client)).isFalse();
        }
    }
}
