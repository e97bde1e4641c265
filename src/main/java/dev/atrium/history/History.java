package dev.atrium.history;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.history.internal.Activities;
import dev.atrium.history.internal.Conversations;
import dev.atrium.history.internal.Messages;
import dev.atrium.workspace.WorkspaceAccess;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Reading and curating a workspace's history, with the visibility of {@link Viewer}: whatever a
 * caller may not see answers 404, exactly like an id that does not exist.
 */
@Service
public class History {
    private final Conversations conversations;
    private final Messages messages;
    private final Activities activities;
    private final AuditLog audit;

    History(Conversations conversations, Messages messages, Activities activities, AuditLog audit) {
        this.conversations = conversations;
        this.messages = messages;
        this.activities = activities;
        this.audit = audit;
    }

    /**
     * Newest first; with {@code q}, a full-text search over titles and messages, best match first
     * (its cursor is then the position in the ranking).
     */
    @Transactional(readOnly = true)
    public Page<ConversationSummary> list(WorkspaceAccess access, @Nullable String q, PageRequest page) {
        Viewer v = Viewer.of(access);
        if (q == null || q.isBlank()) {
            var rows = conversations.list(access.org().org(), v, page.after(), page.fetchSize());
            return Page.of(rows, page, c -> c.id().value());
        }
        if (q.length() > 500) throw ApiException.invalid("q", "q must be at most 500 characters.");
        int offset = 0;
        if (page.after() != null) {
            try {
                offset = Integer.parseInt(page.after());
            } catch (NumberFormatException e) {
                throw ApiException.invalid("after", "after must be the cursor of a previous page.");
            }
            if (offset < 0) throw ApiException.invalid("after", "after must be the cursor of a previous page.");
        }
        int start = offset;
        var rows = conversations.search(access.org().org(), v, q, offset, page.fetchSize());
        boolean more = rows.size() > page.limit();
        List<ConversationSummary> data = more ? List.copyOf(rows.subList(0, page.limit())) : rows;
        return new Page<>(data, more, more ? String.valueOf(start + page.limit()) : null);
    }

    @Transactional(readOnly = true)
    public ConversationDetail get(WorkspaceAccess access, ConversationId id) {
        Viewer v = Viewer.of(access);
        var c = conversations.find(access.org().org(), v, id).orElseThrow(() -> ApiException.notFound("conversation"));
        return new ConversationDetail(c, messages.of(access.org().org(), v.workspace(), id));
    }

    /** Renames or shares/unshares; the creator (member or key) or a workspace admin. */
    @Transactional
    public ConversationDetail update(
            WorkspaceAccess access, ConversationId id, @Nullable String title, @Nullable String visibility) {
        ConversationSummary c = writable(access, id);
        if (title != null && (title.isBlank() || title.length() > 200)) {
            throw ApiException.invalid("title", "title must be 1 to 200 characters.");
        }
        if (visibility != null && !visibility.equals("private") && !visibility.equals("shared")) {
            throw ApiException.invalid("visibility", "visibility must be private or shared.");
        }
        conversations.update(access.org().org(), c.workspaceId(), id, title == null ? null : title.strip(), visibility);
        if (visibility != null && !visibility.equals(c.visibility())) {
            audit.record(
                    access.org().org(),
                    access.org().caller(),
                    "conversation." + (visibility.equals("shared") ? "shared" : "unshared"),
                    "conversation",
                    id.value(),
                    Map.of("workspace_id", c.workspaceId().value(), "visibility", c.visibility()),
                    Map.of("workspace_id", c.workspaceId().value(), "visibility", visibility));
        }
        return get(access, id);
    }

    @Transactional
    public void delete(WorkspaceAccess access, ConversationId id) {
        ConversationSummary c = writable(access, id);
        conversations.delete(access.org().org(), c.workspaceId(), id);
    }

    @Transactional(readOnly = true)
    public Page<ActivityView> activities(WorkspaceAccess access, PageRequest page) {
        Viewer v = Viewer.of(access);
        var rows = activities.list(access.org().org(), v, page.after(), page.fetchSize());
        return Page.of(rows, page, ActivityView::id);
    }

    /**
     * Generated media is read like the activity that produced it; media recorded by no activity
     * (made while the workspace recorded no history) by the workspace's members and keys, not viewers.
     * Callers outside the workspace's content get 404.
     */
    @Transactional(readOnly = true)
    public boolean mayReadMedia(WorkspaceAccess access, String mediaId) {
        Viewer v = Viewer.of(access);
        if (v.all()) return true;
        return activities.mediaVisible(access.org().org(), v, mediaId).orElse(v.canWrite());
    }

    private ConversationSummary writable(WorkspaceAccess access, ConversationId id) {
        Viewer v = Viewer.of(access);
        var c = conversations.find(access.org().org(), v, id).orElseThrow(() -> ApiException.notFound("conversation"));
        boolean own = (v.user() != null && v.user().equals(c.createdBy()))
                || (v.key() != null && v.key().equals(c.createdByKey()));
        if (!v.canWrite() || !(v.all() || own)) {
            throw ApiException.forbidden("Only the conversation's creator or a workspace admin can change it.");
        }
        access.requireActive();
        return c;
    }
}
