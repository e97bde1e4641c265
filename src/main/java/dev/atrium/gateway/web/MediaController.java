package dev.atrium.gateway.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.gateway.internal.MediaStore;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET …/workspaces/{ws}/media/{id}}: generated media, only for callers who reach the
 * workspace's content — its members and its own keys (org owners and admins only where they are
 * members; billing never).
 */
@RestController
class MediaController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final MediaStore media;

    MediaController(Access access, WorkspaceService workspaces, MediaStore media) {
        this.access = access;
        this.workspaces = workspaces;
        this.media = media;
    }

    @GetMapping("/api/v1/organizations/{org}/workspaces/{ws}/media/{id}")
    ResponseEntity<byte[]> get(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id) {
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        boolean ownKey = a.workspace().id().equals(a.org().keyWorkspace());
        if (a.role() == null && !ownKey) throw ApiException.notFound("media");
        var m = media.get(a.workspace().org(), a.workspace().id(), id)
                .orElseThrow(() -> ApiException.notFound("media"));
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(m.contentType()))
                .cacheControl(CacheControl.noStore())
                .header("X-Content-Type-Options", "nosniff")
                .body(m.bytes());
    }
}
