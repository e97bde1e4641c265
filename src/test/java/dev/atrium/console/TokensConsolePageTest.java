package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The personal access tokens page: create (shown once), list without secrets, revoke at once; one's own only. */
@IntegrationTest
class TokensConsolePageTest {
    @Autowired
    Fixtures fixtures;

    private static String secret(String body) {
        return body.replaceAll("(?s).*id=\"new-token-secret\" class=\"mono\" readonly value=\"([^\"]+)\".*", "$1");
    }

    @Test
    void aPersonCreatesAPersonalTokenSeesItOnceAndRevokesIt() {
        var t = fixtures.tenant("tokens-page");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var page = c.get("/account/tokens");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("Personal access tokens", "href=\"/account/tokens\"", "id=\"token-form\"");

        String expires = LocalDate.now(ZoneOffset.UTC).plusDays(30).toString();
        var created = c.follow(c.post("/account/tokens", Map.of("name", "laptop", "expires", expires)));
        assertThat(created.body()).contains("Token “laptop” created.", "id=\"new-token-secret\"");
        String token = secret(created.body());
        assertThat(token).startsWith("atr_pat_");
        // The token works on the API at once, as its person.
        var me = fixtures.api().as(token).get("/api/v1/me");
        assertThat(me.status()).as(me.toString()).isEqualTo(200);
        assertThat(me.json().path("user").path("email").asString())
                .isEqualTo(t.owner().email());

        // Listed, with its expiry, never with its secret again.
        var list = c.get("/account/tokens");
        assertThat(list.body()).contains("id=\"token-list\"", ">laptop<", expires + " 00:00", ">active<");
        assertThat(list.body()).doesNotContain(token, "id=\"new-token-secret\"");
        String id = null;
        for (var k : fixtures.api()
                .as(t.owner().token())
                .get("/api/v1/auth/tokens")
                .json()
                .path("data")) {
            if (k.path("name").asString().equals("laptop")) id = k.path("id").asString();
        }
        assertThat(list.body()).contains("data-token=\"" + id + "\"");

        var revoked = c.follow(c.post("/account/tokens/" + id + "/revoke", Map.of()));
        assertThat(revoked.body()).contains("Token “laptop” revoked.", ">revoked<");
        assertThat(fixtures.api().as(token).get("/api/v1/me").status()).isEqualTo(401);
    }

    @Test
    void invalidInputIsKeptWithItsMessageAndAnotherPersonsTokenIsNotFound() {
        var t = fixtures.tenant("tokens-page-errors");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var noName = c.follow(c.post("/account/tokens", Map.of("name", " ", "expires", "")));
        assertThat(noName.body()).contains("name is required.").doesNotContain("id=\"new-token-secret\"");
        var past = c.follow(c.post("/account/tokens", Map.of("name", "old", "expires", "2020-01-01")));
        assertThat(past.body()).contains("Choose a date after today.", "value=\"old\"", "value=\"2020-01-01\"");
        var garbage = c.follow(c.post("/account/tokens", Map.of("name", "bad", "expires", "soon")));
        assertThat(garbage.body()).contains("Enter a date, or leave it empty");

        // Someone else's token: not found, and it keeps working.
        var other = fixtures.person("other");
        String othersId = fixtures.api()
                .as(other.token())
                .get("/api/v1/auth/tokens")
                .json()
                .path("data")
                .get(0)
                .path("id")
                .asString();
        assertThat(c.post("/account/tokens/" + othersId + "/revoke", Map.of()).status())
                .isEqualTo(404);
        assertThat(c.post("/account/tokens/key_nope/revoke", Map.of()).status()).isEqualTo(404);
        assertThat(fixtures.api().as(other.token()).get("/api/v1/me").status()).isEqualTo(200);
        // Signed out: the sign-in page.
        var anonymous = new ConsoleClient(fixtures.baseUrl()).get("/account/tokens");
        assertThat(anonymous.status()).isEqualTo(302);
        assertThat(anonymous.redirectPath()).startsWith("/sign-in");
    }
}
