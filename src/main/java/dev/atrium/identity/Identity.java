package dev.atrium.identity;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.internal.CredentialCache;
import dev.atrium.identity.internal.Devices;
import dev.atrium.identity.internal.Keys;
import dev.atrium.identity.internal.LoginThrottle;
import dev.atrium.identity.internal.Users;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/** Identity's facade: users and passwords, and every kind of credential. */
@Service
public class Identity {
    private static final Logger log = LoggerFactory.getLogger(Identity.class);
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+$");
    private static final int MIN_PASSWORD = 10;
    private static final int MAX_PASSWORD_BYTES = 72; // bcrypt's input limit
    /** The type prefix of device tokens (the sign-in cookie of a known device). */
    public static final String DEVICE = "atr_dev_";

    private final Users users;
    private final Keys keys;
    private final LoginThrottle throttle;
    private final Devices devices;
    private final CredentialCache credentials;
    private final ConsoleSessions sessions;
    private final TransactionTemplate transactions;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final org.springframework.beans.factory.ObjectProvider<SignInRules> rules;
    private final PasswordEncoder passwords = new BCryptPasswordEncoder(10);
    private final String dummyHash;

    Identity(
            Users users,
            Keys keys,
            LoginThrottle throttle,
            Devices devices,
            CredentialCache credentials,
            ConsoleSessions sessions,
            PlatformTransactionManager transactionManager,
            ApplicationEventPublisher events,
            org.springframework.beans.factory.ObjectProvider<SignInRules> rules,
            Clock clock) {
        this.rules = rules;
        this.users = users;
        this.keys = keys;
        this.throttle = throttle;
        this.devices = devices;
        this.credentials = credentials;
        this.sessions = sessions;
        this.transactions = new TransactionTemplate(transactionManager);
        this.events = events;
        this.clock = clock;
        this.dummyHash = passwords.encode("timing-equaliser-for-unknown-accounts");
    }

    /** Normalises and validates an email address; the field name is used in the error. */
    public static String normaliseEmail(@Nullable String email, String field) {
        if (email == null || email.isBlank()) {
            throw ApiException.invalid(field, "email is required.");
        }
        String normal = email.trim().toLowerCase(Locale.ROOT);
        if (normal.length() > 254 || !EMAIL.matcher(normal).matches()) {
            throw ApiException.invalid(field, "email is not a valid address.");
        }
        return normal;
    }

    public static void validatePassword(@Nullable String password) {
        if (password == null || password.length() < MIN_PASSWORD) {
            throw ApiException.invalid("password", "password must have at least " + MIN_PASSWORD + " characters.");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            throw ApiException.invalid("password", "password must be at most " + MAX_PASSWORD_BYTES + " bytes.");
        }
    }

    /** Creates a user; 409 {@code email_taken} when the address is already registered. */
    @Transactional
    public User createUser(String email, String password, String name) {
        String normal = normaliseEmail(email, "email");
        validatePassword(password);
        String cleanName = requireName(name, "name");
        User user = new User(UserId.next(), normal, cleanName, clock.instant());
        if (!users.insert(user, passwords.encode(password))) {
            throw ApiException.conflict("email_taken", "A user with this email already exists.");
        }
        return user;
    }

    /**
     * Creates a user who signs in through an organization's identity provider: their password is a
     * random secret nobody knows (a password sign-in never succeeds). 409 {@code email_taken} when
     * the address is registered already.
     */
    @Transactional
    public User createExternalUser(String email, @Nullable String name) {
        String normal = normaliseEmail(email, "email");
        String cleanName = name == null || name.isBlank() ? normal.substring(0, normal.indexOf('@')) : name.strip();
        if (cleanName.length() > 200) cleanName = cleanName.substring(0, 200);
        User user = new User(UserId.next(), normal, requireName(cleanName, "name"), clock.instant());
        if (!users.insert(user, passwords.encode(TokenCodec.generate("x")))) {
            throw ApiException.conflict("email_taken", "A user with this email already exists.");
        }
        return user;
    }

    /** The sign-in rules of the person's organizations (none when no module provides them). */
    public SignInRules rules() {
        return rules.getIfAvailable(() -> SignInRules.NONE);
    }

    @Transactional(readOnly = true)
    public Optional<User> find(UserId id) {
        return users.find(id);
    }

