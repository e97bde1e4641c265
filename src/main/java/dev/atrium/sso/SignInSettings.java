package dev.atrium.sso;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.OutboundGuard;
import dev.atrium.common.SecretBox;
import dev.atrium.common.UserId;
import dev.atrium.identity.Identity;
import dev.atrium.identity.SignInRules;
import dev.atrium.identity.User;
import dev.atrium.organization.InvitationService;
import dev.atrium.organization.OrgAccess;
import dev.atrium.organization.OrgRole;
import dev.atrium.organization.OrganizationService;
import dev.atrium.sso.internal.SettingsStore;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * An organization's sign-in settings (owner only, every change audited): single sign-on through an
 * OIDC provider, and two-factor sign-in required of password users. The client secret is sealed with
 * ATRIUM_SECRET_KEY, bound to the organization, and never shown again. Also the rules identity asks
 * at each sign-in, and the decision on a person an identity provider vouched for.
 */
@Service
public class SignInSettings implements SignInRules {
    private static final Pattern DOMAIN =
            Pattern.compile("^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,62}$");
    private static final int MAX_DOMAINS = 50;

    private final SettingsStore store;
    private final SecretBox secrets;
    private final OutboundGuard guard;
    private final OrganizationService organizations;
    private final InvitationService invitations;
    private final Identity identity;
    private final AuditLog audit;
    private final Clock clock;

    SignInSettings(
            SettingsStore store,
            SecretBox secrets,
            OutboundGuard guard,
            OrganizationService organizations,
            InvitationService invitations,
            Identity identity,
            AuditLog audit,
            Clock clock) {
        this.store = store;
        this.secrets = secrets;
        this.guard = guard;
        this.organizations = organizations;
        this.invitations = invitations;
        this.identity = identity;
        this.audit = audit;
        this.clock = clock;
    }

    /** The single sign-on settings as they may be shown: whether a client secret is set, never the secret. */
    public record Sso(
            boolean enabled,
            @Nullable String issuer,
            @Nullable String clientId,
            boolean hasClientSecret,
            List<String> domains,
            boolean ssoRequiresInvitation,
            boolean ssoRequired,
            @Nullable String breakGlassUserId,
            String redirectPath,
            @Nullable Instant updatedAt) {}

    /** A change of the single sign-on settings; a null field keeps what is set. */
    public record SsoChange(
            @Nullable Boolean enabled,
            @Nullable String issuer,
            @Nullable String clientId,
            @Nullable String clientSecret,
            @Nullable List<String> domains,
            @Nullable Boolean ssoRequiresInvitation,
            @Nullable Boolean ssoRequired,
            @Nullable String breakGlassUserId) {}

    /** The organization's sign-in policy. */
    public record Policy(boolean requireTwoFactor, @Nullable Instant updatedAt) {}

    @Transactional(readOnly = true)
    public Sso sso(OrgAccess access) {
        access.requireMember().requireOwner();
        return view(store.find(access.org()).orElse(SettingsStore.Row.empty(access.org())));
    }

    @Transactional
    public Sso changeSso(OrgAccess access, SsoChange change) {
        access.requireMember().requireOwner();
        Instant now = clock.instant();
        SettingsStore.Row before = store.lock(access.org(), now);

        String issuer = change.issuer() == null ? before.issuer() : issuer(change.issuer());
        String clientId = change.clientId() == null ? before.clientId() : clientId(change.clientId());
        byte[] secret = before.clientSecret();
        boolean secretChanged = false;
        if (change.clientSecret() != null) {
            String s = change.clientSecret().strip();
            if (s.isEmpty() || s.length() > 1000) {
                throw ApiException.invalid("client_secret", "client_secret must have 1 to 1000 characters.");
            }
            secret = secrets.seal(s, context(access.org()));
            secretChanged = true;
        }
        List<String> domains = change.domains() == null ? before.domains() : domains(change.domains());
        boolean enabled = change.enabled() == null ? before.ssoEnabled() : change.enabled();
        boolean invitation =
                change.ssoRequiresInvitation() == null ? before.requiresInvitation() : change.ssoRequiresInvitation();
        boolean required = change.ssoRequired() == null ? before.ssoRequired() : change.ssoRequired();
        if (enabled) {
            if (issuer == null) throw ApiException.invalid("issuer", "issuer is required to turn single sign-on on.");
            if (clientId == null) {
                throw ApiException.invalid("client_id", "client_id is required to turn single sign-on on.");
            }
            if (secret == null) {
                throw ApiException.invalid("client_secret", "client_secret is required to turn single sign-on on.");
            }
            if (domains.isEmpty()) {
                throw ApiException.invalid(
                        "domains", "At least one email domain is required to turn single sign-on on.");
            }
        }
        if (required && !enabled) {
            throw ApiException.invalid("sso_required", "sso_required needs single sign-on turned on.");
        }
        List<String> taken = store.takenElsewhere(access.org(), domains);
        if (!taken.isEmpty()) {
            throw ApiException.conflict(
                    "domain_taken", "Another organization's single sign-on covers " + String.join(", ", taken) + ".");
        }
        UserId breakGlass = breakGlass(access, change.breakGlassUserId(), before.breakGlass(), required);
        var after = new SettingsStore.Row(
                access.org(),
                enabled,
                issuer,
                clientId,
                secret,
                invitation,
                required,
                breakGlass,
                before.requireTwoFactor(),
                domains,
                now);
        store.save(after, now);
        Map<String, Object> described = describe(after);
        if (secretChanged) described.put("client_secret_changed", true);
        audit.record(
                access.org(),
                access.caller(),
                "sso.updated",
                "organization",
                access.org().value(),
                describe(before),
                described);
        return view(after);
    }

