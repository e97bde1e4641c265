package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.support.TotpGenerator;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An organization's {@code require_two_factor}: its members without two-factor sign-in who sign in
 * with a password reach only /account/2fa in the console until they enrol, and get 403 {@code
 * two_factor_required} when creating a personal access token; enrolled, they go on as before. Other
 * organizations' people are not affected; the change is audited and only owners make it.
 */
@IntegrationTest
class TwoFactorPolicyTest {
    private static final Pattern SECRET = Pattern.compile("id=\"totp-secret\">([A-Z2-7]+)<");

    @Autowired
    Fixtures fixtures;

    @Test
    void passwordMembersMustEnrolBeforeAnythingElse() {
        var t = fixtures.tenant("Two-factor policy");
        var member = fixtures.addMember(t, "member", null);
        var admin = fixtures.addMember(t, "admin", null);
        var owner = fixtures.api().as(t.owner().token());
        assertThat(fixtures.api()
                        .as(admin.token())
                        .put(t.path() + "/sign-in-policy", Map.of("require_two_factor", true))
                        .status())
                .as("owners only")
                .isEqualTo(403);
        var on = owner.put(t.path() + "/sign-in-policy", Map.of("require_two_factor", true));
        assertThat(on.status()).as(on.toString()).isEqualTo(200);
        assertThat(owner.get(t.path() + "/sign-in-policy")
                        .json()
                        .path("require_two_factor")
                        .asBoolean())
                .isTrue();
        assertThat(owner.get(t.path() + "/audit-events?action=sign_in_policy.updated")
                        .json()
                        .path("data")
                        .size())
                .isEqualTo(1);

        var refused = token(member, Map.of());
        assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
        assertThat(refused.text("code")).isEqualTo("two_factor_required");
        // Someone in no such organization is not affected.
        assertThat(token(fixtures.person("elsewhere"), Map.of()).status()).isEqualTo(201);

        // The console: signed in, but every page leads to the enrolment until it is done.
        var c = new ConsoleClient(fixtures.baseUrl());
        assertThat(c.signIn(member.email(), Fixtures.PASSWORD).redirectPath()).isEqualTo("/");
        assertThat(c.get("/").redirectPath()).isEqualTo("/account/2fa?required");
        assertThat(c.get("/orgs/" + t.orgId() + "/usage").redirectPath()).isEqualTo("/account/2fa?required");
        var htmx = c.get("/orgs/" + t.orgId() + "/workspaces", Map.of("HX-Request", "true"));
        assertThat(htmx.status()).isEqualTo(403);
        assertThat(htmx.raw().headers().firstValue("HX-Redirect")).contains("/account/2fa?required");
        var page = c.get("/account/2fa?required");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("id=\"enrolment-required\"");

        var started = c.post("/account/2fa/start", Map.of());
        assertThat(started.status()).as(started.body()).isEqualTo(200);
        Matcher m = SECRET.matcher(started.body());
        assertThat(m.find()).isTrue();
        String secret = m.group(1);
        long step = TotpGenerator.step(Instant.now());
        var confirmed = c.post("/account/2fa/confirm", Map.of("code", TotpGenerator.code(secret, step)));
        assertThat(confirmed.status()).isEqualTo(200);
        assertThat(c.get("/orgs/" + t.orgId() + "/usage").status())
                .as("enrolled: the pages open")
                .isEqualTo(200);

        var withCode = token(member, Map.of("totp_code", TotpGenerator.code(secret, step + 1)));
        assertThat(withCode.status()).as(withCode.toString()).isEqualTo(201);

        // Off again: nobody is sent to enrol.
        assertThat(owner.put(t.path() + "/sign-in-policy", Map.of("require_two_factor", false))
                        .status())
                .isEqualTo(200);
        assertThat(token(admin, Map.of()).status()).isEqualTo(201);
        var adminConsole = ConsoleClient.signedIn(fixtures, admin);
        assertThat(adminConsole.get("/orgs/" + t.orgId() + "/usage").status()).isEqualTo(200);
        assertThat(owner.put(t.path() + "/sign-in-policy", Map.of()).status())
                .as("require_two_factor is required")
                .isEqualTo(422);
    }

    private Api.Response token(Fixtures.Person p, Map<String, String> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("email", p.email(), "password", Fixtures.PASSWORD));
        body.putAll(extra);
        return fixtures.api().post("/api/v1/auth/tokens", body);
    }
}
