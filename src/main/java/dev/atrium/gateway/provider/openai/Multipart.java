package dev.atrium.gateway.provider.openai;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/** A {@code multipart/form-data} body built in memory (uploads are bounded by the gateway's limit). */
final class Multipart {
    private final String boundary;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Multipart() {
        byte[] random = new byte[16];
        ThreadLocalRandom.current().nextBytes(random);
        boundary = "atrium-" + HexFormat.of().formatHex(random);
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    Multipart field(String name, String value) {
        head("form-data; name=\"" + quoted(name) + "\"", null);
        write(value.getBytes(StandardCharsets.UTF_8));
        write(crlf());
        return this;
    }

    Multipart file(String name, String filename, String contentType, byte[] bytes) {
        head("form-data; name=\"" + quoted(name) + "\"; filename=\"" + quoted(filename) + "\"", contentType);
        write(bytes);
        write(crlf());
        return this;
    }

    byte[] finish() {
        write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private void head(String disposition, @Nullable String contentType) {
        var head = new StringBuilder()
                .append("--")
                .append(boundary)
                .append("\r\nContent-Disposition: ")
                .append(disposition)
                .append("\r\n");
        if (contentType != null) {
            head.append("Content-Type: ")
                    .append(contentType.replaceAll("[\\r\\n]", ""))
                    .append("\r\n");
        }
        head.append("\r\n");
        write(head.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Escapes as browsers do (WHATWG): a name or filename cannot end the quoted string or the header. */
    private static String quoted(String value) {
        return value.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static byte[] crlf() {
        return new byte[] {'\r', '\n'};
    }

    private void write(byte[] bytes) {
        out.write(bytes, 0, bytes.length);
    }
}
