package dev.atrium.history;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceRole;
import org.jspecify.annotations.Nullable;

/**
 * Who reads a workspace's history, reduced to what decides visibility (the isolation rules of docs/domain.md):
 * <ul>
 *   <li>workspace {@code admin}: every conversation and activity of the workspace;
 *   <li>workspace {@code member}: their own and the shared ones;
 *   <li>workspace {@code viewer}: the shared ones;
 *   <li>the workspace's own key: the shared ones and those it created, or its bound member created;
 *   <li>anyone else — org owners, admins and billing who are not members of the workspace, admin
 *       keys, other workspaces' keys — nothing: 404, as for a workspace that does not exist.
 * </ul>
 */
public record Viewer(
        WorkspaceId workspace,
        boolean all,
        @Nullable UserId user,
        @Nullable KeyId key,
        boolean canWrite) {

    public static Viewer of(WorkspaceAccess a) {
        WorkspaceId ws = a.workspace().id();
        WorkspaceId keyWs = a.org().keyWorkspace();
        if (keyWs != null) {
            if (!keyWs.equals(ws)) throw ApiException.notFound("workspace");
            return new Viewer(ws, false, a.org().user(), a.org().caller().credential(), true);
        }
        WorkspaceRole role = a.role();
        if (role == null || a.org().isAdminKey()) throw ApiException.notFound("workspace");
        return switch (role) {
            case ADMIN -> new Viewer(ws, true, a.org().user(), null, true);
            case MEMBER -> new Viewer(ws, false, a.org().user(), null, true);
            case VIEWER -> new Viewer(ws, false, null, null, false);
        };
    }
}
