package dev.atrium.support;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A real SMTP server (GreenMail) on a fixed local port, which can be stopped (connections refused)
 * and started again on the same port, and the mail it received, read back as plain records.
 */
public final class SmtpServer implements AutoCloseable {
    private final int port;
    private @Nullable GreenMail server;

    public SmtpServer() {
        this.port = freePort();
    }

    public int port() {
        return port;
    }

    public synchronized SmtpServer start() {
        if (server == null) {
            server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
            server.start();
        }
        return this;
    }

    /** Stops the server: until {@link #start()}, connections to the port are refused. Received mail is forgotten. */
    public synchronized void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** One received message: its recipients, subject, plain text and HTML parts. */
    public record Received(
            List<String> to,
            String from,
            String subject,
            String text,
            @Nullable String html) {}

    public synchronized List<Received> received() {
        if (server == null) return List.of();
        List<Received> out = new ArrayList<>();
        for (MimeMessage m : server.getReceivedMessages()) out.add(read(m));
        return out;
    }

    /** Messages received for one address. */
    public List<Received> receivedBy(String address) {
        return received().stream().filter(r -> r.to().contains(address)).toList();
    }

    private static Received read(MimeMessage m) {
        try {
            List<String> to =
                    Arrays.stream(m.getAllRecipients()).map(Address::toString).toList();
            String[] parts = new String[2];
            collect(m.getContent(), m.getContentType(), parts);
            return new Received(
                    to, m.getFrom()[0].toString(), m.getSubject(), parts[0] == null ? "" : parts[0], parts[1]);
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void collect(Object content, String type, String[] parts) throws MessagingException, IOException {
        if (content instanceof Multipart mp) {
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart p = mp.getBodyPart(i);
                collect(p.getContent(), p.getContentType(), parts);
            }
        } else if (content instanceof String s) {
            if (type.toLowerCase(java.util.Locale.ROOT).startsWith("text/html")) {
                parts[1] = s;
            } else if (parts[0] == null) {
                parts[0] = s;
            }
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
