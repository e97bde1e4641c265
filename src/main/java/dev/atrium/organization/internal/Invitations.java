package dev.atrium.organization.internal;

import dev.atrium.common.InvitationId;
import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.organization.InvitationInfo;
import dev.atrium.organization.InvitationStatus;
import dev.atrium.organization.OrgRole;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The invitations table; tokens are kept only as SHA-256 digests. */
@Repository
public class Invitations {
    private final JdbcClient jdbc;

    Invitations(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A pending invitation. */
    public record Pending(
            OrgId org,
            InvitationId id,
            String email,
            OrgRole role,
            @Nullable WorkspaceId workspace,
            Instant expiresAt,
            @Nullable Instant acceptedAt) {}

    public void insert(Pending invitation, byte[] tokenHash, String invitedBy, Instant at) {
        jdbc.sql("""
                        INSERT INTO invitations (org_id, id, token_hash, email, role, workspace_id, invited_by, created_at, expires_at)
                        VALUES (:org, :id, :hash, :email, :role, :ws, :by, :at, :expires)
                        """)
                .param("org", invitation.org().value())
                .param("id", invitation.id().value())
                .param("hash", tokenHash)
                .param("email", invitation.email())
                .param("role", invitation.role().wire())
                .param(
                        "ws",
                        invitation.workspace() == null
                                ? null
                                : invitation.workspace().value())
                .param("by", invitedBy)
                .param("at", Timestamp.from(at))
                .param("expires", Timestamp.from(invitation.expiresAt()))
                .update();
    }

    /** The invitation a token stands for, locked so that it is accepted once; a revoked one is none. */
    public Optional<Pending> findForUpdate(byte[] tokenHash) {
        return jdbc.sql("""
                        SELECT org_id, id, email, role, workspace_id, expires_at, accepted_at
                        FROM invitations WHERE token_hash = :hash AND revoked_at IS NULL FOR UPDATE
                        """)
                .param("hash", tokenHash)
                .query((rs, n) -> {
                    String ws = rs.getString("workspace_id");
                    Timestamp accepted = rs.getTimestamp("accepted_at");
                    return new Pending(
                            new OrgId(rs.getString("org_id")),
                            new InvitationId(rs.getString("id")),
                            rs.getString("email"),
                            OrgRole.parse(rs.getString("role")),
                            ws == null ? null : new WorkspaceId(ws),
                            rs.getTimestamp("expires_at").toInstant(),
                            accepted == null ? null : accepted.toInstant());
                })
                .optional();
    }

    /**
     * The organization's open invitation for an email (not accepted, revoked nor expired), newest
     * first, locked so that it is accepted once.
     */
    public Optional<Pending> findOpenForUpdate(OrgId org, String email, Instant now) {
        return jdbc.sql("""
                        SELECT org_id, id, email, role, workspace_id, expires_at, accepted_at
                        FROM invitations
                        WHERE org_id = :org AND email = :email AND revoked_at IS NULL AND accepted_at IS NULL
                          AND expires_at > :now
                        ORDER BY created_at DESC
                        LIMIT 1
                        FOR UPDATE
                        """)
                .param("org", org.value())
                .param("email", email)
                .param("now", Timestamp.from(now))
                .query((rs, n) -> {
                    String ws = rs.getString("workspace_id");
                    return new Pending(
                            new OrgId(rs.getString("org_id")),
                            new InvitationId(rs.getString("id")),
                            rs.getString("email"),
                            OrgRole.parse(rs.getString("role")),
                            ws == null ? null : new WorkspaceId(ws),
                            rs.getTimestamp("expires_at").toInstant(),
                            null);
                })
                .optional();
    }

    public void markAccepted(OrgId org, InvitationId id, UserId by, Instant at) {
        jdbc.sql("UPDATE invitations SET accepted_at = :at, accepted_by = :by WHERE org_id = :org AND id = :id")
                .param("org", org.value())
                .param("id", id.value())
                .param("by", by.value())
                .param("at", Timestamp.from(at))
                .update();
    }

    private static final String STATUS = """
            CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
                 WHEN accepted_at IS NOT NULL THEN 'accepted'
                 WHEN expires_at <= :now THEN 'expired'
                 ELSE 'pending' END""";

    /** The organization's invitations, newest first; {@code status} null for all of them. */
    public Page<InvitationInfo> list(OrgId org, @Nullable InvitationStatus status, Instant now, PageRequest page) {
        List<InvitationInfo> rows = jdbc.sql("""
                        SELECT * FROM (
                          SELECT *, %s AS status FROM invitations
                          WHERE org_id = :org AND (CAST(:after AS text) IS NULL OR id < :after)) i
                        WHERE CAST(:status AS text) IS NULL OR status = :status
                        ORDER BY id DESC LIMIT :limit
                        """.formatted(STATUS))
                .param("org", org.value())
                .param("now", Timestamp.from(now))
                .param("after", page.after())
                .param("status", status == null ? null : status.wire())
                .param("limit", page.fetchSize())
                .query((rs, n) -> info(rs))
                .list();
        return Page.of(rows, page, i -> i.id().value());
    }

    /** One invitation of the organization, locked for a change of its state. */
    public Optional<InvitationInfo> findForUpdate(OrgId org, InvitationId id, Instant now) {
        return jdbc.sql("SELECT *, %s AS status FROM invitations WHERE org_id = :org AND id = :id FOR UPDATE"
                        .formatted(STATUS))
                .param("org", org.value())
                .param("id", id.value())
                .param("now", Timestamp.from(now))
                .query((rs, n) -> info(rs))
                .optional();
    }

    /** Revokes an invitation that is neither accepted nor revoked; false when it is. */
    public boolean revoke(OrgId org, InvitationId id, String by, Instant at) {
        return jdbc.sql("""
                        UPDATE invitations SET revoked_at = :at, revoked_by = :by
                        WHERE org_id = :org AND id = :id AND accepted_at IS NULL AND revoked_at IS NULL
                        """)
                        .param("org", org.value())
                        .param("id", id.value())
                        .param("by", by)
                        .param("at", Timestamp.from(at))
                        .update()
                == 1;
    }

    /** Gives an open invitation a new token and validity: the old link stops working. */
    public boolean reissue(OrgId org, InvitationId id, byte[] tokenHash, Instant expiresAt, Instant at) {
        return jdbc.sql("""
                        UPDATE invitations SET token_hash = :hash, expires_at = :expires, resent_at = :at
                        WHERE org_id = :org AND id = :id AND accepted_at IS NULL AND revoked_at IS NULL
                        """)
                        .param("org", org.value())
                        .param("id", id.value())
                        .param("hash", tokenHash)
                        .param("expires", Timestamp.from(expiresAt))
                        .param("at", Timestamp.from(at))
                        .update()
                == 1;
    }

    private static InvitationInfo info(ResultSet rs) throws SQLException {
        String ws = rs.getString("workspace_id");
        return new InvitationInfo(
                new InvitationId(rs.getString("id")),
                rs.getString("email"),
                OrgRole.parse(rs.getString("role")),
                ws == null ? null : new WorkspaceId(ws),
                InvitationStatus.valueOf(rs.getString("status").toUpperCase(java.util.Locale.ROOT)),
                rs.getString("invited_by"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("expires_at").toInstant(),
                instant(rs.getTimestamp("resent_at")),
                instant(rs.getTimestamp("accepted_at")),
                instant(rs.getTimestamp("revoked_at")));
    }

    private static @Nullable Instant instant(@Nullable Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