    @Transactional(readOnly = true)
    public Policy policy(OrgAccess access) {
        access.requireMember().requireOwner();
        var row = store.find(access.org()).orElse(SettingsStore.Row.empty(access.org()));
        return new Policy(row.requireTwoFactor(), row.updatedAt());
    }

    @Transactional
    public Policy changePolicy(OrgAccess access, @Nullable Boolean requireTwoFactor) {
        access.requireMember().requireOwner();
        if (requireTwoFactor == null) {
            throw ApiException.invalid("require_two_factor", "require_two_factor must be true or false.");
        }
        Instant now = clock.instant();
        SettingsStore.Row before = store.lock(access.org(), now);
        var after = new SettingsStore.Row(
                before.org(),
                before.ssoEnabled(),
                before.issuer(),
                before.clientId(),
                before.clientSecret(),
                before.requiresInvitation(),
                before.ssoRequired(),
                before.breakGlass(),
                requireTwoFactor,
                before.domains(),
                now);
        store.save(after, now);
        audit.record(
                access.org(),
                access.caller(),
                "sign_in_policy.updated",
                "organization",
                access.org().value(),
                Map.of("require_two_factor", before.requireTwoFactor()),
                Map.of("require_two_factor", requireTwoFactor));
        return new Policy(requireTwoFactor, now);
    }

    // --- What a sign-in asks ---

    @Override
    @Transactional(readOnly = true)
    public @Nullable String passwordRefusal(UserId user) {
        return store.ssoRequiredBy(user)
                .map(org -> org + " requires single sign-on: sign in through its identity provider.")
                .orElse(null);
    }

    @Override
    @Transactional(readOnly = true)
    public boolean twoFactorRequired(UserId user) {
        return store.twoFactorRequired(user);
    }

    /** The organization whose single sign-on (turned on) covers the email's domain. */
    @Transactional(readOnly = true)
    public Optional<OrgId> organizationFor(String email) {
        String normal = email.strip().toLowerCase(Locale.ROOT);
        int at = normal.lastIndexOf('@');
        if (at < 1 || at == normal.length() - 1) return Optional.empty();
        return store.orgForDomain(normal.substring(at + 1));
    }

    /** What a client registration is built from: the organization's provider and client, the secret opened. */
    public record Client(OrgId org, String issuer, String clientId, String clientSecret, Instant updatedAt) {}

    @Transactional(readOnly = true)
    public Optional<Client> client(OrgId org) {
        return store.find(org)
                .filter(SettingsStore.Row::ssoEnabled)
                .filter(r -> r.issuer() != null && r.clientId() != null && r.clientSecret() != null)
                .map(r -> new Client(
                        org,
                        r.issuer(),
                        r.clientId(),
                        secrets.open(r.clientSecret(), context(org)),
                        r.updatedAt() == null ? Instant.EPOCH : r.updatedAt()));
    }

    /** Why a person an identity provider vouched for does not sign in; {@code code} is stable. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final String code;

        Refused(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * The Atrium user an organization's identity provider vouched for ({@code email} verified by
     * it): a member of the organization signs in; someone with an open invitation joins as invited;
     * someone new joins as a member with the Primary Workspace as default, unless the owner requires
     * an invitation. An existing Atrium user who is not a member (nor invited) is refused: the domains
     * an organization claims are not proven to be its own, so its provider cannot take over
     * accounts that exist outside it.
     */
    @Transactional(rollbackFor = Refused.class)
    public UserId signInThroughSso(OrgId org, String email, @Nullable String name) throws Refused {
        SettingsStore.Row row = store.find(org)
                .filter(SettingsStore.Row::ssoEnabled)
                .orElseThrow(() -> new Refused("sso_not_configured", "Single sign-on is off for this organization."));
        String normal;
        try {
            normal = Identity.normaliseEmail(email, "email");
        } catch (ApiException e) {
            throw new Refused("email_missing", "The identity provider gave no valid email address.");
        }
        String domain = normal.substring(normal.lastIndexOf('@') + 1);
        if (!row.domains().contains(domain)) {
            throw new Refused(
                    "domain_not_covered", "The organization's single sign-on does not cover " + domain + " addresses.");
        }
        Optional<User> existing = identity.findByEmail(normal);
        if (existing.isPresent()) {
            User user = existing.get();
            if (organizations.isMember(org, user.id())) return user.id();
            if (invitations.acceptBySingleSignOn(org, user).isPresent()) return user.id();
            throw new Refused(
                    "not_a_member",
                    "An Atrium account with this email exists and is not a member of the organization:"
                            + " ask its owner for an invitation.");
        }
        if (row.requiresInvitation() && !invitations.hasOpenInvitation(org, normal)) {
            throw new Refused(
                    "invitation_required",
                    "The organization admits new people by invitation only: ask its owner or an admin to invite you.");
        }
        User user = identity.createExternalUser(normal, name);
        if (invitations.acceptBySingleSignOn(org, user).isEmpty()) {
            organizations.join(
                    org, user.id(), OrgRole.MEMBER, null, "user", user.id().value());
        }
        return user.id();
    }

