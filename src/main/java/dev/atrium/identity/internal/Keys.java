package dev.atrium.identity.internal;

import dev.atrium.common.ChangeFeed;
import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.SqlArrays;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.KeyInfo;
import dev.atrium.identity.KeySettings;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Personal tokens and organization keys, stored by SHA-256 digest only. Every revocation also
 * publishes {@link CredentialCache#TOPIC} with an id the revoked credentials involve, delivered to
 * every node when the transaction commits.
 */
@Repository
public class Keys {
    private static final String ORG_KEY_COLUMNS =
            "id, name, prefix, workspace_id, user_id, created_at, expires_at, revoked_at, last_used_at, created_by,"
                    + " spend_limit, spend_period, allowed_models, requests_per_minute, tokens_per_minute, concurrent_calls";
    private static final long TOUCH_INTERVAL_SECONDS = 60;
    private final JdbcClient jdbc;
    private final ChangeFeed changes;

    Keys(JdbcClient jdbc, ChangeFeed changes) {
        this.jdbc = jdbc;
        this.changes = changes;
    }

    public void insertPersonal(
            KeyId id, UserId user, String name, String prefix, byte[] hash, Instant at, @Nullable Instant expires) {
        jdbc.sql("""
                        INSERT INTO personal_tokens (id, user_id, name, prefix, secret_hash, created_at, expires_at)
                        VALUES (:id, :user, :name, :prefix, :hash, :at, :expires)
                        """)
                .param("id", id.value())
                .param("user", user.value())
                .param("name", name)
                .param("prefix", prefix)
                .param("hash", hash)
                .param("at", Timestamp.from(at))
                .param("expires", expires == null ? null : Timestamp.from(expires))
                .update();
    }

    public void insertOrgKey(
            OrgId org,
            KeyId id,
            String kind,
            @Nullable WorkspaceId workspace,
            @Nullable UserId user,
            String name,
            String prefix,
            byte[] hash,
            @Nullable String createdBy,
            Instant at,
            KeySettings settings) {
        jdbc.sql("""
                        INSERT INTO org_keys (org_id, id, kind, workspace_id, user_id, name, prefix, secret_hash, created_by,
                                              created_at, expires_at, spend_limit, spend_period, allowed_models,
                                              requests_per_minute, tokens_per_minute, concurrent_calls)
                        VALUES (:org, :id, :kind, :ws, :user, :name, :prefix, :hash, :by, :at, :expires, :limit, :period,
                                CAST(:models AS text[]), :rpm, :tpm, :concurrent)
                        """)
                .param("org", org.value())
                .param("id", id.value())
                .param("kind", kind)
                .param("ws", workspace == null ? null : workspace.value())
                .param("user", user == null ? null : user.value())
                .param("name", name)
                .param("prefix", prefix)
                .param("hash", hash)
                .param("by", createdBy)
                .param("at", Timestamp.from(at))
                .param("expires", settings.expiresAt() == null ? null : Timestamp.from(settings.expiresAt()))
                .param("limit", settings.spendLimitMicros())
                .param("period", settings.spendPeriod())
                .param("models", SqlArrays.literal(settings.allowedModels()))
                .param("rpm", settings.requestsPerMinute())
                .param("tpm", settings.tokensPerMinute())
                .param("concurrent", settings.concurrent())
                .update();
    }

    /** Replaces a workspace key's name and settings; false when it has no such (unrevoked) key. */
    public boolean updateWorkspaceKey(OrgId org, WorkspaceId ws, KeyId id, String name, KeySettings settings) {
        int n = jdbc.sql("""
                        UPDATE org_keys SET name = :name, expires_at = :expires, spend_limit = :limit, spend_period = :period,
                          allowed_models = CAST(:models AS text[]), requests_per_minute = :rpm, tokens_per_minute = :tpm,
                          concurrent_calls = :concurrent
                        WHERE org_id = :org AND workspace_id = :ws AND id = :id AND kind = 'workspace' AND revoked_at IS NULL
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .param("name", name)
                .param("expires", settings.expiresAt() == null ? null : Timestamp.from(settings.expiresAt()))
                .param("limit", settings.spendLimitMicros())
                .param("period", settings.spendPeriod())
                .param("models", SqlArrays.literal(settings.allowedModels()))
                .param("rpm", settings.requestsPerMinute())
                .param("tpm", settings.tokensPerMinute())
                .param("concurrent", settings.concurrent())
                .update();
        changes.publish(CredentialCache.TOPIC, id.value());
        return n == 1;
    }

    /** Gives a workspace key a new secret (the old one stops working at once); false when there is no such key. */
    public boolean rotateWorkspaceKey(OrgId org, WorkspaceId ws, KeyId id, String prefix, byte[] hash, Instant now) {
        int n = jdbc.sql("""
                        UPDATE org_keys SET secret_hash = :hash, prefix = :prefix, rotated_at = :now
                        WHERE org_id = :org AND workspace_id = :ws AND id = :id AND kind = 'workspace' AND revoked_at IS NULL
                          AND (expires_at IS NULL OR expires_at > :now)
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .param("hash", hash)
                .param("prefix", prefix)
                .param("now", Timestamp.from(now))
                .update();
        changes.publish(CredentialCache.TOPIC, id.value());
        return n == 1;
    }

    /** A workspace key's settings, for the gateway (any state: the credential check comes first). */
    public Optional<KeySettings> settings(KeyId id) {
        return jdbc.sql("SELECT " + ORG_KEY_COLUMNS + " FROM org_keys WHERE id = :id AND kind = 'workspace'")
                .param("id", id.value())
                .query((rs, n) -> mapOrgKey(rs, n).settings())
                .optional();
    }

    /** A caller, when its credential expires (null: never) and was last recorded as used (null: never). */
    public record Resolved(
            Caller caller,
            @Nullable Instant expiresAt,
            @Nullable Instant lastUsedAt) {}

    /**
     * The user a personal token's digest stands for, if it is known, unrevoked and unexpired. Cached
     * by {@link CredentialCache}, which every revocation invalidates on every node.
     */
    public Optional<Resolved> resolvePersonal(byte[] hash, Instant now) {
        return jdbc.sql("""
                        SELECT id, user_id, expires_at, last_used_at FROM personal_tokens
                        WHERE secret_hash = :hash AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > :now)
                        """)
                .param("hash", hash)
                .param("now", Timestamp.from(now))
                .query((rs, n) -> new Resolved(
                        new Caller.User(new UserId(rs.getString("user_id")), new KeyId(rs.getString("id"))),
                        Users.instant(rs, "expires_at"),
                        Users.instant(rs, "last_used_at")))
                .optional();
    }

    /**
     * The admin or workspace key a digest stands for, if it is known, unrevoked and unexpired. Cached
     * by {@link CredentialCache}, which every revocation invalidates on every node.
     */
    public Optional<Resolved> resolveOrgKey(byte[] hash, Instant now) {
        return jdbc.sql("""
                        SELECT k.org_id, k.id, k.kind, k.workspace_id, k.user_id, k.expires_at, k.last_used_at FROM org_keys k
                        WHERE k.secret_hash = :hash AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > :now)
                        """)
                .param("hash", hash)
                .param("now", Timestamp.from(now))
                .query((rs, n) -> {
                    OrgId org = new OrgId(rs.getString("org_id"));
                    KeyId id = new KeyId(rs.getString("id"));
                    Instant expires = Users.instant(rs, "expires_at");
                    Instant lastUsed = Users.instant(rs, "last_used_at");
                    if ("admin".equals(rs.getString("kind"))) {
                        return new Resolved(new Caller.AdminKey(org, id), expires, lastUsed);
                    }
                    String user = rs.getString("user_id");
                    return new Resolved(
                            new Caller.WorkspaceKey(
                                    org,
                                    new WorkspaceId(rs.getString("workspace_id")),
                                    id,
                                    user == null ? null : new UserId(user)),
                            expires,
                            lastUsed);
                })
                .optional();
    }

    /** True when a credential last used at {@code lastUsedAt} is due a {@link #touch} at {@code now}. */
    public static boolean touchDue(@Nullable Instant lastUsedAt, Instant now) {
        return lastUsedAt == null || lastUsedAt.isBefore(now.minusSeconds(TOUCH_INTERVAL_SECONDS));
    }

    /** Records use at most once a minute per key (and node), off the request's path. */
    public void touch(Caller caller, Instant now) {
        String sql = caller instanceof Caller.User
                ? "UPDATE personal_tokens SET last_used_at = :now WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :stale)"
                : "UPDATE org_keys SET last_used_at = :now WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :stale)";
        jdbc.sql(sql)
                .param("now", Timestamp.from(now))
                .param("stale", Timestamp.from(now.minusSeconds(TOUCH_INTERVAL_SECONDS)))
                .param("id", caller.credential().value())
                .update();
    }

    public List<KeyInfo> listPersonal(UserId user) {
        return jdbc.sql("SELECT id, name, prefix, created_at, expires_at, revoked_at, last_used_at"
                        + " FROM personal_tokens WHERE user_id = :user ORDER BY id")
                .param("user", user.value())
                .query((rs, n) -> new KeyInfo(
                        new KeyId(rs.getString("id")),
                        rs.getString("name"),
                        rs.getString("prefix"),
                        null,
                        user,
                        rs.getTimestamp("created_at").toInstant(),
                        Users.instant(rs, "expires_at"),
                        Users.instant(rs, "revoked_at"),
                        Users.instant(rs, "last_used_at"),
                        null,
                        KeySettings.NONE))
                .list();
    }

    /** Revokes one of the user's personal tokens; false when the user has no such token. */
    public boolean revokePersonal(UserId user, KeyId id, Instant now) {
        int found = jdbc.sql("""
                        UPDATE personal_tokens SET revoked_at = COALESCE(revoked_at, :now)
                        WHERE user_id = :user AND id = :id
                        """)
                .param("now", Timestamp.from(now))
                .param("user", user.value())
                .param("id", id.value())
                .update();
        changes.publish(CredentialCache.TOPIC, id.value());
        return found == 1;
    }

    public List<KeyInfo> listOrgKeys(OrgId org, String kind, @Nullable WorkspaceId workspace) {
        return jdbc.sql("SELECT " + ORG_KEY_COLUMNS + """
                         FROM org_keys WHERE org_id = :org AND kind = :kind
                         AND (CAST(:ws AS text) IS NULL OR workspace_id = :ws) ORDER BY id
                        """)
                .param("org", org.value())
                .param("kind", kind)
                .param("ws", workspace == null ? null : workspace.value())
                .query(Keys::mapOrgKey)
                .list();
    }

    public Optional<KeyInfo> findOrgKey(OrgId org, KeyId id, String kind, @Nullable WorkspaceId workspace) {
        return jdbc.sql("SELECT " + ORG_KEY_COLUMNS + """
                         FROM org_keys WHERE org_id = :org AND id = :id AND kind = :kind
                         AND (CAST(:ws AS text) IS NULL OR workspace_id = :ws)
                        """)
                .param("org", org.value())
                .param("id", id.value())
                .param("kind", kind)
                .param("ws", workspace == null ? null : workspace.value())
                .query(Keys::mapOrgKey)
                .optional();
    }

    public void revokeOrgKey(OrgId org, KeyId id, Instant now) {
        jdbc.sql("UPDATE org_keys SET revoked_at = :now WHERE org_id = :org AND id = :id AND revoked_at IS NULL")
                .param("now", Timestamp.from(now))
                .param("org", org.value())
                .param("id", id.value())
                .update();
        changes.publish(CredentialCache.TOPIC, id.value());
    }

    public int revokeWorkspaceKeys(OrgId org, WorkspaceId workspace, Instant now) {
        var result = jdbc.sql("""
                        UPDATE org_keys SET revoked_at = :now
                        WHERE org_id = :org AND workspace_id = :ws AND revoked_at IS NULL
                        """)
                .param("now", Timestamp.from(now))
                .param("org", org.value())
                .param("ws", workspace.value())
                .update();
        changes.publish(CredentialCache.TOPIC, workspace.value());
        return result;
    }

    public int revokeWorkspaceKeysBoundTo(OrgId org, WorkspaceId workspace, UserId user, Instant now) {
        var result = jdbc.sql("""
                        UPDATE org_keys SET revoked_at = :now
                        WHERE org_id = :org AND workspace_id = :ws AND user_id = :user AND revoked_at IS NULL
                        """)
                .param("now", Timestamp.from(now))
                .param("org", org.value())
                .param("ws", workspace.value())
                .param("user", user.value())
                .update();
        changes.publish(CredentialCache.TOPIC, user.value());
        return result;
    }

    public int revokeKeysBoundTo(OrgId org, UserId user, Instant now) {
        var result = jdbc.sql("""
                        UPDATE org_keys SET revoked_at = :now
                        WHERE org_id = :org AND user_id = :user AND revoked_at IS NULL
                        """)
                .param("now", Timestamp.from(now))
                .param("org", org.value())
                .param("user", user.value())
                .update();
        changes.publish(CredentialCache.TOPIC, user.value());
        return result;
    }

    private static KeyInfo mapOrgKey(ResultSet rs, int n) throws SQLException {
        String ws = rs.getString("workspace_id");
        String user = rs.getString("user_id");
        return new KeyInfo(
                new KeyId(rs.getString("id")),
                rs.getString("name"),
                rs.getString("prefix"),
                ws == null ? null : new WorkspaceId(ws),
                user == null ? null : new UserId(user),
                rs.getTimestamp("created_at").toInstant(),
                Users.instant(rs, "expires_at"),
                Users.instant(rs, "revoked_at"),
                Users.instant(rs, "last_used_at"),
                rs.getString("created_by"),
                settings(rs));
    }

    private static KeySettings settings(ResultSet rs) throws SQLException {
        long limit = rs.getLong("spend_limit");
        Long spend = rs.wasNull() ? null : limit;
        int rpm = rs.getInt("requests_per_minute");
        Integer requests = rs.wasNull() ? null : rpm;
        long tpm = rs.getLong("tokens_per_minute");
        Long tokens = rs.wasNull() ? null : tpm;
        int c = rs.getInt("concurrent_calls");
        Integer concurrent = rs.wasNull() ? null : c;
        java.sql.Array models = rs.getArray("allowed_models");
        return new KeySettings(
                spend,
                rs.getString("spend_period"),
                models == null ? null : List.of((String[]) models.getArray()),
                requests,
                tokens,
                concurrent,
                Users.instant(rs, "expires_at"));
    }
}
