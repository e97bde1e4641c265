package dev.atrium.history.web;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.history.History;
import dev.atrium.history.MediaStore;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.workspace.WorkspaceAccess;
import dev.atrium.workspace.WorkspaceService;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET …/workspaces/{ws}/media/{id}}: generated media, authorized like the history it
 * belongs to ({@link History#mayReadMedia}): org owners and admins only where they are members,
 * billing never, and inside the workspace like the activity that produced it. The bytes stream
 * from the blob store with the content type recorded when they were made.
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
    void get(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String ws,
            @PathVariable String id,
            HttpServletResponse response)
            throws IOException {
        WorkspaceAccess a = workspaces.access(access.to(caller, OrgId.parse(org)), WorkspaceId.parse(ws));
        try (var opened = media.open(a, id)) {
            response.setStatus(200);
            response.setContentType(opened.file().contentType());
            response.setContentLengthLong(opened.file().size());
            response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
            response.setHeader("X-Content-Type-Options", "nosniff");
            opened.content().transferTo(response.getOutputStream());
        }
    }
}