    @Transactional(readOnly = true)
    public Optional<User> findByEmail(String email) {
        return users.findByEmail(email.trim().toLowerCase(Locale.ROOT));
    }

    @Transactional(readOnly = true)
    public boolean anyUser() {
        return users.any();
    }

    /**
     * Checks an email and password, throttled with growing delays per account and per client
     * address, or, for a device the account signed in from before ({@code device}: the token of an
     * earlier {@link SignIn}), per device only. Every kind of failure answers the same 401; while a
     * delay runs every attempt answers 429 ({@link SignInThrottled}) without being checked, and the
     * right password after the delay succeeds.
     */
    public SignIn authenticate(String email, String password, String address, @Nullable String device) {
        String account = email == null ? "" : email.trim().toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        Optional<User> user = users.findByEmail(account);
        byte[] deviceHash =
                device != null && device.startsWith(DEVICE) && device.length() < 100 ? TokenCodec.sha256(device) : null;
        boolean knownDevice = deviceHash != null
                && user.isPresent()
                && devices.owner(deviceHash, now)
                        .filter(user.get().id()::equals)
                        .isPresent();
        List<LoginThrottle.Subject> subjects = knownDevice
                ? List.of(LoginThrottle.Subject.device(HexFormat.of().formatHex(deviceHash)))
                : List.of(LoginThrottle.Subject.account(account), LoginThrottle.Subject.address(address));
        // The attempt is counted before the password is checked, so that concurrent guesses
        // cannot all pass the limit; a success gives it back.
        LoginThrottle.Attempt attempt = throttle.tryAcquire(subjects, now);
        if (attempt.refused()) throw new SignInThrottled(attempt.retryAfter());
        boolean ok = false;
        try {
            String hash = user.flatMap(u -> users.passwordHash(u.id())).orElse(dummyHash);
            // Unknown accounts are checked against a dummy hash: the same work, the same time.
            boolean matches = password != null
                    && password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_BYTES
                    && passwords.matches(password, hash);
            ok = matches && user.isPresent();
            if (!ok) {
                throw new ApiException(
                        HttpStatus.UNAUTHORIZED, "invalid_credentials", "Email or password is incorrect.");
            }
            // Checked after the password, so that the refusal tells nothing to who does not know it.
            String refused = rules().passwordRefusal(user.get().id());
            if (refused != null) throw new ApiException(HttpStatus.FORBIDDEN, "sso_required", refused);
            String token = knownDevice ? device : TokenCodec.generate(DEVICE);
            boolean seenBefore = !knownDevice && devices.any(user.get().id(), now);
            devices.remember(TokenCodec.sha256(token), user.get().id(), now);
            if (seenBefore) newDevice(user.get().id(), address, now);
            return new SignIn(user.get(), token);
        } finally {
            if (ok) {
                throttle.succeeded(attempt);
            } else {
                for (var delayed : throttle.failed(attempt, now)) {
                    try {
                        events.publishEvent(new SignInDelayed(
                                user.map(User::id).orElse(null),
                                account,
                                address,
                                delayed.subject().scope(),
                                delayed.failures(),
                                delayed.blockedUntil()));
                    } catch (RuntimeException e) {
                        // Recording the delay must not turn the 401 into an error.
                        log.warn(
                                "could not record a sign-in delay of {} {}",
                                delayed.subject().scope(),
                                account,
                                e);
                    }
                }
            }
        }
    }

    /**
     * Changes a person's password after checking the current one (throttled like a sign-in to the
     * account: a wrong current password counts as a failed sign-in, and while a delay runs every
     * attempt answers 429). Every console session of the person ends on every node, except {@code
     * keepSession} (the console session making the change, or null). Personal access tokens stay:
     * they are revoked one by one.
     */
    public void changePassword(UserId user, String current, String next, @Nullable String keepSession) {
        User person = users.find(user).orElseThrow(() -> ApiException.notFound("user"));
        Instant now = clock.instant();
        LoginThrottle.Attempt attempt =
                throttle.tryAcquire(List.of(LoginThrottle.Subject.account(person.email())), now);
        if (attempt.refused()) throw new SignInThrottled(attempt.retryAfter());
        if (current == null || !passwordMatches(user, current)) {
            throttle.failed(attempt, now);
            throw ApiException.invalid("current_password", "current_password is not the account's password.");
        }
        throttle.succeeded(attempt);
        validatePassword(next);
        if (next.equals(current)) {
            throw ApiException.invalid("new_password", "new_password must differ from the current password.");
        }
        String hash = passwords.encode(next);
        // The throttle's counts above commit on their own; the change and the sessions' end commit together.
        transactions.executeWithoutResult(tx -> {
            users.updatePassword(user, hash);
            sessions.endAll(user, keepSession);
        });
    }

