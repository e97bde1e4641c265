package dev.atrium.gateway.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.gateway.internal.MediaStore;
import dev.atrium.history.History;
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
 * {@code GET …/workspaces/{ws}/media/{id}}: generated media, authorized like the history it
 * belongs to ({@link History#mayReadMedia}): org owners and admins only where they are members,
 * billing never, and inside the workspace like the activity that produced it.
 */
@RestController
class MediaController {
    private final Access access;
    private final WorkspaceService workspaces;
    private final MediaStore media;
    private final History history;

    MediaController(Access access, WorkspaceService workspaces, MediaStore media, History history) {
        this.access = access;
        this.history = history;
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
        if (!history.mayReadMedia(a, id)) throw ApiException.notFound("media");
        var m = media.get(a.workspace().org(), a.workspace().id(), id)
                .orElseThrow(() -> ApiException.notFound("media"));
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(m.contentType()))
                .cacheControl(CacheControl.noStore())
                .header("X-Content-Type-Options", "nosniff")
                .body(m.bytes());
    }
}
