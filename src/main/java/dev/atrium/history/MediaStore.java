package dev.atrium.history;

import dev.atrium.common.ApiException;
import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.history.internal.BlobStore;
import dev.atrium.history.internal.MediaFiles;
import dev.atrium.workspace.WorkspaceAccess;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Generated images and audio of a workspace. The bytes live in a {@link BlobStore} (a local
 * directory or an S3-compatible bucket) under their SHA-256; the row in PostgreSQL keeps the
 * workspace, content type, size and hash. Media is only ever read through {@link #open}, which
 * authorizes like the history it belongs to; no blob has a public URL.
 */
@Service
public class MediaStore {
    private static final Logger log = LoggerFactory.getLogger(MediaStore.class);
    static final String PREFIX = "med_";
    private final MediaFiles files;
    private final BlobStore blobs;
    private final History history;
    private final Clock clock;

    MediaStore(MediaFiles files, BlobStore blobs, History history, Clock clock) {
        this.files = files;
        this.blobs = blobs;
        this.history = history;
        this.clock = clock;
    }

    /** What the endpoint serves a file with. */
    public record MediaFile(String id, String contentType, long size) {}

    /** An open file; the caller closes it. */
    public record Opened(MediaFile file, InputStream content) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            content.close();
        }
    }

    /**
     * Stores a file of the workspace and returns its id. The blob is written before the row
     * commits, under the blob's lock (see {@code BlobSweeper}), so a committed row always has its blob.
     */
    @Transactional
    public String put(OrgId org, WorkspaceId ws, String contentType, byte[] bytes) {
        String id = Ids.next(PREFIX);
        String hash = BlobStore.sha256(bytes);
        files.lockBlob(hash);
        try {
            blobs.put(hash, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.insert(org, ws, id, contentType, bytes.length, hash, clock.instant());
        return id;
    }

    /**
     * Opens a file for a caller: 404 when the id is malformed, of another workspace or organization,
     * or produced by an activity the caller may not see.
     */
    public Opened open(WorkspaceAccess access, String id) {
        if (!Ids.isValid(id, PREFIX) || !history.mayReadMedia(access, id)) throw ApiException.notFound("media");
        return open(access.workspace().org(), access.workspace().id(), id)
                .orElseThrow(() -> ApiException.notFound("media"));
    }

    /** Opens a file of the workspace without authorizing: for callers that already have (the export). */
    Optional<Opened> open(OrgId org, WorkspaceId ws, String id) {
        var row = files.find(org, ws, id);
        if (row.isEmpty()) return Optional.empty();
        var r = row.get();
        MediaFile file = new MediaFile(r.id(), r.contentType(), r.size());
        try {
            if (r.legacy()) {
                return files.legacyBytes(org, ws, id).map(b -> new Opened(file, new ByteArrayInputStream(b)));
            }
            var in = blobs.open(r.contentHash());
            if (in.isEmpty()) log.warn("media {} of workspace {} has no blob {}", id, ws.value(), r.contentHash());
            return in.map(s -> new Opened(file, s));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
