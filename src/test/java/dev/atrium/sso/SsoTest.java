package dev.atrium.sso;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * OIDC single sign-on against a real provider (Spring Authorization Server, started here), through
 * the console's sign-in flow without a browser: a new person joins, refusals (unknown domain,
 * unverified email, another domain, invitation required, an account outside the organization),
 * SSO required of members (console and token API) but the break-glass owner, the secret never
 * shown, every change audited, other organizations' owners answered 404.
 */
@IntegrationTest
class SsoTest {
    static OidcProvider provider;

    @BeforeAll
    static void startProvider() {
        provider = OidcProvider.start();
    }

    @AfterAll
    static void stopProvider() {
        if (provider != null) provider.close();
    }

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    /** An organization with single sign-on on for a domain of its own, registered at the provider. */
    record Sso(Fixtures.Tenant tenant, String domain, String clientId, String secret, Api owner) {
        String email(String local) {
            return local + "@" + domain;
        }
    }

    Sso configured(String name, Map<String, Object> extra) {
        var t = fixtures.tenant(name);
        String domain = "sso-" + UUID.randomUUID().toString().substring(0, 8) + ".example";
        String clientId = "atrium-" + t.orgId();
        String secret = "s3cret-" + UUID.randomUUID();
        provider.client(clientId, secret, fixtures.baseUrl() + "/login/oauth2/code/" + t.orgId());
        var owner = fixtures.api().as(t.owner().token());
        var body = new HashMap<String, Object>(Map.of(
                "enabled",
                true,
                "issuer",
                provider.issuer(),
                "client_id",
                clientId,
                "client_secret",
                secret,
                "domains",
                List.of(domain)));
        body.putAll(extra);
        var put = owner.put(t.path() + "/sso", body);
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        return new Sso(t, domain, clientId, secret, owner);
    }

    @Test
    void aNewPersonOfTheDomainSignsInAndJoinsAsAMemberOfThePrimaryWorkspace() {
        var sso = configured("Acme SSO", Map.of());
        String email = sso.email("nora");
        provider.person("nora", "provider-pass", email, true, "Nora Example");

        var flow = new SsoFlow(fixtures.baseUrl());
        var back = flow.signIn(email, "nora", "provider-pass");
        assertThat(back.status()).as(back.toString()).isEqualTo(302);
        assertThat(back.redirectPath()).isEqualTo("/");
        // Authorization code flow with PKCE (S256), state and nonce.
        assertThat(flow.authorizationRequest.toString())
                .startsWith(provider.issuer() + "/oauth2/authorize?")
                .contains("response_type=code")
                .contains("code_challenge_method=S256")
                .contains("code_challenge=")
                .contains("nonce=")
                .contains("state=")
                .contains("scope=openid%20email%20profile");
        var home = flow.follow(flow.get("/"));
        assertThat(home.status()).isEqualTo(200);
        assertThat(home.body()).contains(email).contains("Acme SSO");

        var members = sso.owner().get(sso.tenant().path() + "/members").json().path("data");
        JsonNode nora = null;
        for (JsonNode m : members) if (m.path("email").asString().equals(email)) nora = m;
        assertThat(nora).as(members.toString()).isNotNull();
        assertThat(nora.path("role").asString()).isEqualTo("member");
        assertThat(nora.path("name").asString()).isEqualTo("Nora Example");
        assertThat(nora.path("default_workspace_id").asString())
                .isEqualTo(sso.tenant().primaryWorkspaceId());

        // The session is the same kind as a password sign-in's: indexed by the person's user id.
        Integer sessions = jdbc.sql("SELECT count(*) FROM spring_session WHERE principal_name = :u")
                .param("u", nora.path("user_id").asString())
                .query(Integer.class)
                .single();
        assertThat(sessions).isEqualTo(1);

        // A second sign-in is the same person, not a new one.
        var again = new SsoFlow(fixtures.baseUrl()).signIn(email, "nora", "provider-pass");
        assertThat(again.redirectPath()).isEqualTo("/");
        assertThat(sso.owner()
                        .get(sso.tenant().path() + "/members")
                        .json()
                        .path("data")
                        .size())
                .isEqualTo(2);

        var audit = sso.owner()
                .get(sso.tenant().path() + "/audit-events?limit=50")
                .json()
                .path("data");
        assertThat(audit.toString()).contains("sso.updated").contains("member.added");
    }

