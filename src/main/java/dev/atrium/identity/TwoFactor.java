package dev.atrium.identity;

import dev.atrium.common.ApiException;
import dev.atrium.common.SecretBox;
import dev.atrium.common.UserId;
import dev.atrium.identity.internal.LoginThrottle;
import dev.atrium.identity.internal.Totp;
import dev.atrium.identity.internal.TwoFactors;
import dev.atrium.identity.internal.Users;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two-factor sign-in for password users: time-based one-time codes (RFC 6238: HMAC-SHA-1, six
 * digits, 30-second steps, one step of clock drift either way, each code accepted once) and ten
 * single-use recovery codes. The secret is sealed at rest and shown only while enrolling; recovery
 * codes are shown once and kept as SHA-256 digests. Wrong codes count in the sign-in throttle, per
 * person, under a scope that a right password does not reset.
 */
@Service
public class TwoFactor {
    public static final int RECOVERY_CODES = 10;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ISSUER = "Atrium";

    private final TwoFactors store;
    private final SecretBox secrets;
    private final Users users;
    private final LoginThrottle throttle;
    private final TransactionTemplate transactions;
    private final Clock clock;

    TwoFactor(
            TwoFactors store,
            SecretBox secrets,
            Users users,
            LoginThrottle throttle,
            PlatformTransactionManager transactionManager,
            Clock clock) {
        this.store = store;
        this.secrets = secrets;
        this.users = users;
        this.throttle = throttle;
        this.transactions = new TransactionTemplate(transactionManager);
        this.clock = clock;
    }

    /** A started enrolment: the base32 secret and the otpauth:// URI an authenticator app reads. */
    public record Enrolment(String secret, String uri) {}

    /** Whether a person has two-factor sign-in, and how many recovery codes they have left. */
    public record Status(boolean enabled, boolean pending, int recoveryCodesLeft) {}

    public Status status(UserId user) {
        return store.find(user)
                .map(r -> new Status(
                        r.confirmedAt() != null,
                        r.confirmedAt() == null,
                        r.confirmedAt() == null ? 0 : store.unusedRecoveryCodes(user)))
                .orElse(new Status(false, false, 0));
    }

    public boolean enabled(UserId user) {
        return store.find(user).map(r -> r.confirmedAt() != null).orElse(false);
    }

    /** Starts (or restarts) enrolment with a new secret; 409 {@code two_factor_enabled} when it is on. */
    public Enrolment begin(UserId user) {
        User person = users.find(user).orElseThrow(() -> ApiException.notFound("user"));
        String secret = Totp.newSecret();
        if (!store.upsertPending(user, secrets.seal(secret, context(user)), clock.instant())) {
            throw ApiException.conflict("two_factor_enabled", "Two-factor sign-in is on already; disable it first.");
        }
        String label = enc(ISSUER + ":" + person.email());
        String uri = "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + enc(ISSUER)
                + "&algorithm=SHA1&digits=" + Totp.DIGITS + "&period=" + Totp.STEP_SECONDS;
        return new Enrolment(secret, uri);
    }

    /** Confirms a pending enrolment with a current code and returns the recovery codes (shown once). */
    public List<String> confirm(UserId user, @Nullable String code) {
        var row = store.find(user)
                .orElseThrow(() -> ApiException.conflict("two_factor_not_pending", "Start enrolment first."));
        if (row.confirmedAt() != null) {
            throw ApiException.conflict("two_factor_enabled", "Two-factor sign-in is on already.");
        }
        checkThrottled(user, code, null, false);
        List<String> codes = new ArrayList<>();
        List<byte[]> hashes = new ArrayList<>();
        for (int i = 0; i < RECOVERY_CODES; i++) {
            String c = recoveryCode();
            codes.add(c);
            hashes.add(TokenCodec.sha256(normalise(c)));
        }
        Instant now = clock.instant();
        transactions.executeWithoutResult(tx -> {
            if (!store.confirm(user, now)) {
                throw ApiException.conflict("two_factor_enabled", "Two-factor sign-in is on already.");
            }
            store.insertRecoveryCodes(user, hashes);
        });
        return codes;
    }

    /** Turns two-factor sign-in off after checking a current code or a recovery code. */
    public void disable(UserId user, @Nullable String code, @Nullable String recoveryCode) {
        var row = store.find(user).orElseThrow(() -> ApiException.notFound("two_factor"));
        if (row.confirmedAt() != null) checkThrottled(user, code, recoveryCode, true);
        store.delete(user);
    }

    /**
     * Checks the second factor of a person who has it on (nothing to check otherwise): 401 {@code
     * totp_required} when neither a code nor a recovery code is given, 401 {@code invalid_totp} when
     * it is wrong or used already, 429 while the account's sign-in delay runs.
     */
    public void verify(UserId user, @Nullable String code, @Nullable String recoveryCode) {
        if (!enabled(user)) return;
        checkThrottled(user, code, recoveryCode, true);
    }

    private void checkThrottled(UserId user, @Nullable String code, @Nullable String recoveryCode, boolean confirmed) {
        boolean noCode = code == null || code.isBlank();
        boolean noRecovery = recoveryCode == null || recoveryCode.isBlank();
        if (noCode && (noRecovery || !confirmed)) {
            throw new ApiException(
                    HttpStatus.UNAUTHORIZED, "totp_required", "A code from the authenticator app is required.");
        }
        Instant now = clock.instant();
        // A scope of its own: a right password forgets the account's failures, not these.
        LoginThrottle.Attempt attempt =
                throttle.tryAcquire(List.of(LoginThrottle.Subject.secondFactor(user.value())), now);
        if (attempt.refused()) throw new SignInThrottled(attempt.retryAfter());
        boolean ok = !noCode
                ? codeMatches(user, code, now)
                : store.useRecoveryCode(user, TokenCodec.sha256(normalise(recoveryCode)), now);
        if (!ok) {
            throttle.failed(attempt, now);
            throw new ApiException(HttpStatus.UNAUTHORIZED, "invalid_totp", "The code is wrong or was used already.");
        }
        throttle.succeeded(attempt);
    }

    private boolean codeMatches(UserId user, String code, Instant now) {
        var row = store.find(user).orElse(null);
        if (row == null) return false;
        String secret = secrets.open(row.secret(), context(user));
        long step = Totp.matchingStep(secret, code, now, row.lastStep());
        return step >= 0 && store.useStep(user, step);
    }

    private static String context(UserId user) {
        return "totp:" + user.value();
    }

    private static String recoveryCode() {
        byte[] bytes = new byte[7];
        RANDOM.nextBytes(bytes);
        String s = Totp.base32(bytes).substring(0, 10).toLowerCase(Locale.ROOT);
        return s.substring(0, 5) + "-" + s.substring(5);
    }

    private static String normalise(String code) {
        return code.replace("-", "").replace(" ", "").strip().toLowerCase(Locale.ROOT);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
