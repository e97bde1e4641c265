package dev.atrium.mail;

import dev.atrium.common.MailSettings;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.mail.internal.MailDelivery;
import dev.atrium.mail.internal.Outbox;
import dev.atrium.organization.OrgAccess;
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

    Mail(MailSettings settings, Outbox outbox, MailDelivery delivery) {
        this.settings = settings;
        this.outbox = outbox;
        this.delivery = delivery;
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

    /** Sends what is due now (the background sender does this on every node); returns how many were attempted. */
    public int deliverDue(int limit) {
        return delivery.deliverDue(limit);
    }
}