    @Test
    void refusals() {
        var sso = configured("Refusing SSO", Map.of());

        // An email whose domain no organization covers goes back to the sign-in page.
        var unknown = new SsoFlow(fixtures.baseUrl()).start("someone@unknown-" + UUID.randomUUID() + ".example");
        assertThat(unknown.redirectPath()).isEqualTo("/sign-in?error=sso-unknown");

        // The provider has not verified the email.
        provider.person("unverified-" + sso.domain(), "pw", sso.email("una"), false, "Una");
        var flow = new SsoFlow(fixtures.baseUrl());
        var unverified = flow.signIn(sso.email("una"), "unverified-" + sso.domain(), "pw");
        assertThat(unverified.redirectPath()).isEqualTo("/sso/refused?reason=email_unverified");
        var page = flow.get(unverified.redirectPath());
        assertThat(page.status()).isEqualTo(403);
        assertThat(page.body()).contains("has not verified your email");
        assertThat(flow.get("/").status()).as("not signed in").isEqualTo(302);

        // The provider vouches for an address of another domain.
        provider.person("elsewhere-" + sso.domain(), "pw", "eve@elsewhere.example", true, "Eve");
        var other = new SsoFlow(fixtures.baseUrl()).signIn(sso.email("eve"), "elsewhere-" + sso.domain(), "pw");
        assertThat(other.redirectPath()).isEqualTo("/sso/refused?reason=domain_not_covered");

        // An Atrium account outside the organization is not taken over by the organization's provider.
        var outsider = fixtures.person("outsider");
        var emailOfOutsider = outsider.email().replace("@example.com", "@" + sso.domain());
        jdbc.sql("UPDATE users SET email = :e WHERE id = :id")
                .param("e", emailOfOutsider)
                .param("id", outsider.userId())
                .update();
        provider.person("outsider-" + sso.domain(), "pw", emailOfOutsider, true, "Out");
        var taken = new SsoFlow(fixtures.baseUrl()).signIn(emailOfOutsider, "outsider-" + sso.domain(), "pw");
        assertThat(taken.redirectPath()).isEqualTo("/sso/refused?reason=not_a_member");
        assertThat(sso.owner().get(sso.tenant().path() + "/members").json().toString())
                .doesNotContain(emailOfOutsider);
    }

    @Test
    void withInvitationsRequiredOnlyInvitedPeopleJoinWithTheirInvitationsRole() {
        var sso = configured("Invite-only SSO", Map.of("sso_requires_invitation", true));
        String stranger = sso.email("stranger");
        provider.person("stranger-" + sso.domain(), "pw", stranger, true, "Stranger");
        var refused = new SsoFlow(fixtures.baseUrl()).signIn(stranger, "stranger-" + sso.domain(), "pw");
        assertThat(refused.redirectPath()).isEqualTo("/sso/refused?reason=invitation_required");
        var flow = new SsoFlow(fixtures.baseUrl());
        assertThat(flow.get(refused.redirectPath()).body()).contains("by invitation only");
        assertThat(fixtures.api()
                        .post("/api/v1/auth/tokens", Map.of("email", stranger, "password", "x"))
                        .status())
                .as("no account was created")
                .isEqualTo(401);

        String invited = sso.email("ivy");
        var invite =
                sso.owner().post(sso.tenant().path() + "/invitations", Map.of("email", invited, "role", "billing"));
        assertThat(invite.status()).isEqualTo(201);
        provider.person("ivy-" + sso.domain(), "pw", invited, true, "Ivy");
        var in = new SsoFlow(fixtures.baseUrl()).signIn(invited, "ivy-" + sso.domain(), "pw");
        assertThat(in.redirectPath()).isEqualTo("/");
        var members = sso.owner().get(sso.tenant().path() + "/members").json().toString();
        assertThat(members).contains(invited).contains("billing");
        var invitations = sso.owner()
                .get(sso.tenant().path() + "/invitations?status=accepted")
                .json()
                .toString();
        assertThat(invitations).contains(invited);
    }