    // --- helpers ---

    private Sso view(SettingsStore.Row r) {
        return new Sso(
                r.ssoEnabled(),
                r.issuer(),
                r.clientId(),
                r.clientSecret() != null,
                r.domains(),
                r.requiresInvitation(),
                r.ssoRequired(),
                r.breakGlass() == null ? null : r.breakGlass().value(),
                "/login/oauth2/code/" + r.org().value(),
                r.updatedAt());
    }

    private static Map<String, Object> describe(SettingsStore.Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", r.ssoEnabled());
        m.put("issuer", r.issuer() == null ? "" : r.issuer());
        m.put("client_id", r.clientId() == null ? "" : r.clientId());
        m.put("has_client_secret", r.clientSecret() != null);
        m.put("domains", r.domains());
        m.put("sso_requires_invitation", r.requiresInvitation());
        m.put("sso_required", r.ssoRequired());
        m.put(
                "break_glass_user_id",
                r.breakGlass() == null ? "" : r.breakGlass().value());
        return m;
    }

    private UserId breakGlass(OrgAccess access, @Nullable String given, @Nullable UserId current, boolean required) {
        UserId candidate;
        if (given != null && !given.isBlank()) {
            candidate = UserId.parse(given.strip());
        } else if (current != null && isOwner(access.org(), current)) {
            candidate = current;
        } else if (required) {
            // The owner who turns the requirement on keeps their password, unless they name another owner.
            candidate = access.user();
        } else {
            return current;
        }
        if (candidate == null || !isOwner(access.org(), candidate)) {
            throw ApiException.invalid(
                    "break_glass_user_id", "The break-glass account must be an owner of the organization.");
        }
        return candidate;
    }

    private boolean isOwner(OrgId org, UserId user) {
        // Not through find(), whose 404 would mark the surrounding transaction for rollback.
        return organizations.membershipsOf(user).stream()
                .anyMatch(m -> m.id().equals(org) && m.role() == OrgRole.OWNER);
    }

    private String issuer(String value) {
        String v = value.strip();
        URI uri;
        try {
            uri = new URI(v);
        } catch (java.net.URISyntaxException e) {
            throw ApiException.invalid("issuer", "issuer must be an https URL.");
        }
        boolean http = "http".equals(uri.getScheme());
        if (!(http || "https".equals(uri.getScheme()))
                || uri.getHost() == null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null
                || v.length() > 500) {
            throw ApiException.invalid("issuer", "issuer must be an https URL without query or fragment.");
        }
        guard.requirePublic("issuer", uri);
        if (http && !("localhost".equals(uri.getHost()) || "127.0.0.1".equals(uri.getHost()))) {
            throw ApiException.invalid("issuer", "issuer must use https.");
        }
        return v;
    }

    private static String clientId(String value) {
        String v = value.strip();
        if (v.isEmpty() || v.length() > 500) {
            throw ApiException.invalid("client_id", "client_id must have 1 to 500 characters.");
        }
        return v;
    }

    private static List<String> domains(List<String> given) {
        var set = new TreeSet<String>();
        for (String d : given) {
            if (d == null) continue;
            String v = d.strip().toLowerCase(Locale.ROOT);
            if (v.startsWith("@")) v = v.substring(1);
            if (v.isEmpty()) continue;
            if (!DOMAIN.matcher(v).matches()) {
                throw ApiException.invalid("domains", "\"" + v + "\" is not an email domain.");
            }
            set.add(v);
        }
        if (set.size() > MAX_DOMAINS) {
            throw ApiException.invalid("domains", "At most " + MAX_DOMAINS + " domains.");
        }
        return new ArrayList<>(set);
    }

    private static String context(OrgId org) {
        return "sso-client-secret:" + org.value();
    }
}
