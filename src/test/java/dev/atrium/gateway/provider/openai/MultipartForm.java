package dev.atrium.gateway.provider.openai;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict little multipart/form-data reader, as the fake upstream's server side. */
final class MultipartForm {
    private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"");

    record Part(String name, String filename, String contentType, byte[] bytes) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    static Map<String, Part> parse(String contentType, byte[] body) {
        if (!contentType.startsWith("multipart/form-data; boundary=")) {
            throw new AssertionError("not multipart: " + contentType);
        }
        String boundary = contentType.substring("multipart/form-data; boundary=".length());
        // ISO-8859-1 maps bytes one to one, so offsets in the string are offsets in the body.
        String raw = new String(body, StandardCharsets.ISO_8859_1);
        String delimiter = "--" + boundary;
        if (!raw.startsWith(delimiter + "\r\n") || !raw.endsWith("\r\n" + delimiter + "--\r\n")) {
            throw new AssertionError("bad multipart framing");
        }
        Map<String, Part> parts = new LinkedHashMap<>();
        int at = delimiter.length() + 2;
        while (true) {
            int end = raw.indexOf("\r\n" + delimiter, at);
            String part = raw.substring(at, end);
            int split = part.indexOf("\r\n\r\n");
            String head =
                    new String(part.substring(0, split).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            byte[] content = part.substring(split + 4).getBytes(StandardCharsets.ISO_8859_1);
            String disposition = null;
            String type = null;
            for (String line : head.split("\r\n")) {
                if (line.startsWith("Content-Disposition: form-data;")) {
                    disposition = line;
                } else if (line.startsWith("Content-Type: ")) {
                    type = line.substring("Content-Type: ".length());
                } else {
                    throw new AssertionError("unexpected part header: " + line);
                }
            }
            Matcher name = NAME.matcher(disposition);
            Matcher filename = FILENAME.matcher(disposition);
            name.find();
            String n = name.group(1);
            parts.put(n, new Part(n, filename.find() ? filename.group(1) : null, type, content));
            at = end + 2 + delimiter.length();
            if (raw.startsWith("--", at)) {
                return parts;
            }
            at += 2;
        }
    }
}
