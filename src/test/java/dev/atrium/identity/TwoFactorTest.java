package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.identity.internal.Totp;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.support.TotpGenerator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two-factor sign-in over the API: enrolment and confirmation, the secret sealed at rest, codes
 * accepted once, recovery codes once each, personal access tokens needing the code, and nobody
 * else touching a person's second factor. Codes come from the test's own RFC 6238 generator.
 */
@IntegrationTest
class TwoFactorTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    /** RFC 6238 appendix B, SHA-1 rows (eight digits). */
    @Test
    void theTestGeneratorAndAtriumAgreeWithTheRfcVectors() {
        byte[] key = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        String base32 = Totp.base32(key);
        assertThat(base32).isEqualTo("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        Map<Long, String> vectors = Map.of(
                59L, "94287082",
                1111111109L, "07081804",
                1111111111L, "14050471",
                1234567890L, "89005924",
                2000000000L, "69279037",
                20000000000L, "65353130");
        vectors.forEach((time, expected) -> {
            long step = time / 30;
            assertThat(TotpGenerator.code(key, step, 8))
                    .as("generator at %d", time)
                    .isEqualTo(expected);
            assertThat(Totp.code(base32, step)).as("Atrium at %d", time).isEqualTo(expected.substring(2));
            assertThat(TotpGenerator.code(base32, step)).isEqualTo(expected.substring(2));
        });
    }

    record Enrolled(Fixtures.Person person, String secret, long step, List<String> recoveryCodes) {}

    /** Enrols a new person and confirms with the code of the current step. */
    Enrolled enrol(String hint) {
        var p = fixtures.person(hint);
        Api api = fixtures.api().as(p.token());
        var start = api.post("/api/v1/me/2fa", Map.of());
        assertThat(start.status()).as(start.toString()).isEqualTo(201);
        String secret = start.text("secret");
        assertThat(start.text("otpauth_uri"))
                .startsWith("otpauth://totp/Atrium%3A")
                .contains("secret=" + secret, "issuer=Atrium", "digits=6", "period=30");
        assertThat(api.get("/api/v1/me/2fa").json().path("pending").asBoolean()).isTrue();
        long step = TotpGenerator.step(Instant.now());
        var confirmed = api.post("/api/v1/me/2fa/confirm", Map.of("code", TotpGenerator.code(secret, step)));
        assertThat(confirmed.status()).as(confirmed.toString()).isEqualTo(200);
        List<String> codes = new ArrayList<>();
        confirmed.json().path("recovery_codes").forEach(c -> codes.add(c.asString()));
        assertThat(codes).hasSize(10).doesNotHaveDuplicates();
        return new Enrolled(p, secret, step, codes);
    }

    @Test
    void enrolmentIsConfirmedWithACodeAndTheSecretIsSealedAndNeverShownAgain() {
        var p = fixtures.person("enrol-wrong");
        Api api = fixtures.api().as(p.token());
        String secret = api.post("/api/v1/me/2fa", Map.of()).text("secret");
        long step = TotpGenerator.step(Instant.now());
        String wrong = TotpGenerator.code(secret, step + 5);
        var refused = api.post("/api/v1/me/2fa/confirm", Map.of("code", wrong));
        assertThat(refused.status()).as(refused.toString()).isEqualTo(401);
        assertThat(refused.text("code")).isEqualTo("invalid_totp");
        assertThat(api.get("/api/v1/me/2fa").json().path("enabled").asBoolean()).isFalse();

        var e = enrol("enrol");
        Api own = fixtures.api().as(e.person().token());
        var status = own.get("/api/v1/me/2fa");
        assertThat(status.json().path("enabled").asBoolean()).isTrue();
        assertThat(status.json().path("recovery_codes_left").asInt()).isEqualTo(10);
        assertThat(status.body()).doesNotContain(e.secret());
        // A second enrolment while on is refused, so the secret cannot be shown again.
        assertThat(own.post("/api/v1/me/2fa", Map.of()).status()).isEqualTo(409);

        byte[] stored = jdbc.sql("SELECT secret FROM user_two_factor WHERE user_id = :u")
                .param("u", e.person().userId())
                .query(byte[].class)
                .single();
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(e.secret());
        List<byte[]> hashes = jdbc.sql("SELECT code_hash FROM user_recovery_codes WHERE user_id = :u")
                .param("u", e.person().userId())
                .query(byte[].class)
                .list();
        assertThat(hashes).hasSize(10);
        for (byte[] h : hashes) {
            String text = new String(h, StandardCharsets.ISO_8859_1);
            e.recoveryCodes().forEach(c -> assertThat(text).doesNotContain(c.replace("-", "")));
        }
    }

    private Api.Response token(Fixtures.Person p, Map<String, String> extra) {
        Map<String, Object> body = new HashMap<>(Map.of("email", p.email(), "password", Fixtures.PASSWORD));
        body.putAll(extra);
        return fixtures.api().post("/api/v1/auth/tokens", body);
    }

    @Test
    void aPersonalTokenNeedsTheCodeOnceTwoFactorIsOn() {
        var e = enrol("pat");
        var missing = token(e.person(), Map.of());
        assertThat(missing.status()).as(missing.toString()).isEqualTo(401);
        assertThat(missing.text("code")).isEqualTo("totp_required");

        var wrong = token(e.person(), Map.of("totp_code", TotpGenerator.code(e.secret(), e.step() + 7)));
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.text("code")).isEqualTo("invalid_totp");

        // The code that confirmed the enrolment was used: refused.
        var reused = token(e.person(), Map.of("totp_code", TotpGenerator.code(e.secret(), e.step())));
        assertThat(reused.status()).isEqualTo(401);

        var right = token(e.person(), Map.of("totp_code", TotpGenerator.code(e.secret(), e.step() + 1)));
        assertThat(right.status()).as(right.toString()).isEqualTo(201);
        assertThat(right.text("token")).startsWith("atr_pat_");
        var again = token(e.person(), Map.of("totp_code", TotpGenerator.code(e.secret(), e.step() + 1)));
        assertThat(again.status()).as("each code is accepted once").isEqualTo(401);

        // A person without two-factor sign-in needs no code.
        var plain = fixtures.person("pat-plain");
        assertThat(token(plain, Map.of()).status()).isEqualTo(201);
    }

    @Test
    void wrongCodesAreThrottledEvenThoughThePasswordIsRight() {
        var e = enrol("guess");
        String wrong = TotpGenerator.code(e.secret(), e.step() + 9);
        // The account's free failures (5): each answers 401, the right password resets nothing.
        for (int i = 0; i < 5; i++) {
            assertThat(token(e.person(), Map.of("totp_code", wrong)).status()).isEqualTo(401);
        }
        var delayed = token(e.person(), Map.of("totp_code", TotpGenerator.code(e.secret(), e.step() + 1)));
        assertThat(delayed.status()).as(delayed.toString()).isEqualTo(429);
        assertThat(delayed.header("Retry-After")).isNotNull();
    }

    @Test
    void aRecoveryCodeWorksOnceAndTurnsTheSecondFactorOff() {
        var e = enrol("recovery");
        String code = e.recoveryCodes().get(3);
        var first = token(e.person(), Map.of("recovery_code", code.toUpperCase()));
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        var second = token(e.person(), Map.of("recovery_code", code));
        assertThat(second.status()).isEqualTo(401);
        assertThat(second.text("code")).isEqualTo("invalid_totp");
        Api api = fixtures.api().as(e.person().token());
        assertThat(api.get("/api/v1/me/2fa").json().path("recovery_codes_left").asInt())
                .isEqualTo(9);

        var noCode = api.send("DELETE", "/api/v1/me/2fa", Map.of());
        assertThat(noCode.status()).isEqualTo(401);
        var off = api.send(
                "DELETE",
                "/api/v1/me/2fa",
                Map.of("recovery_code", e.recoveryCodes().get(0)));
        assertThat(off.status()).as(off.toString()).isEqualTo(204);
        assertThat(token(e.person(), Map.of()).status()).isEqualTo(201);
    }

    @Test
    void anotherPersonCannotTouchYourSecondFactor() {
        var e = enrol("mine");
        var other = fixtures.person("other");
        Api theirs = fixtures.api().as(other.token());
        // Every operation acts on the caller's own second factor, never on someone else's.
        assertThat(theirs.get("/api/v1/me/2fa").json().path("enabled").asBoolean())
                .isFalse();
        String code = TotpGenerator.code(e.secret(), e.step() + 1);
        assertThat(theirs.send("DELETE", "/api/v1/me/2fa", Map.of("code", code)).status())
                .isEqualTo(404);
        assertThat(theirs.post("/api/v1/me/2fa/confirm", Map.of("code", code)).status())
                .isEqualTo(409);
        assertThat(fixtures.api()
                        .as(e.person().token())
                        .get("/api/v1/me/2fa")
                        .json()
                        .path("enabled")
                        .asBoolean())
                .isTrue();
        // Keys that are not a person's get 403.
        var t = fixtures.tenant("Two-factor Org");
        assertThat(fixtures.api().as(fixtures.adminKey(t)).get("/api/v1/me/2fa").status())
                .isEqualTo(403);
        assertThat(fixtures.api().post("/api/v1/me/2fa", Map.of()).status()).isEqualTo(401);
    }
}
