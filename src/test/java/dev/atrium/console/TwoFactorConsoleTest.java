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
    void enrolThenSignInNeedsTheCodeOnceAndARecoveryCodeOnce() throws Exception {
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
        // The QR code on the page reads back as the same otpauth:// link.
        Matcher uri = java.util.regex.Pattern.compile("id=\"otpauth-uri\" href=\"([^\"]+)\"")
                .matcher(started.body());
        assertThat(uri.find()).as(started.body()).isTrue();
        assertThat(qr(started.body())).isEqualTo(org.springframework.web.util.HtmlUtils.htmlUnescape(uri.group(1)));
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

    /** Decodes the QR code drawn as an SVG path of unit squares ("Mx yh1v1h-1z") on the page. */
    private static String qr(String html) throws Exception {
        Matcher svg = java.util.regex.Pattern.compile(
                        "viewBox=\"0 0 (\\d+) (\\d+)\"[^>]*>.*?<path fill=\"#000\" d=\"([^\"]+)\"")
                .matcher(html);
        assertThat(svg.find()).as("an inline SVG QR code").isTrue();
        int w = Integer.parseInt(svg.group(1));
        int h = Integer.parseInt(svg.group(2));
        int scale = 4;
        int[] pixels = new int[w * scale * h * scale];
        java.util.Arrays.fill(pixels, 0xFFFFFFFF);
        Matcher module = java.util.regex.Pattern.compile("M(\\d+) (\\d+)").matcher(svg.group(3));
        while (module.find()) {
            int x = Integer.parseInt(module.group(1));
            int y = Integer.parseInt(module.group(2));
            for (int dy = 0; dy < scale; dy++)
                for (int dx = 0; dx < scale; dx++) pixels[(y * scale + dy) * w * scale + x * scale + dx] = 0xFF000000;
        }
        var source = new com.google.zxing.RGBLuminanceSource(w * scale, h * scale, pixels);
        var bitmap = new com.google.zxing.BinaryBitmap(new com.google.zxing.common.HybridBinarizer(source));
        return new com.google.zxing.qrcode.QRCodeReader().decode(bitmap).getText();
    }
}
