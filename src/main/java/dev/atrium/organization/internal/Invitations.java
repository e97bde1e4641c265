package dev.atrium.organization.internal;

import dev.atrium.common.InvitationId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.organization.OrgRole;
import java.sql.Timestamp;
import java.time.Instant;
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

    /** The invitation a token stands for, locked so that it is accepted once. */
    public Optional<Pending> findForUpdate(byte[] tokenHash) {
        return jdbc.sql("""
                        SELECT org_id, id, email, role, workspace_id, expires_at, accepted_at
                        FROM invitations WHERE token_hash = :hash FOR UPDATE
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

    public void markAccepted(OrgId org, InvitationId id, UserId by, Instant at) {
        jdbc.sql("UPDATE invitations SET accepted_at = :at, accepted_by = :by WHERE org_id = :org AND id = :id")
                .param("org", org.value())
                .param("id", id.value())
                .param("by", by.value())
                .param("at", Timestamp.from(at))
                .update();
    }
}
