package dev.atrium.mail.internal;

import dev.atrium.common.Ids;
import dev.atrium.common.OrgId;
import dev.atrium.common.PageRequest;
import dev.atrium.mail.MailMessage;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** The {@code mail_outbox} table: messages queued with their event, claimed and settled by the sender. */
@Component
public class Outbox {
    private static final int MAX_ERROR = 500;
    private final JdbcClient jdbc;

    Outbox(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A message to queue: the rendered subject and bodies for one recipient. */
    public record Draft(
            String kind,
            String recipient,
            Rendered message,
            @Nullable String dedupKey) {}

    /**
     * Queues a message in the caller's transaction; false when a message with the same
     * {@code dedupKey} is already queued or sent for the organization.
     */
    public boolean enqueue(OrgId org, Draft d, Instant now) {
        return jdbc.sql("""
                        INSERT INTO mail_outbox (org_id, id, kind, recipient, subject, body_text, body_html, dedup_key,
                                                 status, next_attempt_at, created_at)
                        VALUES (:org, :id, :kind, :to, :subject, :text, :html, :dedup, 'pending', :now, :now)
                        ON CONFLICT DO NOTHING
                        """)
                        .param("org", org.value())
                        .param("id", Ids.next("mail_"))
                        .param("kind", d.kind())
                        .param("to", d.recipient())
                        .param("subject", d.message().subject())
                        .param("text", d.message().text())
                        .param("html", d.message().html())
                        .param("dedup", d.dedupKey())
                        .param("now", Timestamp.from(now))
                        .update()
                == 1;
    }

    /** Records a message that could not even be prepared (a broken template), so that it shows as failed. */
    public void failedToPrepare(OrgId org, String kind, String recipient, String subject, String error, Instant now) {
        jdbc.sql("""
                        INSERT INTO mail_outbox (org_id, id, kind, recipient, subject, status, next_attempt_at, last_error,
                                                 created_at)
                        VALUES (:org, :id, :kind, :to, :subject, 'failed', :now, :error, :now)
                        """)
                .param("org", org.value())
                .param("id", Ids.next("mail_"))
                .param("kind", kind)
                .param("to", recipient)
                .param("subject", subject)
                .param("error", clip(error))
                .param("now", Timestamp.from(now))
                .update();
    }

    /** A message claimed for sending. */
    public record Due(
            String org,
            String id,
            String recipient,
            String subject,
            String text,
            @Nullable String html,
            int attempts) {}

    /**
     * Claims up to {@code limit} due messages for this node: rows locked by another node's claim are
     * skipped, and a claimed row's next attempt moves to {@code lease}, so no other node takes it
     * while it is being sent. A node that dies mid-send leaves the row to be retried after the lease.
     */
    public List<Due> claim(int limit, Instant now, Instant lease) {
        return jdbc.sql("""
                        UPDATE mail_outbox SET next_attempt_at = :lease
                        WHERE (org_id, id) IN (
                          SELECT org_id, id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= :now
                          ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED)
                        RETURNING org_id, id, recipient, subject, body_text, body_html, attempts
                        """)
                .param("lease", Timestamp.from(lease))
                .param("now", Timestamp.from(now))
                .param("limit", limit)
                .query((rs, n) -> new Due(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getInt(7)))
                .list();
    }

    /** The message went out: its bodies are erased; an earlier attempt's error stays visible. */
    public void sent(Due d, Instant now) {
        jdbc.sql("""
                        UPDATE mail_outbox SET status = 'sent', attempts = attempts + 1, sent_at = :now,
                          body_text = NULL, body_html = NULL
                        WHERE org_id = :org AND id = :id AND status = 'pending'
                        """)
                .param("now", Timestamp.from(now))
                .param("org", d.org())
                .param("id", d.id())
                .update();
    }

    /** An attempt failed: retried at {@code retryAt}, or given up for good (bodies erased) when {@code last}. */
    public void attemptFailed(Due d, String error, Instant retryAt, boolean last) {
        jdbc.sql("""
                        UPDATE mail_outbox SET attempts = attempts + 1, last_error = :error, next_attempt_at = :next,
                          status = CASE WHEN :last THEN 'failed' ELSE 'pending' END,
                          body_text = CASE WHEN :last THEN NULL ELSE body_text END,
                          body_html = CASE WHEN :last THEN NULL ELSE body_html END
                        WHERE org_id = :org AND id = :id AND status = 'pending'
                        """)
                .param("error", clip(error))
                .param("next", Timestamp.from(retryAt))
                .param("last", last)
                .param("org", d.org())
                .param("id", d.id())
                .update();
    }

    /** The organization's messages, newest first. */
    public List<MailMessage> recent(OrgId org, PageRequest page) {
        return jdbc.sql("""
                        SELECT id, kind, recipient, subject, status, attempts, last_error, created_at, next_attempt_at, sent_at
                        FROM mail_outbox WHERE org_id = :org AND (CAST(:after AS text) IS NULL OR id < :after)
                        ORDER BY id DESC LIMIT :limit
                        """)
                .param("org", org.value())
                .param("after", page.after())
                .param("limit", page.fetchSize())
                .query(Outbox::message)
                .list();
    }

    private static MailMessage message(ResultSet rs, int n) throws SQLException {
        var status = MailMessage.Status.parse(rs.getString("status"));
        Timestamp sent = rs.getTimestamp("sent_at");
        return new MailMessage(
                rs.getString("id"),
                rs.getString("kind"),
                rs.getString("recipient"),
                rs.getString("subject"),
                status,
                rs.getInt("attempts"),
                rs.getString("last_error"),
                rs.getTimestamp("created_at").toInstant(),
                status == MailMessage.Status.PENDING
                        ? rs.getTimestamp("next_attempt_at").toInstant()
                        : null,
                sent == null ? null : sent.toInstant());
    }

    private static String clip(String s) {
        return s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR);
    }
}
