package dev.atrium.organization;

import dev.atrium.common.InvitationId;
import dev.atrium.common.OrgId;
import java.time.Instant;

/**
 * An invitation was created or sent again with a new link. Published inside the transaction that
 * issues it, so that whatever tells the invited person (an email in the outbox) commits with it. The
 * token is the secret of the link: listeners use it once and keep it no longer than they must.
 */
public record InvitationIssued(
        OrgId org,
        InvitationId id,
        String email,
        OrgRole role,
        String token,
        Instant expiresAt,
        String organizationName,
        boolean resent) {
    @Override
    public String toString() {
        return "InvitationIssued[" + org.value() + ", " + id.value() + ", " + email + "]";
    }
}
