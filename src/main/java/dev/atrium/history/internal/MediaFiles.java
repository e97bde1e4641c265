package dev.atrium.history.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.WorkspaceId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The media table: one row per generated file, scoped by organization and workspace, naming its
 * blob by content hash. Erasing rows queues their hashes for {@link BlobSweeper} in the same
 * statement.
 */
@Repository
public class MediaFiles {
    private final JdbcClient jdbc;

    MediaFiles(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A media row; {@code legacy} when its bytes are still in the row (written before the blob store). */
    public record Row(String id, String contentType, long size, String contentHash, boolean legacy) {}

    /** Serialises writers and sweepers of one blob (across nodes): taken before either looks at it. */
    public void lockBlob(String hash) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .param("key", "media-blob:" + hash)
                .query((rs, n) -> 1)
                .single();
    }

    public void insert(OrgId org, WorkspaceId ws, String id, String contentType, long size, String hash, Instant at) {
        jdbc.sql("""
                        INSERT INTO media (org_id, workspace_id, id, content_type, content_hash, size, created_at)
                        VALUES (:org, :ws, :id, :type, :hash, :size, :at)
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id)
                .param("type", contentType)
                .param("hash", hash)
                .param("size", size)
                .param("at", Timestamp.from(at))
                .update();
    }

    public Optional<Row> find(OrgId org, WorkspaceId ws, String id) {
        return jdbc.sql("SELECT id, content_type, size, content_hash, bytes IS NOT NULL FROM media"
                        + " WHERE org_id = :org AND workspace_id = :ws AND id = :id")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id)
                .query((rs, n) ->
                        new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBoolean(5)))
                .optional();
    }

    /** The bytes of a row written before the blob store. */
    public Optional<byte[]> legacyBytes(OrgId org, WorkspaceId ws, String id) {
        return jdbc.sql("SELECT bytes FROM media WHERE org_id = :org AND workspace_id = :ws AND id = :id"
                        + " AND bytes IS NOT NULL")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id)
                .query((rs, n) -> rs.getBytes(1))
                .optional();
    }

    /** Erases a workspace's media rows; their blobs are queued for the sweeper. */
    public int eraseWorkspace(OrgId org, WorkspaceId ws) {
        return erase("org_id = :org AND workspace_id = :ws", org, ws, Instant.MAX);
    }

    /** Erases media created before {@code cutoff}; their blobs are queued for the sweeper. */
    public int eraseBefore(OrgId org, WorkspaceId ws, Instant cutoff) {
        return erase("org_id = :org AND workspace_id = :ws AND created_at < :cutoff", org, ws, cutoff);
    }

    private int erase(String where, OrgId org, WorkspaceId ws, Instant cutoff) {
        return jdbc.sql("""
                        WITH gone AS (DELETE FROM media WHERE %s RETURNING content_hash),
                        queued AS (
                            INSERT INTO media_blob_sweeps (content_hash, queued_at)
                            SELECT DISTINCT content_hash, now() FROM gone
                            ON CONFLICT (content_hash) DO NOTHING)
                        SELECT count(*) FROM gone
                        """.formatted(where))
                .param("org", org.value())
                .param("ws", ws.value())
                .param("cutoff", Timestamp.from(cutoff.equals(Instant.MAX) ? Instant.EPOCH : cutoff))
                .query(Integer.class)
                .single();
    }

    /** Hashes queued for the sweeper, locked for this transaction; other nodes skip them. */
    public List<String> claimSweeps(int limit) {
        return jdbc.sql("SELECT content_hash FROM media_blob_sweeps ORDER BY queued_at"
                        + " LIMIT :limit FOR UPDATE SKIP LOCKED")
                .param("limit", limit)
                .query(String.class)
                .list();
    }

    public boolean referenced(String hash) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM media WHERE content_hash = :hash)")
                .param("hash", hash)
                .query(Boolean.class)
                .single();
    }

    public void unqueue(String hash) {
        jdbc.sql("DELETE FROM media_blob_sweeps WHERE content_hash = :hash")
                .param("hash", hash)
                .update();
    }

    /** Rows whose bytes are still in the database, locked for this transaction. */
    public List<LegacyRow> claimLegacy(int limit) {
        return jdbc.sql("SELECT org_id, workspace_id, id, content_hash, bytes FROM media WHERE bytes IS NOT NULL"
                        + " LIMIT :limit FOR UPDATE SKIP LOCKED")
                .param("limit", limit)
                .query((rs, n) -> new LegacyRow(
                        new OrgId(rs.getString(1)),
                        new WorkspaceId(rs.getString(2)),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getBytes(5)))
                .list();
    }

    public record LegacyRow(OrgId org, WorkspaceId ws, String id, String hash, byte[] bytes) {}

    public void dropLegacyBytes(OrgId org, WorkspaceId ws, String id) {
        jdbc.sql("UPDATE media SET bytes = NULL WHERE org_id = :org AND workspace_id = :ws AND id = :id")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id)
                .update();
    }
}
