package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * First-run setup with a configured setup token, on an application of its own: its database starts
 * with no user. The methods run in order, as an installation lives through them.
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.test.context=setup")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SetupTest {
    private static final String PASSWORD = "the first owner's password";

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    static Map<String, String> body(String email) {
        var body = new HashMap<String, String>();
        body.put("email", email);
        body.put("password", PASSWORD);
        body.put("name", "First Owner");
        body.put("organization_name", "Acme Agency");
        return body;
    }

    @Test
    @Order(1)
    void withoutTheSetupTokenSetupIsRefused() {
        assertThat(count("users")).as("a fresh installation").isZero();
        var api = fixtures.api();
        Map<String, Api.Response> refused = new java.util.LinkedHashMap<>();
        refused.put("missing", api.post("/api/v1/setup", body("owner@example.com")));
        refused.put("empty", api.withHeader("X-Setup-Token", "").post("/api/v1/setup", body("owner@example.com")));
        refused.put(
                "wrong",
                api.withHeader("X-Setup-Token", "atr_setup_wrong").post("/api/v1/setup", body("owner@example.com")));
        refused.put(
                "other case",
                api.withHeader("X-Setup-Token", IntegrationTest.SETUP_TOKEN.toUpperCase(java.util.Locale.ROOT))
                        .post("/api/v1/setup", body("owner@example.com")));
        refused.put(
                "prefix only",
                api.withHeader("X-Setup-Token", IntegrationTest.SETUP_TOKEN.substring(0, 10))
                        .post("/api/v1/setup", body("owner@example.com")));
        refused.put(
                "longer",
                api.withHeader("X-Setup-Token", IntegrationTest.SETUP_TOKEN + "x")
                        .post("/api/v1/setup", body("owner@example.com")));
        refused.forEach((name, r) -> {
            assertThat(r.status()).as(name + ": " + r).isEqualTo(401);
            assertThat(r.text("code")).as(name).isEqualTo("unauthorized");
        });
        assertThat(count("users")).isZero();
        assertThat(count("organizations")).isZero();
    }

    @Test
    @Order(2)
    void invalidInputIsRefusedAndLeavesSetupOpen() {
        var api = fixtures.api().withHeader("X-Setup-Token", IntegrationTest.SETUP_TOKEN);
        var shortPassword = body("owner@example.com");
        shortPassword.put("password", "too short");
        var badEmail = body("not an address");
        var noOrganization = body("owner@example.com");
        noOrganization.remove("organization_name");
        Map<String, Map<String, String>> cases = Map.of(
                "password", shortPassword,
                "email", badEmail,
                "organization_name", noOrganization);
        cases.forEach((field, b) -> {
            var r = api.post("/api/v1/setup", b);
            assertThat(r.status()).as(field + ": " + r).isEqualTo(422);
            assertThat(r.json().path("errors").get(0).path("field").asString()).isEqualTo(field);
        });
        assertThat(count("users")).isZero();
        assertThat(count("organizations")).isZero();
    }

    @Test
    @Order(3)
    void theFirstCallCreatesTheOwnerTheOrganizationItsPrimaryWorkspaceAndAPersonalToken() throws Exception {
        // Several first calls at once: exactly one wins, the others find setup complete.
        int n = 6;
        List<Api.Response> responses = new ArrayList<>();
        var start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<CompletableFuture<Api.Response>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String email = "  First.Owner" + i + "@Example.COM ";
                calls.add(CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                start.await();
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                            return fixtures.api()
                                    .withHeader("X-Setup-Token", IntegrationTest.SETUP_TOKEN)
                                    .post("/api/v1/setup", body(email));
                        },
                        pool));
            }
            start.countDown();
            for (var c : calls) responses.add(c.get());
        }
        List<Api.Response> created =
                responses.stream().filter(r -> r.status() == 201).toList();
        assertThat(created).as(responses.toString()).hasSize(1);
        for (var r : responses) {
            if (r.status() != 201) {
                assertThat(r.status()).as(r.toString()).isEqualTo(409);
                assertThat(r.text("code")).isEqualTo("setup_complete");
            }
        }
        assertThat(count("users")).isEqualTo(1);
        assertThat(count("organizations")).isEqualTo(1);

        var setup = created.getFirst().json();
        String userId = setup.path("user").path("id").asString();
        String email = setup.path("user").path("email").asString();
        assertThat(userId).startsWith("usr_");
        assertThat(email).matches("first\\.owner\\d@example\\.com");
        assertThat(setup.path("user").path("name").asString()).isEqualTo("First Owner");
        String orgId = setup.path("organization").path("id").asString();
        String primary = setup.path("organization").path("primary_workspace_id").asString();
        assertThat(orgId).startsWith("org_");
        assertThat(primary).startsWith("ws_");
        assertThat(setup.path("organization").path("name").asString()).isEqualTo("Acme Agency");
        String token = setup.path("token").asString();
        assertThat(token).startsWith("atr_pat_");

        // The token works: the user owns the organization and defaults to its Primary Workspace.
        var api = fixtures.api().as(token);
        var me = api.get("/api/v1/me");
        assertThat(me.status()).as(me.toString()).isEqualTo(200);
        assertThat(me.json().path("user").path("id").asString()).isEqualTo(userId);
        var membership = me.json().path("organizations").get(0);
        assertThat(membership.path("id").asString()).isEqualTo(orgId);
        assertThat(membership.path("role").asString()).isEqualTo("owner");
        assertThat(membership.path("default_workspace_id").asString()).isEqualTo(primary);
        var ws = api.get("/api/v1/organizations/" + orgId + "/workspaces/" + primary);
        assertThat(ws.status()).isEqualTo(200);
        assertThat(ws.json().path("primary").asBoolean()).isTrue();
        assertThat(ws.json().path("status").asString()).isEqualTo("active");
        var wsMembers = api.get("/api/v1/organizations/" + orgId + "/workspaces/" + primary + "/members");
        assertThat(wsMembers.json().path("data").get(0).path("user_id").asString())
                .isEqualTo(userId);
        assertThat(wsMembers.json().path("data").get(0).path("role").asString()).isEqualTo("admin");
        assertThat(jdbc.sql("SELECT count(*) FROM workspaces WHERE org_id = :org AND is_primary")
                        .param("org", orgId)
                        .query(Long.class)
                        .single())
                .isEqualTo(1);

        // The password is a bcrypt hash, the token a SHA-256 digest; the owner can sign in.
        assertThat(jdbc.sql("SELECT password_hash FROM users WHERE id = :id")
                        .param("id", userId)
                        .query(String.class)
                        .single())
                .matches("\\$2[ab]\\$\\d{2}\\$.{53}");
        assertThat(jdbc.sql("SELECT count(*) FROM personal_tokens WHERE secret_hash = :h")
                        .param("h", Secrets.sha256(token))
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
        var login = fixtures.api()
                .post(
                        "/api/v1/auth/tokens",
                        Map.of("email", email.toUpperCase(java.util.Locale.ROOT), "password", PASSWORD));
        assertThat(login.status()).as(login.toString()).isEqualTo(201);
    }

    @Test
    @Order(4)
    void onceAUserExistsSetupIsClosed() {
        var again = fixtures.api()
                .withHeader("X-Setup-Token", IntegrationTest.SETUP_TOKEN)
                .post("/api/v1/setup", body(Fixtures.uniqueEmail("second")));
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.text("code")).isEqualTo("setup_complete");
        // Without the token the answer stays 401: nothing is revealed about the installation.
        var noToken = fixtures.api().post("/api/v1/setup", body(Fixtures.uniqueEmail("third")));
        assertThat(noToken.status()).isEqualTo(401);
        assertThat(count("users")).isEqualTo(1);
        assertThat(count("organizations")).isEqualTo(1);
    }

    private long count(String table) {
        return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }
}
