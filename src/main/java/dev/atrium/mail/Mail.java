package dev.atrium.mail;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.MailSettings;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.mail.internal.Digests;
import dev.atrium.mail.internal.MailDelivery;
import dev.atrium.mail.internal.Outbox;
import dev.atrium.mail.internal.WeeklyDigests;
import dev.atrium.organization.OrgAccess;
import dev.atrium.workspace.WorkspaceAccess;
import java.time.Clock;
import java.util.Map;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Email of an organization: whether this server sends any, and its outbox of recent messages (owners
 * and admins only). Messages are queued by the events they tell about and sent in the background.
 */
@Service
public class Mail {
    private final MailSettings settings;
    private final Outbox outbox;
    private final MailDelivery delivery;
    private final Digests digests;
    private final WeeklyDigests weekly;
    private final AuditLog audit;
    private final Clock clock;

    Mail(
            MailSettings settings,
            Outbox outbox,
            MailDelivery delivery,
            Digests digests,
            WeeklyDigests weekly,
            AuditLog audit,
            Clock clock) {
        this.settings = settings;
        this.outbox = outbox;
        this.delivery = delivery;
        this.digests = digests;
        this.weekly = weekly;
        this.audit = audit;
        this.clock = clock;
    }

    /** What the console and API say about email on this server; never the password. */
    public record Status(boolean smtpConfigured, String from) {}

    public Status status() {
        return new Status(settings.configured(), settings.configured() ? settings.from() : "");
    }

    /** The organization's messages, newest first; owners and admins only. */
    @Transactional(readOnly = true)
    public Page<MailMessage> messages(OrgAccess access, PageRequest page) {
        access.requireMember().requireAdmin();
        return Page.of(outbox.recent(access.org(), page), page, MailMessage::id);
    }

    /** Whether the workspace's admins get a weekly usage digest by email; anyone who may manage the workspace may ask. */
    @Transactional(readOnly = true)
    public boolean weeklyDigest(WorkspaceAccess access) {
        access.requireManage();
        return digests.weekly(access.org().org(), access.workspace().id());
    }

    /** Turns the workspace's weekly digest on or off (workspace admins, org owners and admins); audited. */
    @Transactional
    public boolean setWeeklyDigest(WorkspaceAccess access, boolean on) {
        access.requireManage();
        var org = access.org().org();
        var ws = access.workspace().id();
        boolean before = digests.weekly(org, ws);
        digests.setWeekly(org, ws, on, clock.instant());
        if (before != on) {
            audit.record(
                    org,
                    access.org().caller(),
                    "workspace.mail_digest_updated",
                    "workspace",
                    ws.value(),
                    Map.of("weekly", before),
                    Map.of("weekly", on));
        }
        return on;
    }

    /** Queues the last full week's digests not queued yet (the background job does this hourly on every node). */
    public int queueWeeklyDigests() {
        return weekly.queueDue();
    }

    /** Sends what is due now (the background sender does this on every node); returns how many were attempted. */
    public int deliverDue(int limit) {
        return delivery.deliverDue(limit);
    }
}