    @Test
    void requiredSsoRefusesMembersPasswordsButTheBreakGlassOwners() {
        var sso = configured("Strict SSO", Map.of());
        // A member with a password, of the organization's domain.
        String email = sso.email("pat");
        var invite = sso.owner().post(sso.tenant().path() + "/invitations", Map.of("email", email, "role", "admin"));
        var accepted = fixtures.api()
                .post(
                        "/api/v1/invitations/" + invite.text("token") + "/accept",
                        Map.of("name", "Pat", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).isEqualTo(200);
        assertThat(token(email).status()).isEqualTo(201);

        var on = sso.owner().put(sso.tenant().path() + "/sso", Map.of("sso_required", true));
        assertThat(on.status()).as(on.toString()).isEqualTo(200);
        assertThat(on.json().path("break_glass_user_id").asString())
                .as("the owner who turned it on by default")
                .isEqualTo(sso.tenant().owner().userId());

        var refused = token(email);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.text("code")).isEqualTo("sso_required");
        var wrongPassword =
                fixtures.api().post("/api/v1/auth/tokens", Map.of("email", email, "password", "wrong-one-x"));
        assertThat(wrongPassword.status()).as("a wrong password tells nothing").isEqualTo(401);

        var console = new SsoFlow(fixtures.baseUrl());
        console.get("/sign-in");
        var signIn = console.post("/sign-in", Map.of("email", email, "password", Fixtures.PASSWORD));
        assertThat(signIn.redirectPath()).isEqualTo("/sign-in?error=sso");
        assertThat(console.get("/sign-in?error=sso").body()).contains("Sign in with SSO");
        assertThat(console.get("/").status()).isEqualTo(302);

        // The break-glass owner keeps the password, in the console and for tokens.
        assertThat(token(sso.tenant().owner().email()).status()).isEqualTo(201);
        var owner = new SsoFlow(fixtures.baseUrl());
        owner.get("/sign-in");
        assertThat(owner.post("/sign-in", Map.of("email", sso.tenant().owner().email(), "password", Fixtures.PASSWORD))
                        .redirectPath())
                .isEqualTo("/");

        // The member signs in through the provider instead.
        provider.person("pat-" + sso.domain(), "pw", email, true, "Pat");
        assertThat(new SsoFlow(fixtures.baseUrl())
                        .signIn(email, "pat-" + sso.domain(), "pw")
                        .redirectPath())
                .isEqualTo("/");

        // Off again: the password works.
        assertThat(sso.owner()
                        .put(sso.tenant().path() + "/sso", Map.of("sso_required", false))
                        .status())
                .isEqualTo(200);
        assertThat(token(email).status()).isEqualTo(201);
        // The break-glass account must be an owner.
        var notOwner = sso.owner()
                .put(
                        sso.tenant().path() + "/sso",
                        Map.of(
                                "sso_required",
                                true,
                                "break_glass_user_id",
                                accepted.json().path("user").path("id").asString()));
        assertThat(notOwner.status()).isEqualTo(422);
    }

    @Test
    void theSecretIsNeverShownEveryChangeIsAuditedAndOnlyOwnersReachTheSettings() {
        var sso = configured("Secret SSO", Map.of());
        var got = sso.owner().get(sso.tenant().path() + "/sso");
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().path("has_client_secret").asBoolean()).isTrue();
        assertThat(got.json().path("client_id").asString()).isEqualTo(sso.clientId());
        assertThat(got.json().path("domains").toString()).contains(sso.domain());
        assertThat(got.body()).doesNotContain(sso.secret());

        var changed = sso.owner().put(sso.tenant().path() + "/sso", Map.of("client_secret", "another-secret-value"));
        assertThat(changed.body()).doesNotContain("another-secret-value");
        var audit = sso.owner().get(sso.tenant().path() + "/audit-events?limit=50");
        assertThat(audit.body())
                .contains("sso.updated")
                .contains("client_secret_changed")
                .doesNotContain(sso.secret())
                .doesNotContain("another-secret-value");
        byte[] stored = jdbc.sql("SELECT client_secret FROM org_sign_in_settings WHERE org_id = :org")
                .param("org", sso.tenant().orgId())
                .query(byte[].class)
                .single();
        assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain("another-secret-value");

        var policy = sso.owner().put(sso.tenant().path() + "/sign-in-policy", Map.of("require_two_factor", true));
        assertThat(policy.status()).isEqualTo(200);
        assertThat(policy.json().path("require_two_factor").asBoolean()).isTrue();
        assertThat(sso.owner()
                        .get(sso.tenant().path() + "/audit-events?action=sign_in_policy.updated")
                        .body())
                .contains("\"require_two_factor\":true");
        sso.owner().put(sso.tenant().path() + "/sign-in-policy", Map.of("require_two_factor", false));

        // Another organization's owner: 404, as for a missing organization. An admin: 403.
        var stranger = fixtures.tenant("Other org");
        var theirs = fixtures.api().as(stranger.owner().token());
        assertThat(theirs.get(sso.tenant().path() + "/sso").status()).isEqualTo(404);
        assertThat(theirs.put(sso.tenant().path() + "/sso", Map.of("enabled", false))
                        .status())
                .isEqualTo(404);
        assertThat(theirs.get(sso.tenant().path() + "/sign-in-policy").status()).isEqualTo(404);
        var admin = fixtures.addMember(sso.tenant(), "admin", null);
        assertThat(fixtures.api()
                        .as(admin.token())
                        .get(sso.tenant().path() + "/sso")
                        .status())
                .isEqualTo(403);
        assertThat(fixtures.api()
                        .as(fixtures.adminKey(sso.tenant()))
                        .put(sso.tenant().path() + "/sso", Map.of("enabled", false))
                        .status())
                .isEqualTo(403);

