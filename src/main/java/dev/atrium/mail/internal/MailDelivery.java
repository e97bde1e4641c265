package dev.atrium.mail.internal;

import dev.atrium.common.MailSettings;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.stereotype.Component;

/**
 * Sends due messages of the outbox over SMTP (Spring's {@link JavaMailSenderImpl} on Jakarta Mail):
 * claims a batch, sends each, records sent, or the failure and the next attempt after an exponential
 * backoff ({@code atrium.mail.backoff}, doubled each time), giving up after
 * {@code atrium.mail.max-attempts}. Each claim commits on its own, before any message is sent, so
 * no transaction stays open while a mail server answers.
 */
@Component
public class MailDelivery {
    private static final Logger log = LoggerFactory.getLogger(MailDelivery.class);

    private final MailSettings settings;
    private final Outbox outbox;
    private final Clock clock;
    private final int maxAttempts;
    private final Duration backoff;
    private final Duration lease;
    private final @Nullable JavaMailSenderImpl sender;

    MailDelivery(
            MailSettings settings,
            Outbox outbox,
            Clock clock,
            @Value("${atrium.mail.max-attempts:8}") int maxAttempts,
            @Value("${atrium.mail.backoff:PT30S}") Duration backoff,
            @Value("${atrium.mail.lease:PT5M}") Duration lease,
            @Value("${atrium.mail.timeout:PT20S}") Duration timeout) {
        this.settings = settings;
        this.outbox = outbox;
        this.clock = clock;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.lease = lease;
        this.sender = settings.configured() ? sender(settings, timeout) : null;
    }

    private static JavaMailSenderImpl sender(MailSettings s, Duration timeout) {
        JavaMailSenderImpl mail = new JavaMailSenderImpl();
        mail.setHost(s.host());
        mail.setPort(s.port());
        mail.setDefaultEncoding(StandardCharsets.UTF_8.name());
        Properties p = mail.getJavaMailProperties();
        p.put("mail.transport.protocol", "smtp");
        p.put("mail.smtp.starttls.enable", Boolean.toString(s.starttls()));
        p.put("mail.smtp.starttls.required", Boolean.toString(s.starttls()));
        String millis = Long.toString(timeout.toMillis());
        p.put("mail.smtp.connectiontimeout", millis);
        p.put("mail.smtp.timeout", millis);
        p.put("mail.smtp.writetimeout", millis);
        if (!s.username().isEmpty()) {
            mail.setUsername(s.username());
            mail.setPassword(s.password());
            p.put("mail.smtp.auth", "true");
        }
        return mail;
    }

    /** Sends up to {@code limit} due messages; returns how many were attempted. Safe on several nodes at once. */
    public int deliverDue(int limit) {
        if (sender == null) return 0;
        Instant now = clock.instant();
        List<Outbox.Due> due = outbox.claim(limit, now, now.plus(lease));
        for (Outbox.Due d : due) {
            send(sender, d);
        }
        return due.size();
    }

    private void send(JavaMailSenderImpl mail, Outbox.Due d) {
        String error;
        try {
            MimeMessage message = mail.createMimeMessage();
            MimeMessageHelper helper = new MimeMessageHelper(message, d.html() != null, "UTF-8");
            helper.setFrom(new InternetAddress(settings.from(), true));
            helper.setTo(new InternetAddress(d.recipient(), true));
            helper.setSubject(d.subject());
            if (d.html() != null) {
                helper.setText(d.text(), d.html());
            } else {
                helper.setText(d.text(), false);
            }
            message.setHeader("X-Atrium-Message-Id", d.id());
            mail.send(message);
            outbox.sent(d, clock.instant());
            return;
        } catch (MailException | MessagingException e) {
            error = describe(e);
        } catch (RuntimeException e) {
            error = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        int attempts = d.attempts() + 1;
        boolean last = attempts >= maxAttempts;
        Instant retryAt = clock.instant().plus(backoff.multipliedBy(1L << Math.min(attempts - 1, 16)));
        log.info(
                "mail {} to {} failed (attempt {}{}): {}",
                d.id(),
                d.recipient(),
                attempts,
                last ? ", giving up" : "",
                error);
        outbox.attemptFailed(d, error, retryAt, last);
    }

    /** The failure as the outbox shows it: the exception and its deepest cause, never the credentials. */
    private static String describe(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String top = e.getClass().getSimpleName() + ": " + firstLine(e.getMessage());
        return root == e
                ? top
                : top + " (" + root.getClass().getSimpleName() + ": " + firstLine(root.getMessage()) + ")";
    }

    private static String firstLine(@Nullable String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
