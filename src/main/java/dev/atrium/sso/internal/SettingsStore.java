package dev.atrium.sso.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** {@code org_sign_in_settings} and {@code org_sso_domains}. */
@Repository
public class SettingsStore {
    private final JdbcClient jdbc;

    SettingsStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** One organization's settings as stored; the client secret sealed. */
    public record Row(
            OrgId org,
            boolean ssoEnabled,
            @Nullable String issuer,
            @Nullable String clientId,
            byte @Nullable [] clientSecret,
            boolean requiresInvitation,
            boolean ssoRequired,
            @Nullable UserId breakGlass,
            boolean requireTwoFactor,
            List<String> domains,
            @Nullable Instant updatedAt) {
        public static Row empty(OrgId org) {
            return new Row(org, false, null, null, null, false, false, null, false, List.of(), null);
        }
    }

    public Optional<Row> find(OrgId org) {
        return jdbc.sql("""
                        SELECT s.*, ARRAY(SELECT d.domain FROM org_sso_domains d
                                          WHERE d.org_id = s.org_id ORDER BY d.domain) AS domains
                        FROM org_sign_in_settings s WHERE s.org_id = :org
                        """)
                .param("org", org.value())
                .query((rs, n) -> {
                    String breakGlass = rs.getString("break_glass_user_id");
                    Timestamp updated = rs.getTimestamp("updated_at");
                    return new Row(
                            org,
                            rs.getBoolean("sso_enabled"),
                            rs.getString("issuer"),
                            rs.getString("client_id"),
                            rs.getBytes("client_secret"),
                            rs.getBoolean("sso_requires_invitation"),
                            rs.getBoolean("sso_required"),
                            breakGlass == null ? null : new UserId(breakGlass),
                            rs.getBoolean("require_two_factor"),
                            List.of((String[]) rs.getArray("domains").getArray()),
                            updated == null ? null : updated.toInstant());
                })
                .optional();
    }

    /** Locks the organization's row (creating it empty first), so that changes apply one at a time. */
    public Row lock(OrgId org, Instant now) {
        jdbc.sql("""
                        INSERT INTO org_sign_in_settings (org_id, updated_at) VALUES (:org, :now)
                        ON CONFLICT (org_id) DO NOTHING
                        """)
                .param("org", org.value())
                .param("now", Timestamp.from(now))
                .update();
        jdbc.sql("SELECT 1 FROM org_sign_in_settings WHERE org_id = :org FOR UPDATE")
                .param("org", org.value())
                .query(Integer.class)
                .single();
        return find(org).orElseThrow();
    }

    /** Replaces the settings; the domains as given (the unique index refuses another organization's). */
    public void save(Row row, Instant now) {
        jdbc.sql("""
                        UPDATE org_sign_in_settings
                        SET sso_enabled = :enabled, issuer = :issuer, client_id = :clientId,
                            client_secret = :secret, sso_requires_invitation = :invitation,
                            sso_required = :required, break_glass_user_id = :breakGlass,
                            require_two_factor = :twoFactor, updated_at = :now
                        WHERE org_id = :org
                        """)
                .param("org", row.org().value())
                .param("enabled", row.ssoEnabled())
                .param("issuer", row.issuer())
                .param("clientId", row.clientId())
                .param("secret", row.clientSecret())
                .param("invitation", row.requiresInvitation())
                .param("required", row.ssoRequired())
                .param(
                        "breakGlass",
                        row.breakGlass() == null ? null : row.breakGlass().value())
                .param("twoFactor", row.requireTwoFactor())
                .param("now", Timestamp.from(now))
                .update();
        jdbc.sql("DELETE FROM org_sso_domains WHERE org_id = :org AND NOT (domain = ANY(:domains))")
                .param("org", row.org().value())
                .param("domains", row.domains().toArray(String[]::new))
                .update();
        for (String domain : row.domains()) {
            jdbc.sql("INSERT INTO org_sso_domains (org_id, domain) VALUES (:org, :domain) ON CONFLICT DO NOTHING")
                    .param("org", row.org().value())
                    .param("domain", domain)
                    .update();
        }
    }

    /** Which of the domains another organization covers already. */
    public List<String> takenElsewhere(OrgId org, List<String> domains) {
        return jdbc.sql("""
                        SELECT domain FROM org_sso_domains
                        WHERE org_id <> :org AND domain = ANY(:domains) ORDER BY domain
                        """)
                .param("org", org.value())
                .param("domains", domains.toArray(String[]::new))
                .query(String.class)
                .list();
    }

    /** The organization whose single sign-on (turned on) covers the domain. */
    public Optional<OrgId> orgForDomain(String domain) {
        return jdbc.sql("""
                        SELECT d.org_id FROM org_sso_domains d
                        JOIN org_sign_in_settings s ON s.org_id = d.org_id AND s.sso_enabled
                        WHERE d.domain = :domain
                        """)
                .param("domain", domain)
                .query((rs, n) -> new OrgId(rs.getString(1)))
                .optional();
    }

    /**
     * The name of an organization of the person's (an active member) that requires single sign-on
     * and of which they are not the break-glass owner (still an owner).
     */
    public Optional<String> ssoRequiredBy(UserId user) {
        return jdbc.sql("""
                        SELECT o.name FROM org_sign_in_settings s
                        JOIN org_members m ON m.org_id = s.org_id AND m.user_id = :user AND m.status = 'active'
                        JOIN organizations o ON o.id = s.org_id
                        WHERE s.sso_required
                          -- the break-glass account keeps its password only while it is an owner
                          AND NOT (s.break_glass_user_id = :user AND m.role = 'owner')
                        ORDER BY o.name LIMIT 1
                        """).param("user", user.value()).query(String.class).optional();
    }

    /** True when an organization of the person's (an active member) requires two-factor sign-in. */
    public boolean twoFactorRequired(UserId user) {
        return jdbc.sql("""
                        SELECT EXISTS (
                          SELECT 1 FROM org_sign_in_settings s
                          JOIN org_members m ON m.org_id = s.org_id AND m.user_id = :user AND m.status = 'active'
                          WHERE s.require_two_factor)
                        """).param("user", user.value()).query(Boolean.class).single();
    }
}
