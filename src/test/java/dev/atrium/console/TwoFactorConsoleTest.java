package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.support.TotpGenerator;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Two-factor sign-in in the console: enrolment on /account/2fa (the otpauth:// URI and secret,
 * confirmed with a code, recovery codes shown once), then a sign-in whose session is not signed in
 * until the second step's code is right, each code accepted once, a recovery code once.
 */
@IntegrationTest
class TwoFactorConsoleTest {
    private static final Pattern SECRET = Pattern.compile("id=\"totp-secret\">([A-Z2-7]+)<");
    private static final Pattern RECOVERY = Pattern.compile("<code>([a-z2-7]{5}-[a-z2-7]{5})</code>");

    @Autowired
    Fixtures fixtures;

    @Test
    void enrolThenSignInNeedsTheCodeOnceAndARecoveryCodeOnce() {
        var p = fixtures.person("console-2fa");
        var c = ConsoleClient.signedIn(fixtures, p);
        var page = c.get("/account/2fa");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("Two-factor sign-in is <strong>off</strong>");

        var started = c.post("/account/2fa/start", Map.of());
        assertThat(started.status()).isEqualTo(200);
        Matcher m = SECRET.matcher(started.body());
        assertThat(m.find()).as(started.body()).isTrue();
        String secret = m.group(1);
        assertThat(started.body()).contains("otpauth://totp/Atrium%3A");
        long step = TotpGenerator.step(Instant.now());
        var confirmed = c.post("/account/2fa/confirm", Map.of("code", TotpGenerator.code(secret, step)));
        assertThat(confirmed.status()).isEqualTo(200);
        Matcher r = RECOVERY.matcher(confirmed.body());
        assertThat(r.find()).as(confirmed.body()).isTrue();
        String recovery = r.group(1);
        // The secret is never shown again.
        var after = c.get("/account/2fa");
        assertThat(after.body())
                .contains("Two-factor sign-in is <strong>on</strong>")
                .doesNotContain(secret, recovery);

        // Password right: not signed in yet, asked for the code.
        var fresh = new ConsoleClient(fixtures.baseUrl());
        var password = fresh.signIn(p.email(), Fixtures.PASSWORD);
        assertThat(password.redirectPath()).isEqualTo("/sign-in?step=code");
        assertThat(fresh.get("/").status()).as("no session before the code").isEqualTo(302);
        var ask = fresh.get("/sign-in?step=code");
        assertThat(ask.body()).contains("id=\"code-form\"");

        var wrong = fresh.post(
                "/sign-in", Map.of("email", "", "password", "", "code", TotpGenerator.code(secret, step + 7)));
        assertThat(wrong.redirectPath()).isEqualTo("/sign-in?step=code&error=code");
        assertThat(fresh.get("/").status()).isEqualTo(302);
        var reused =
                fresh.post("/sign-in", Map.of("email", "", "password", "", "code", TotpGenerator.code(secret, step)));
        assertThat(reused.redirectPath()).as("the confirming code was used").isEqualTo("/sign-in?step=code&error=code");

        var right = fresh.post(
                "/sign-in", Map.of("email", "", "password", "", "code", TotpGenerator.code(secret, step + 1)));
        // Signed in, back to the page asked for before the sign-in.
        assertThat(right.redirectPath()).isEqualTo("/?continue");
        assertThat(fresh.get("/account/2fa").status()).isEqualTo(200);

        // Another client: the same code again is refused; a recovery code works once.
        var other = new ConsoleClient(fixtures.baseUrl());
        assertThat(other.signIn(p.email(), Fixtures.PASSWORD).redirectPath()).isEqualTo("/sign-in?step=code");
        var again = other.post(
                "/sign-in", Map.of("email", "", "password", "", "code", TotpGenerator.code(secret, step + 1)));
        assertThat(again.redirectPath()).isEqualTo("/sign-in?step=code&error=code");
        var byRecovery = other.post("/sign-in", Map.of("email", "", "password", "", "code", recovery));
        assertThat(byRecovery.redirectPath()).isEqualTo("/?continue");
        assertThat(other.get("/account/2fa").body()).contains("9</span> recovery codes left");

        var third = new ConsoleClient(fixtures.baseUrl());
        third.signIn(p.email(), Fixtures.PASSWORD);
        var recoveryAgain = third.post("/sign-in", Map.of("email", "", "password", "", "code", recovery));
        assertThat(recoveryAgain.redirectPath()).isEqualTo("/sign-in?step=code&error=code");

        // A code without a password first signs nobody in.
        var stranger = new ConsoleClient(fixtures.baseUrl());
        stranger.get("/sign-in");
        var noPending = stranger.post(
                "/sign-in", Map.of("email", "", "password", "", "code", TotpGenerator.code(secret, step + 1)));
        assertThat(noPending.redirectPath()).isEqualTo("/sign-in?error=invalid");
    }
}
