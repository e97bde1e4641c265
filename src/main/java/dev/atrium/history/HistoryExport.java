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
 * {@code activities.jsonl} — and the media those activities produced ({@code media/<id>.<ext>},
 * streamed from the blob store), written page by page so memory stays flat whatever the size, with
 * exactly the caller's visibility.
 */
@Service
public class HistoryExport {
    private static final int PAGE = 200;
    private final History history;
    private final MediaStore media;
    private final JsonMapper json;

    HistoryExport(History history, MediaStore media, JsonMapper json) {
        this.history = history;
        this.media = media;
        this.json = json;
    }

    /** Fails (404) before anything is written when the caller may not read the workspace's history. */
    public void requireReadable(WorkspaceAccess access) {
        Viewer.of(access);
    }

    /**
     * Answers with the workspace's history as a zip download ({@code history-<ws>.zip}, not
     * cached), streamed; 404 before anything is written when the caller may not read it.
     */
    public void respond(WorkspaceAccess access, jakarta.servlet.http.HttpServletResponse response) throws IOException {
        requireReadable(access);
        response.setStatus(200);
        response.setContentType("application/zip");
        response.setHeader(
                org.springframework.http.HttpHeaders.CONTENT_DISPOSITION,
                org.springframework.http.ContentDisposition.attachment()
                        .filename("history-" + access.workspace().id().value() + ".zip")
                        .build()
                        .toString());
        response.setHeader(org.springframework.http.HttpHeaders.CACHE_CONTROL, "no-store");
        write(access, response.getOutputStream());
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
        // A second pass, so that the JSON entries stay whole: the files of the activities listed.
        var org = access.workspace().org();
        var ws = access.workspace().id();
        after = null;
        do {
            var page = history.activities(access, new PageRequest(PAGE, after));
            for (ActivityView a : page.data()) {
                for (ActivityView.MediaLink link : a.media()) {
                    var opened = media.open(org, ws, link.id());
                    if (opened.isEmpty()) continue;
                    try (var file = opened.get()) {
                        zip.putNextEntry(new ZipEntry(
                                "media/" + link.id() + extension(file.file().contentType())));
                        file.content().transferTo(zip);
                        zip.closeEntry();
                    }
                }
            }
            after = page.next();
        } while (after != null);
        zip.finish();
    }

    static String extension(String contentType) {
        String type = contentType.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
        return switch (type) {
            case "image/png" -> ".png";
            case "image/jpeg" -> ".jpg";
            case "image/webp" -> ".webp";
            case "audio/wav", "audio/x-wav", "audio/wave" -> ".wav";
            case "audio/mpeg" -> ".mp3";
            case "audio/ogg", "audio/opus" -> ".ogg";
            case "audio/flac" -> ".flac";
            case "audio/aac" -> ".aac";
            default -> ".bin";
        };
    }

    private void line(OutputStream out, Object value) throws IOException {
        out.write(json.writeValueAsBytes(value));
        out.write('\n');
    }
}
