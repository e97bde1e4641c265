package dev.atrium.history.internal;

import dev.atrium.common.KeyId;
import dev.atrium.common.OrgId;
import dev.atrium.common.UserId;
import dev.atrium.common.WorkspaceId;
import dev.atrium.history.ConversationId;
import dev.atrium.history.ConversationSummary;
import dev.atrium.history.Viewer;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The conversations table. Every statement is scoped by organization and workspace. */
@Repository
public class Conversations {
    static final String COLUMNS = "c.id, c.workspace_id, c.title, c.visibility, c.created_by_user, c.created_by_key,"
            + " c.message_count, c.created_at, c.updated_at";
    /** Visibility for a {@link Viewer}: bind {@code :all}, {@code :viewerUser}, {@code :viewerKey} with {@link #bind}. */
    static final String VISIBLE = "(:all OR c.visibility = 'shared' OR c.created_by_user = :viewerUser"
            + " OR c.created_by_key = :viewerKey)";

    private final JdbcClient jdbc;

    Conversations(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A stored conversation's state, for appending to it. */
    public record Head(
            ConversationId id, String visibility, @Nullable UserId user, KeyId key, String transcriptHash, int count) {
        public boolean createdBy(@Nullable UserId u, KeyId k) {
            return u != null ? u.equals(user) : user == null && key.equals(k);
        }
    }

    static JdbcClient.StatementSpec bind(JdbcClient.StatementSpec s, Viewer v) {
        return s.param("all", v.all())
                .param("viewerUser", v.user() == null ? "" : v.user().value())
                .param("viewerKey", v.key() == null ? "" : v.key().value());
    }

    public Optional<Head> head(OrgId org, WorkspaceId ws, ConversationId id, boolean lock) {
        return jdbc.sql("SELECT id, visibility, created_by_user, created_by_key, transcript_hash, message_count"
                        + " FROM conversations WHERE org_id = :org AND workspace_id = :ws AND id = :id"
                        + (lock ? " FOR UPDATE" : ""))
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .query(Conversations::head)
                .optional();
    }

    /** Conversations of the creator whose whole transcript is one of {@code hashes}, longest first. */
    public List<Head> byTranscript(OrgId org, WorkspaceId ws, @Nullable UserId user, KeyId key, List<String> hashes) {
        String creator =
                user != null ? "created_by_user = :creator" : "created_by_user IS NULL AND created_by_key = :creator";
        return jdbc.sql("SELECT id, visibility, created_by_user, created_by_key, transcript_hash, message_count"
                        + " FROM conversations WHERE org_id = :org AND workspace_id = :ws"
                        + " AND transcript_hash IN (:hashes) AND " + creator
                        + " ORDER BY message_count DESC, updated_at DESC LIMIT 1")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("hashes", hashes)
                .param("creator", user != null ? user.value() : key.value())
                .query(Conversations::head)
                .list();
    }

    /** A new conversation, created with its first messages' transcript hash and count. */
    public void insert(
            OrgId org,
            WorkspaceId ws,
            ConversationId id,
            String title,
            @Nullable UserId user,
            KeyId key,
            String hash,
            int count,
            Instant at) {
        jdbc.sql("""
                        INSERT INTO conversations (org_id, workspace_id, id, title, created_by_user, created_by_key,
                            transcript_hash, message_count, created_at, updated_at)
                        VALUES (:org, :ws, :id, :title, :user, :key, :hash, :count, :at, :at)
                        """)
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .param("title", title)
                .param("user", user == null ? null : user.value())
                .param("key", key.value())
                .param("hash", hash)
                .param("count", count)
                .param("at", Timestamp.from(at))
                .update();
    }

    public void advance(OrgId org, WorkspaceId ws, ConversationId id, String hash, int count, Instant at) {
        jdbc.sql("UPDATE conversations SET transcript_hash = :hash, message_count = :count, updated_at = :at"
                        + " WHERE org_id = :org AND workspace_id = :ws AND id = :id")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .param("hash", hash)
                .param("count", count)
                .param("at", Timestamp.from(at))
                .update();
    }

    public Optional<ConversationSummary> find(OrgId org, Viewer v, ConversationId id) {
        return bind(
                        jdbc.sql("SELECT " + COLUMNS + " FROM conversations c WHERE c.org_id = :org"
                                + " AND c.workspace_id = :ws AND c.id = :id AND " + VISIBLE),
                        v)
                .param("org", org.value())
                .param("ws", v.workspace().value())
                .param("id", id.value())
                .query(Conversations::summary)
                .optional();
    }

    /** Newest first, after the cursor id. */
    public List<ConversationSummary> list(OrgId org, Viewer v, @Nullable String after, int fetch) {
        return bind(
                        jdbc.sql("SELECT " + COLUMNS + " FROM conversations c WHERE c.org_id = :org"
                                + " AND c.workspace_id = :ws AND " + VISIBLE
                                + (after == null ? "" : " AND c.id < :after")
                                + " ORDER BY c.id DESC LIMIT :fetch"),
                        v)
                .param("org", org.value())
                .param("ws", v.workspace().value())
                .param("after", after == null ? "" : after)
                .param("fetch", fetch)
                .query(Conversations::summary)
                .list();
    }

    /**
     * How many matching messages (and titles) a search ranks at most. With fewer matches, all are
     * ranked; with more (a word found in much of a large workspace), the most recent ones, so that a
     * search never reads every message of the workspace.
     */
    public static final int SEARCH_CANDIDATES = 10_000;

    /**
     * Full-text search over titles and messages, best match first: a conversation scores twice the
     * rank of its title plus the rank of its best message. A first statement counts each side's
     * matches up to the cap through its GIN index; the search then ranks all of a side's matches,
     * or, past the cap, only its most recent ones. The hits are merged per conversation and joined to the visible
     * conversations by primary key (never a scan of the workspace). {@code offset} pages through
     * the ranking.
     */
    public List<ConversationSummary> search(OrgId org, Viewer v, String q, int offset, int fetch) {
        var counts = jdbc.sql("""
                        WITH query AS (SELECT websearch_to_tsquery('english', :q) AS tsq)
                        SELECT (SELECT count(*) FROM (SELECT 1 FROM messages m, query WHERE m.org_id = :org
                                    AND m.workspace_id = :ws AND m.search @@ query.tsq LIMIT :probe) x),
                               (SELECT count(*) FROM (SELECT 1 FROM conversations t, query WHERE t.org_id = :org
                                    AND t.workspace_id = :ws AND t.search @@ query.tsq LIMIT :probe) y)
                        """)
                .param("org", org.value())
                .param("ws", v.workspace().value())
                .param("q", q)
                .param("probe", SEARCH_CANDIDATES + 1)
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)})
                .single();
        if (counts[0] == 0 && counts[1] == 0) return List.of();
        // Past the cap the word is common: walk the workspace's time index newest first and test each
        // row until the cap is reached, instead of reading the word's whole GIN posting list and
        // sorting it. Concatenating an empty tsvector keeps the planner off the GIN index here.
        boolean commonInMessages = counts[0] > SEARCH_CANDIDATES;
        boolean commonInTitles = counts[1] > SEARCH_CANDIDATES;
        String recentMessages = commonInMessages
                ? " ORDER BY m.created_at DESC, m.conversation_id DESC, m.seq DESC LIMIT :candidates"
                : "";
        String recentTitles = commonInTitles ? " ORDER BY t.updated_at DESC, t.id DESC LIMIT :candidates" : "";
        return bind(
                        jdbc.sql("""
                                WITH query AS (SELECT websearch_to_tsquery('english', :q) AS tsq),
                                msg AS (
                                    SELECT m.conversation_id AS id, m.search
                                    FROM messages m, query
                                    WHERE m.org_id = :org AND m.workspace_id = :ws AND %s @@ query.tsq%s),
                                ttl AS (
                                    SELECT t.id, t.search
                                    FROM conversations t, query
                                    WHERE t.org_id = :org AND t.workspace_id = :ws AND %s @@ query.tsq%s),
                                hits AS (
                                    SELECT msg.id, CAST(0 AS real) AS title, ts_rank(msg.search, query.tsq) AS rank
                                    FROM msg, query
                                    UNION ALL
                                    SELECT ttl.id, 2 * ts_rank(ttl.search, query.tsq), CAST(0 AS real)
                                    FROM ttl, query),
                                scored AS (
                                    SELECT id, max(title) + max(rank) AS score FROM hits GROUP BY id)
                                SELECT %s FROM scored
                                JOIN conversations c ON c.org_id = :org AND c.workspace_id = :ws AND c.id = scored.id
                                WHERE %s
                                ORDER BY scored.score DESC, c.id DESC
                                OFFSET :offset LIMIT :fetch
                                """.formatted(
                                        commonInMessages ? "(m.search || ''::tsvector)" : "m.search",
                                        recentMessages,
                                        commonInTitles ? "(t.search || ''::tsvector)" : "t.search",
                                        recentTitles,
                                        COLUMNS,
                                        VISIBLE)),
                        v)
                .param("org", org.value())
                .param("ws", v.workspace().value())
                .param("q", q)
                .param("candidates", SEARCH_CANDIDATES)
                .param("offset", offset)
                .param("fetch", fetch)
                .query(Conversations::summary)
                .list();
    }

    public void update(
            OrgId org, WorkspaceId ws, ConversationId id, @Nullable String title, @Nullable String visibility) {
        jdbc.sql(
                        "UPDATE conversations SET title = coalesce(:title, title), visibility = coalesce(:visibility, visibility)"
                                + " WHERE org_id = :org AND workspace_id = :ws AND id = :id")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .param("title", title)
                .param("visibility", visibility)
                .update();
    }

    /** Deletes the conversation and (by cascade) its messages. */
    public void delete(OrgId org, WorkspaceId ws, ConversationId id) {
        jdbc.sql("DELETE FROM conversations WHERE org_id = :org AND workspace_id = :ws AND id = :id")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("id", id.value())
                .update();
    }

    /** Erases every conversation, message and activity of a workspace. */
    public void eraseWorkspace(OrgId org, WorkspaceId ws) {
        for (String table : List.of("messages", "conversations", "activities")) {
            jdbc.sql("DELETE FROM " + table + " WHERE org_id = :org AND workspace_id = :ws")
                    .param("org", org.value())
                    .param("ws", ws.value())
                    .update();
        }
    }

    /**
     * Erases conversations not updated since {@code cutoff} (messages by cascade) and activities
     * older than it; returns the rows erased.
     */
    public long eraseBefore(OrgId org, WorkspaceId ws, Instant cutoff) {
        long erased = jdbc.sql(
                        "DELETE FROM conversations WHERE org_id = :org AND workspace_id = :ws AND updated_at < :cutoff")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("cutoff", Timestamp.from(cutoff))
                .update();
        erased += jdbc.sql("DELETE FROM activities WHERE org_id = :org AND workspace_id = :ws AND created_at < :cutoff")
                .param("org", org.value())
                .param("ws", ws.value())
                .param("cutoff", Timestamp.from(cutoff))
                .update();
        return erased;
    }

    private static Head head(ResultSet rs, int n) throws SQLException {
        String user = rs.getString(3);
        return new Head(
                new ConversationId(rs.getString(1)),
                rs.getString(2),
                user == null ? null : new UserId(user),
                new KeyId(rs.getString(4)),
                rs.getString(5),
                rs.getInt(6));
    }

    private static ConversationSummary summary(ResultSet rs, int n) throws SQLException {
        String user = rs.getString(5);
        return new ConversationSummary(
                new ConversationId(rs.getString(1)),
                new WorkspaceId(rs.getString(2)),
                rs.getString(3),
                rs.getString(4),
                user == null ? null : new UserId(user),
                new KeyId(rs.getString(6)),
                rs.getInt(7),
                rs.getTimestamp(8).toInstant(),
                rs.getTimestamp(9).toInstant());
    }
}
