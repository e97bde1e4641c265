package dev.atrium.organization;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.internal.Members;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Resolves what a caller is inside an organization; an organization out of reach is a 404. */
@Service
public class Access {
    private final Members members;

    Access(Members members) {
        this.members = members;
    }

    @Transactional(readOnly = true)
    public OrgAccess to(Caller caller, OrgId org) {
        return switch (caller) {
            case Caller.User u ->
                members.role(org, u.user())
                        .map(role -> new OrgAccess(org, caller, role, u.user()))
                        .orElseThrow(() -> ApiException.notFound("organization"));
            case Caller.AdminKey k when k.org().equals(org) -> new OrgAccess(org, caller, OrgRole.ADMIN, null);
            case Caller.WorkspaceKey k when k.org().equals(org) -> new OrgAccess(org, caller, null, k.boundUser());
            default -> throw ApiException.notFound("organization");
        };
    }
}
