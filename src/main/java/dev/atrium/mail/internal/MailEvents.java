package dev.atrium.mail.internal;

import dev.atrium.common.MailSettings;
import dev.atrium.common.OrgId;
import dev.atrium.identity.SignInDelayed;
import dev.atrium.identity.SignedInFromNewDevice;
import dev.atrium.ledger.AlertFired;
import dev.atrium.organization.InvitationIssued;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * Turns events into queued email, synchronously inside the transaction that publishes them: an
 * invitation's message commits with the invitation, an alert's with its firing. Nothing is queued
 * while no SMTP host is configured.
 */
@Component
class MailEvents {
    private static final Logger log = LoggerFactory.getLogger(MailEvents.class);
    private static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final MailSettings settings;
    private final MailTemplates templates;
    private final Outbox outbox;
    private final Recipients recipients;
    private final Clock clock;

    MailEvents(MailSettings settings, MailTemplates templates, Outbox outbox, Recipients recipients, Clock clock) {
        this.settings = settings;
        this.templates = templates;
        this.outbox = outbox;
        this.recipients = recipients;
        this.clock = clock;
    }

    @EventListener
    @Transactional
    public void on(InvitationIssued e) {
        if (!settings.configured()) return;
        String base = baseUrl();
        Map<String, Object> model = new HashMap<>();
        model.put("organization", e.organizationName());
        model.put("role", e.role().wire());
        model.put("email", e.email());
        model.put("link", (base == null ? "" : base) + "/invitations/accept?token=" + e.token());
        model.put("expiresAt", WHEN.format(e.expiresAt()));
        model.put("resent", e.resent());
        queue(e.org(), "invitation", "invitation", e.email(), model, null, "Invitation to " + e.organizationName());
    }

    @EventListener
    @Transactional
    public void on(AlertFired e) {
        if (!settings.configured()) return;
        boolean pool = e.workspace() == null;
        String base = baseUrl();
        for (Recipients.Person p : recipients.forAlert(e.org(), e.workspace())) {
            Map<String, Object> model = new HashMap<>(e.details());
            model.put("name", p.name());
            model.put("link", base == null ? null : base + "/orgs/" + e.org().value() + "/credits");
            queue(
                    e.org(),
                    e.event(),
                    pool ? "alert-pool-low" : "alert-threshold",
                    p.email(),
                    model,
                    null,
                    pool ? "Pool below its alert mark" : "Budget alert");
        }
    }

    /** An account (not only an address or device) came under a sign-in delay: its owner hears of it, at most hourly. */
    @EventListener
    @Transactional
    public void on(SignInDelayed e) {
        if (!settings.configured() || e.user() == null || !"account".equals(e.scope())) return;
        var account = recipients.account(e.user()).orElse(null);
        if (account == null) return;
        Map<String, Object> model = new HashMap<>();
        model.put("name", account.person().name());
        model.put("email", account.person().email());
        model.put("address", e.address());
        model.put("failures", e.failures());
        model.put("until", WHEN.format(e.until()));
        queue(
                account.org(),
                "sign_in.delayed",
                "sign-in-delayed",
                account.person().email(),
                model,
                "sign_in.delayed:" + e.user().value() + ":" + hour(clock.instant()),
                "Sign-in attempts delayed");
    }

    /** A sign-in from a client not seen before: at most one notice per user, address and day. */
    @EventListener
    @Transactional
    public void on(SignedInFromNewDevice e) {
        if (!settings.configured()) return;
        var account = recipients.account(e.user()).orElse(null);
        if (account == null) return;
        Map<String, Object> model = new HashMap<>();
        model.put("name", account.person().name());
        model.put("email", account.person().email());
        model.put("address", e.address());
        model.put("at", WHEN.format(e.at()));
        queue(
                account.org(),
                "sign_in.new_device",
                "sign-in-new-device",
                account.person().email(),
                model,
                "sign_in.new_device:" + e.user().value() + ":" + e.address() + ":"
                        + e.at().truncatedTo(ChronoUnit.DAYS),
                "New sign-in");
    }

    private void queue(
            OrgId org,
            String kind,
            String template,
            String recipient,
            Map<String, Object> model,
            @Nullable String dedupKey,
            String fallbackSubject) {
        Instant now = clock.instant();
        Rendered message;
        try {
            message = templates.render(template, model);
        } catch (RuntimeException ex) {
            // A broken operator template must not undo the invitation or alert: the message shows as failed.
            log.warn("mail template {} could not be rendered", template, ex);
            outbox.failedToPrepare(
                    org, kind, recipient, fallbackSubject, "template " + template + ": " + ex.getMessage(), now);
            return;
        }
        outbox.enqueue(org, new Outbox.Draft(kind, recipient, message, dedupKey), now);
    }

    /** Links point at ATRIUM_PUBLIC_URL, else at the server the current request came to; null in a background job without it. */
    private @Nullable String baseUrl() {
        if (!settings.publicUrl().isEmpty()) return settings.publicUrl();
        if (RequestContextHolder.getRequestAttributes() == null) return null;
        try {
            return ServletUriComponentsBuilder.fromCurrentContextPath().toUriString();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private static String hour(Instant at) {
        return at.truncatedTo(ChronoUnit.HOURS).toString();
    }
}