    /** A sign-in notice (email) must not turn a successful sign-in into an error. */
    private void newDevice(UserId user, String address, Instant now) {
        try {
            events.publishEvent(new SignedInFromNewDevice(user, address, now));
        } catch (RuntimeException e) {
            log.warn("could not record a sign-in from a new device of {}", user.value(), e);
        }
    }

    /** True when the password is the user's. */
    @Transactional(readOnly = true)
    public boolean passwordMatches(UserId user, String password) {
        return password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_BYTES
                && users.passwordHash(user)
                        .map(h -> passwords.matches(password, h))
                        .orElse(false);
    }

    @Transactional
    public IssuedToken issuePersonalToken(UserId user, String name, @Nullable Instant expiresAt) {
        if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
            throw ApiException.invalid("expires_at", "expires_at must be in the future.");
        }
        String secret = TokenCodec.generate(TokenCodec.PERSONAL);
        KeyId id = KeyId.next();
        Instant now = clock.instant();
        String prefix = TokenCodec.displayPrefix(secret, TokenCodec.PERSONAL);
        keys.insertPersonal(id, user, requireName(name, "name"), prefix, TokenCodec.sha256(secret), now, expiresAt);
        return new IssuedToken(id, secret, prefix, now, expiresAt);
    }

    /** The user's personal tokens, as they may be shown: never the secrets. */
    @Transactional(readOnly = true)
    public List<KeyInfo> personalTokens(UserId user) {
        return keys.listPersonal(user);
    }

    /** Revokes one of the user's personal tokens with immediate effect; 404 when it is not theirs. */
    @Transactional
    public void revokePersonalToken(UserId user, KeyId id) {
        if (!keys.revokePersonal(user, id, clock.instant())) {
            throw ApiException.notFound("token");
        }
    }

    @Transactional
    public IssuedToken issueAdminKey(OrgId org, String name, Caller createdBy) {
        return issueOrgKey(org, "admin", null, null, name, createdBy, TokenCodec.ADMIN, KeySettings.NONE);
    }

    @Transactional
    public IssuedToken issueWorkspaceKey(
            OrgId org, WorkspaceId workspace, String name, @Nullable UserId boundUser, Caller createdBy) {
        return issueWorkspaceKey(org, workspace, name, boundUser, createdBy, KeySettings.NONE);
    }

    @Transactional
    public IssuedToken issueWorkspaceKey(
            OrgId org,
            WorkspaceId workspace,
            String name,
            @Nullable UserId boundUser,
            Caller createdBy,
            KeySettings settings) {
        return issueOrgKey(org, "workspace", workspace, boundUser, name, createdBy, TokenCodec.WORKSPACE, settings);
    }

    /** One workspace key as it is now (revoked ones too); 404 when the workspace has no such key. */
    @Transactional(readOnly = true)
    public KeyInfo workspaceKey(OrgId org, WorkspaceId workspace, KeyId id) {
        return keys.findOrgKey(org, id, "workspace", workspace).orElseThrow(() -> ApiException.notFound("key"));
    }

    /** Replaces a workspace key's name and settings; 404 when there is no such key, 409 when it is revoked. */
    @Transactional
    public KeyInfo updateWorkspaceKey(OrgId org, WorkspaceId workspace, KeyId id, String name, KeySettings settings) {
        KeyInfo key = workspaceKey(org, workspace, id);
        if (key.revokedAt() != null) throw ApiException.conflict("key_revoked", "The key is revoked.");
        keys.updateWorkspaceKey(org, workspace, id, requireName(name, "name"), settings);
        return workspaceKey(org, workspace, id);
    }

    /** A new secret for a workspace key, with the same id and settings; the old secret stops working at once. */
    @Transactional
    public IssuedToken rotateWorkspaceKey(OrgId org, WorkspaceId workspace, KeyId id) {
        KeyInfo key = workspaceKey(org, workspace, id);
        Instant now = clock.instant();
        if (key.revokedAt() != null) throw ApiException.conflict("key_revoked", "The key is revoked.");
        if (key.expiresAt() != null && !key.expiresAt().isAfter(now))
            throw ApiException.conflict("key_expired", "The key has expired: issue a new one.");
        String secret = TokenCodec.generate(TokenCodec.WORKSPACE);
        String prefix = TokenCodec.displayPrefix(secret, TokenCodec.WORKSPACE);
        keys.rotateWorkspaceKey(org, workspace, id, prefix, TokenCodec.sha256(secret), now);
        return new IssuedToken(id, secret, prefix, now, key.expiresAt());
    }

    /** A workspace key's settings, as this node last read them (dropped on every node when they change). */
    public KeySettings workspaceKeySettings(KeyId id) {
        return credentials.settings(id, () -> keys.settings(id).orElse(KeySettings.NONE));
    }

    private IssuedToken issueOrgKey(
            OrgId org,
            String kind,
            @Nullable WorkspaceId ws,
            @Nullable UserId user,
            String name,
            Caller by,
            String type,
            KeySettings settings) {
        String secret = TokenCodec.generate(type);
        KeyId id = KeyId.next();
        Instant now = clock.instant();
        String prefix = TokenCodec.displayPrefix(secret, type);
        keys.insertOrgKey(
                org,
                id,
                kind,
                ws,
                user,
                requireName(name, "name"),
                prefix,
                TokenCodec.sha256(secret),
                by.actorId(),
                now,
                settings);
        return new IssuedToken(id, secret, prefix, now, settings.expiresAt());
    }

    @Transactional(readOnly = true)
    public List<KeyInfo> adminKeys(OrgId org) {
        return keys.listOrgKeys(org, "admin", null);
    }

    @Transactional(readOnly = true)
    public List<KeyInfo> workspaceKeys(OrgId org, WorkspaceId workspace) {
        return keys.listOrgKeys(org, "workspace", workspace);
    }

    /** Revokes an admin key of the organization; 404 when it is not one. Returns the key as it was. */
    @Transactional
    public KeyInfo revokeAdminKey(OrgId org, KeyId id) {
        KeyInfo key = keys.findOrgKey(org, id, "admin", null).orElseThrow(() -> ApiException.notFound("key"));
        keys.revokeOrgKey(org, id, clock.instant());
        return key;
    }

    /** Revokes a key of the workspace; 404 when it is not one. Returns the key as it was. */
    @Transactional
    public KeyInfo revokeWorkspaceKey(OrgId org, WorkspaceId workspace, KeyId id) {
        KeyInfo key = keys.findOrgKey(org, id, "workspace", workspace).orElseThrow(() -> ApiException.notFound("key"));
        keys.revokeOrgKey(org, id, clock.instant());
        return key;
    }

    @Transactional
    public int revokeWorkspaceKeys(OrgId org, WorkspaceId workspace) {
        return keys.revokeWorkspaceKeys(org, workspace, clock.instant());
    }

    /** Revokes the workspace's keys bound to a user (who is leaving the workspace). */
    @Transactional
    public int revokeWorkspaceKeysBoundTo(OrgId org, WorkspaceId workspace, UserId user) {
        return keys.revokeWorkspaceKeysBoundTo(org, workspace, user, clock.instant());
    }

    @Transactional
    public int revokeKeysBoundTo(OrgId org, UserId user) {
        return keys.revokeKeysBoundTo(org, user, clock.instant());
    }

    /** The caller a bearer token stands for; empty for unknown, revoked and expired tokens alike. */
    public Optional<Caller> resolve(String token) {
        if (token.length() > 200
                || !(token.startsWith(TokenCodec.PERSONAL)
                        || token.startsWith(TokenCodec.ADMIN)
                        || token.startsWith(TokenCodec.WORKSPACE))) {
            return Optional.empty();
        }
        // The prefix names the table: the digest covers it, so a personal token's digest cannot be an
        // organization key's. From the node's cache, which every revocation invalidates on every node
        // (within milliseconds; on this node before the revoking request is answered).
        return credentials.resolve(TokenCodec.sha256(token), token.startsWith(TokenCodec.PERSONAL), clock.instant());
    }

    static String requireName(@Nullable String name, String field) {
        return dev.atrium.common.Names.require(name, field);
    }
}
