package dev.atrium.identity;

import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * Who is making a request, as established by its credential. Serializable: a console session
 * stored in PostgreSQL keeps its caller.
 */
public sealed interface Caller extends java.io.Serializable {

    /** The credential's id, for audit records. */
    KeyId credential();

    /** {@code user}, {@code admin_key} or {@code workspace_key}. */
    String actorType();

    /** The id recorded as the actor: the user for a personal token, the key otherwise. */
    String actorId();

    /** A person, through a personal access token or a console session. */
    record User(UserId user, KeyId credential) implements Caller {
        @Override
        public String actorType() {
            return "user";
        }

        @Override
        public String actorId() {
            return user.value();
        }
    }

    /** An organization admin key: acts with the {@code admin} role inside its organization only. */
    record AdminKey(OrgId org, KeyId credential) implements Caller {
        @Override
        public String actorType() {
            return "admin_key";
        }

        @Override
        public String actorId() {
            return credential.value();
        }
    }

    /** A workspace key: the gateway credential of one workspace, optionally bound to a member. */
    record WorkspaceKey(
            OrgId org,
            WorkspaceId workspace,
            KeyId credential,
            @Nullable UserId boundUser) implements Caller {
        @Override
        public String actorType() {
            return "workspace_key";
        }

        @Override
        public String actorId() {
            return credential.value();
        }
    }
}
