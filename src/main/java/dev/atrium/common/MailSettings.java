package dev.atrium.common;

import java.util.Locale;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The server's SMTP settings, from the environment ({@code ATRIUM_SMTP_HOST}, {@code _PORT},
 * {@code _USERNAME}, {@code _PASSWORD}, {@code _STARTTLS}, {@code ATRIUM_MAIL_FROM}). Without a host
 * Atrium sends no email and the console says that invitation links must be handed over by hand. The
 * password is configuration only: it is never stored in the database nor shown.
 */
@Component
public class MailSettings {
    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final boolean starttls;
    private final String from;
    private final String publicUrl;

    MailSettings(
            @Value("${atrium.smtp.host:}") String host,
            @Value("${atrium.smtp.port:587}") int port,
            @Value("${atrium.smtp.username:}") String username,
            @Value("${atrium.smtp.password:}") String password,
            @Value("${atrium.smtp.starttls:true}") boolean starttls,
            @Value("${atrium.mail.from:}") String from,
            @Value("${atrium.public-url:}") String publicUrl) {
        this.host = host.strip();
        this.port = port;
        this.username = username.strip();
        this.password = password;
        this.starttls = starttls;
        this.from = from.isBlank() ? "atrium@" + (this.host.isEmpty() ? "localhost" : this.host) : from.strip();
        this.publicUrl = publicUrl.strip().replaceAll("/+$", "");
    }

    /** True when an SMTP host is set: email is sent. */
    public boolean configured() {
        return !host.isEmpty();
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String username() {
        return username;
    }

    /** For the mail sender only; never shown, logged or stored. */
    public String password() {
        return password;
    }

    public boolean starttls() {
        return starttls;
    }

    public String from() {
        return from;
    }

    /** The server's public base URL for links in email ({@code ATRIUM_PUBLIC_URL}), empty when unset. */
    public String publicUrl() {
        return publicUrl;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "MailSettings[host=%s, port=%d, from=%s]", host, port, from);
    }
}
