package dev.atrium.history;

import dev.atrium.common.PageRequest;
import dev.atrium.workspace.WorkspaceAccess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import tools.jackson.databind.json.JsonMapper;

/**
 * A workspace's history as a zip of JSON Lines — {@code conversations.jsonl} (messages inline) and
 * {@code activities.jsonl} — written page by page so memory stays flat, with exactly the caller's
 * visibility.
 */
@Service
public class HistoryExport {
    private static final int PAGE = 200;
    private final History history;
    private final JsonMapper json;

    HistoryExport(History history, JsonMapper json) {
        this.history = history;
        this.json = json;
    }

    /** Fails (404) before anything is written when the caller may not read the workspace's history. */
    public void requireReadable(WorkspaceAccess access) {
        Viewer.of(access);
    }

    public void write(WorkspaceAccess access, OutputStream out) throws IOException {
        // finish(), not close(): the servlet container owns the response stream.
        var zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
        zip.putNextEntry(new ZipEntry("conversations.jsonl"));
        @Nullable String after = null;
        do {
            var page = history.list(access, null, new PageRequest(PAGE, after));
            for (ConversationSummary c : page.data()) line(zip, history.get(access, c.id()));
            after = page.next();
        } while (after != null);
        zip.closeEntry();
        zip.putNextEntry(new ZipEntry("activities.jsonl"));
        after = null;
        do {
            var page = history.activities(access, new PageRequest(PAGE, after));
            for (ActivityView a : page.data()) line(zip, a);
            after = page.next();
        } while (after != null);
        zip.closeEntry();
        zip.finish();
    }

    private void line(OutputStream out, Object value) throws IOException {
        out.write(json.writeValueAsBytes(value));
        out.write('\n');
    }
}
