package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/** Users: bcrypt password hashes, lower-cased emails, password rules. */
@IntegrationTest
class UsersTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Test
    void passwordsAreStoredAsBcryptHashes() {
        var t = fixtures.tenant("Hash Users");
        String password = "a fresh password " + UUID.randomUUID();
        var invited = invite(t, Fixtures.uniqueEmail("hashed"));
        var accepted = fixtures.api().post(acceptPath(invited), Map.of("name", "Hashed", "password", password));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        String userId = accepted.json().path("user").path("id").asString();

        String hash = storedHash(userId);
        assertThat(hash).matches("\\$2[ab]\\$\\d{2}\\$[./A-Za-z0-9]{53}").doesNotContain(password);
        assertThat(Integer.parseInt(hash.substring(4, 6))).as("bcrypt cost").isGreaterThanOrEqualTo(10);
        assertThat(new BCryptPasswordEncoder().matches(password, hash)).isTrue();
        // Salted: the same password gives another hash for another user.
        var again = invite(t, Fixtures.uniqueEmail("hashed"));
        var other = fixtures.api().post(acceptPath(again), Map.of("name", "Other", "password", password));
        assertThat(storedHash(other.json().path("user").path("id").asString())).isNotEqualTo(hash);

        var token = fixtures.api().post("/api/v1/auth/tokens", Map.of("email", invited.email, "password", password));
        assertThat(token.status()).isEqualTo(201);
        assertThat(fixtures.api().as(token.text("token")).get("/api/v1/me").status())
                .isEqualTo(200);
    }

    @Test
    void emailsAreNormalisedToLowerCase() {
        var t = fixtures.tenant("Case Users");
        String lower = Fixtures.uniqueEmail("mixed.case");
        String mixed = "  " + lower.substring(0, 1).toUpperCase(Locale.ROOT) + lower.substring(1, 6)
                + lower.substring(6).toUpperCase(Locale.ROOT) + " ";
        var invited = invite(t, mixed);
        assertThat(invited.email).isEqualTo(lower);
        var accepted = fixtures.api().post(acceptPath(invited), Map.of("name", "Mixed", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        String userId = accepted.json().path("user").path("id").asString();
        assertThat(accepted.json().path("user").path("email").asString()).isEqualTo(lower);
        assertThat(jdbc.sql("SELECT email FROM users WHERE id = :id")
                        .param("id", userId)
                        .query(String.class)
                        .single())
                .isEqualTo(lower);

        // Signing in works with any casing of the address.
        for (String email : new String[] {lower, lower.toUpperCase(Locale.ROOT), mixed}) {
            var token =
                    fixtures.api().post("/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD));
            assertThat(token.status()).as(email + ": " + token).isEqualTo(201);
            var me = fixtures.api().as(token.text("token")).get("/api/v1/me");
            assertThat(me.json().path("user").path("id").asString()).isEqualTo(userId);
        }

        // Another casing of the same address is the same person: an invitation joins the existing user.
        var other = fixtures.tenant("Case Users 2");
        var second = invite(other, lower.toUpperCase(Locale.ROOT));
        var joined = fixtures.api().post(acceptPath(second), Map.of("password", Fixtures.PASSWORD));
        assertThat(joined.status()).as(joined.toString()).isEqualTo(200);
        assertThat(joined.json().path("user").path("id").asString()).isEqualTo(userId);
        assertThat(jdbc.sql("SELECT count(*) FROM users WHERE lower(email) = :email")
                        .param("email", lower)
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
    }

    @Test
    void passwordRulesAreEnforcedWithTheFieldNamed() {
        var t = fixtures.tenant("Rule Users");
        var invited = invite(t, Fixtures.uniqueEmail("rules"));
        for (String bad : new String[] {"", "short", "123456789", "ü".repeat(37)}) {
            var r = fixtures.api().post(acceptPath(invited), Map.of("name", "Rules", "password", bad));
            assertThat(r.status()).as("'" + bad + "': " + r).isEqualTo(422);
            assertThat(r.text("code")).isEqualTo("validation_failed");
            assertThat(r.json().path("errors").get(0).path("field").asString()).isEqualTo("password");
        }
        var missing = fixtures.api().post(acceptPath(invited), Map.of("name", "Rules"));
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json().path("errors").get(0).path("field").asString())
                .isEqualTo("password");
        assertThat(jdbc.sql("SELECT count(*) FROM users WHERE email = :email")
                        .param("email", invited.email)
                        .query(Long.class)
                        .single())
                .as("no user is created by a refused attempt")
                .isZero();

        // Ten characters is enough, and the refused attempts did not use up the invitation.
        var ok = fixtures.api().post(acceptPath(invited), Map.of("name", "Rules", "password", "0123456789"));
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    }

    private record Invited(String token, String email) {}

    private Invited invite(Fixtures.Tenant t, String email) {
        Api.Response r = fixtures.api()
                .as(t.owner().token())
                .post(t.path() + "/invitations", Map.of("email", email, "role", "member"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return new Invited(r.text("token"), r.text("email"));
    }

    private static String acceptPath(Invited i) {
        return "/api/v1/invitations/" + i.token + "/accept";
    }

    private String storedHash(String userId) {
        return jdbc.sql("SELECT password_hash FROM users WHERE id = :id")
                .param("id", userId)
                .query(String.class)
                .single();
    }
}
