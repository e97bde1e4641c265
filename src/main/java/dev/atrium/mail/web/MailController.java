package dev.atrium.mail.web;

import dev.atrium.common.OrgId;
import dev.atrium.common.Page;
import dev.atrium.common.PageRequest;
import dev.atrium.identity.Caller;
import dev.atrium.mail.Mail;
import dev.atrium.mail.MailMessage;
import dev.atrium.organization.Access;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET …/mail/messages}: the organization's recent email (owners and admins), newest first, with
 * whether this server sends email at all. Lists recipients, subjects and outcomes, never bodies.
 */
@RestController
class MailController {
    static final String BY_HAND =
            "Email is not configured on this server (ATRIUM_SMTP_HOST): share invitation links by hand.";

    private final Access access;
    private final Mail mail;

    MailController(Access access, Mail mail) {
        this.access = access;
        this.mail = mail;
    }

    /** One message as listed. */
    record MessageView(
            String id,
            String kind,
            String recipient,
            String subject,
            String status,
            int attempts,
            @Nullable String lastError,
            Instant createdAt,
            @Nullable Instant nextAttemptAt,
            @Nullable Instant sentAt) {
        static MessageView of(MailMessage m) {
            return new MessageView(
                    m.id(),
                    m.kind(),
                    m.recipient(),
                    m.subject(),
                    m.status().wire(),
                    m.attempts(),
                    m.lastError(),
                    m.createdAt(),
                    m.nextAttemptAt(),
                    m.sentAt());
        }
    }

    /** A page of messages, and whether email is sent at all ({@code note} says what to do when it is not). */
    record MessagesResponse(
            boolean smtpConfigured,
            String from,
            @Nullable String note,
            List<MessageView> data,
            boolean hasMore,
            @Nullable String next) {}

    @GetMapping("/api/v1/organizations/{org}/mail/messages")
    MessagesResponse list(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @RequestParam(required = false) @Nullable Integer limit,
            @RequestParam(required = false) @Nullable String after) {
        var a = access.to(caller, OrgId.parse(org));
        Page<MailMessage> page = mail.messages(a, PageRequest.of(limit, after));
        Mail.Status status = mail.status();
        return new MessagesResponse(
                status.smtpConfigured(),
                status.from(),
                status.smtpConfigured() ? null : BY_HAND,
                page.data().stream().map(MessageView::of).toList(),
                page.hasMore(),
                page.next());
    }
}