        // A domain belongs to one organization; turning on needs a secret and a domain.
        var taken = theirs.put(
                stranger.path() + "/sso",
                Map.of(
                        "issuer",
                        provider.issuer(),
                        "client_id",
                        "x",
                        "client_secret",
                        "y",
                        "domains",
                        List.of(sso.domain())));
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.text("code")).isEqualTo("domain_taken");
        var incomplete = theirs.put(stranger.path() + "/sso", Map.of("enabled", true, "issuer", provider.issuer()));
        assertThat(incomplete.status()).isEqualTo(422);
        var badIssuer = theirs.put(stranger.path() + "/sso", Map.of("issuer", "ftp://example.com"));
        assertThat(badIssuer.status()).isEqualTo(422);
    }

    @Test
    void theBreakGlassAccountIsTheOwnerNamedAndOnlyWhileAnOwner() {
        var sso = configured("Break-glass SSO", Map.of());
        String email = sso.email("second-owner");
        var invite = sso.owner().post(sso.tenant().path() + "/invitations", Map.of("email", email, "role", "owner"));
        var accepted = fixtures.api()
                .post(
                        "/api/v1/invitations/" + invite.text("token") + "/accept",
                        Map.of("name", "Second", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        String second = accepted.json().path("user").path("id").asString();

        var on = sso.owner()
                .put(sso.tenant().path() + "/sso", Map.of("sso_required", true, "break_glass_user_id", second));
        assertThat(on.status()).as(on.toString()).isEqualTo(200);
        assertThat(token(email).status()).isEqualTo(201);
        assertThat(token(sso.tenant().owner().email()).text("code"))
                .as("the owner who turned it on is not the break-glass account now")
                .isEqualTo("sso_required");

        // Demoted, the break-glass account is refused its password like any member.
        var demoted = sso.owner().patch(sso.tenant().path() + "/members/" + second, Map.of("role", "admin"));
        assertThat(demoted.status()).as(demoted.toString()).isEqualTo(200);
        assertThat(token(email).status()).isEqualTo(403);
    }

    @Test
    void singleSignOnStandsForTheSecondFactor() {
        var sso = configured("MFA SSO", Map.of());
        // A member with a password and two-factor sign-in.
        String email = sso.email("tess");
        var invite = sso.owner().post(sso.tenant().path() + "/invitations", Map.of("email", email, "role", "member"));
        fixtures.api()
                .post(
                        "/api/v1/invitations/" + invite.text("token") + "/accept",
                        Map.of("name", "Tess", "password", Fixtures.PASSWORD));
        var tess = fixtures.api().as(token(email).text("token"));
        String secret = tess.post("/api/v1/me/2fa", Map.of()).text("secret");
        long step = dev.atrium.support.TotpGenerator.step(java.time.Instant.now());
        assertThat(tess.post(
                                "/api/v1/me/2fa/confirm",
                                Map.of("code", dev.atrium.support.TotpGenerator.code(secret, step)))
                        .status())
                .isEqualTo(200);
        assertThat(sso.owner()
                        .put(sso.tenant().path() + "/sign-in-policy", Map.of("require_two_factor", true))
                        .status())
                .isEqualTo(200);

        // Her password sign-in still asks for the code; her single sign-on does not.
        var password = new SsoFlow(fixtures.baseUrl());
        password.get("/sign-in");
        assertThat(password.post("/sign-in", Map.of("email", email, "password", Fixtures.PASSWORD))
                        .redirectPath())
                .isEqualTo("/sign-in?step=code");
        provider.person("tess-" + sso.domain(), "pw", email, true, "Tess");
        var flow = new SsoFlow(fixtures.baseUrl());
        assertThat(flow.signIn(email, "tess-" + sso.domain(), "pw").redirectPath())
                .isEqualTo("/");
        assertThat(flow.get("/orgs/" + sso.tenant().orgId() + "/usage").status())
                .isEqualTo(200);

        // Someone new, without any second factor, is not sent to enrol after a single sign-on.
        provider.person("newbie-" + sso.domain(), "pw", sso.email("newbie"), true, "Newbie");
        var newbie = new SsoFlow(fixtures.baseUrl());
        assertThat(newbie.signIn(sso.email("newbie"), "newbie-" + sso.domain(), "pw")
                        .redirectPath())
                .isEqualTo("/");
        assertThat(newbie.get("/orgs/" + sso.tenant().orgId() + "/usage").status())
                .isEqualTo(200);
    }

    @Test
    void theOwnerChangesTheSettingsOnTheConsolePage() {
        var sso = configured("Console SSO", Map.of());
        var admin = fixtures.addMember(sso.tenant(), "admin", null);
        var console = new SsoFlow(fixtures.baseUrl());
        console.get("/sign-in");
        assertThat(console.post(
                                "/sign-in",
                                Map.of("email", sso.tenant().owner().email(), "password", Fixtures.PASSWORD))
                        .redirectPath())
                .isEqualTo("/");
        String settings = "/orgs/" + sso.tenant().orgId() + "/settings/sign-in";
        // An admin does not reach the page.
        var adminConsole = new SsoFlow(fixtures.baseUrl());
        adminConsole.get("/sign-in");
        adminConsole.post("/sign-in", Map.of("email", admin.email(), "password", Fixtures.PASSWORD));
        assertThat(adminConsole.get(settings).status()).isEqualTo(403);
        var page = console.get(settings);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body())
                .contains(sso.domain())
                .contains("/login/oauth2/code/" + sso.tenant().orgId())
                .doesNotContain(sso.secret());

        String more = "more-" + sso.domain();
        var saved = console.post(
                settings + "/sso",
                Map.of(
                        "enabled",
                        "true",
                        "issuer",
                        provider.issuer(),
                        "clientId",
                        sso.clientId(),
                        "clientSecret",
                        "",
                        "domains",
                        sso.domain() + ", " + more,
                        "ssoRequiresInvitation",
                        "true"));
        assertThat(saved.redirectPath()).isEqualTo(settings);
        var sso2 = sso.owner().get(sso.tenant().path() + "/sso").json();
        assertThat(sso2.path("domains").toString()).contains(sso.domain()).contains(more);
        assertThat(sso2.path("has_client_secret").asBoolean())
                .as("an empty secret keeps it")
                .isTrue();
        assertThat(sso2.path("sso_requires_invitation").asBoolean()).isTrue();

        // A form error goes back to the page with its message, nothing changed.
        console.get(settings);
        var bad = console.post(settings + "/sso", Map.of("enabled", "true", "domains", "not a domain!"));
        assertThat(bad.redirectPath()).isEqualTo(settings);
        assertThat(console.get(settings).body()).contains("is not an email domain");
        console.get(settings);
        assertThat(console.post(settings + "/two-factor", Map.of("requireTwoFactor", "true"))
                        .redirectPath())
                .isEqualTo(settings);
        assertThat(sso.owner()
                        .get(sso.tenant().path() + "/sign-in-policy")
                        .json()
                        .path("require_two_factor")
                        .asBoolean())
                .isTrue();
        // The owner signed in with a password and has no second factor: now sent to enrol.
        assertThat(console.get(settings).redirectPath()).isEqualTo("/account/2fa?required");

        var audit =
                sso.owner().get(sso.tenant().path() + "/audit-events?limit=50").body();
        assertThat(audit).contains("sso.updated").contains("sign_in_policy.updated");
    }

    @Test
    void aProviderWhoseEndpointsLeadInsideIsNotCalled() throws Exception {
        // A discovery document (on an allowed host) naming a token endpoint on a forbidden one.
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        String issuer = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/.well-known/openid-configuration", exchange -> {
            byte[] body = ("{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\"" + issuer
                            + "/authorize\",\"token_endpoint\":\"http://localhost:9/token\",\"jwks_uri\":\""
                            + issuer + "/jwks\",\"response_types_supported\":[\"code\"],"
                            + "\"subject_types_supported\":[\"public\"],"
                            + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            var sso = configured("Inward SSO", Map.of("issuer", issuer));
            var started = new SsoFlow(fixtures.baseUrl()).start(sso.email("someone"));
            assertThat(started.redirectPath()).isEqualTo("/sso/refused?reason=provider_unavailable");
        } finally {
            server.stop(0);
        }
        // The same with the provider down.
        var down = configured("Down SSO", Map.of("issuer", issuer));
        assertThat(new SsoFlow(fixtures.baseUrl()).start(down.email("someone")).redirectPath())
                .isEqualTo("/sso/refused?reason=provider_unavailable");
    }

    private Api.Response token(String email) {
        return fixtures.api().post("/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD));
    }
}
