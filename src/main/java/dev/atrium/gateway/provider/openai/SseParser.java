package dev.atrium.gateway.provider.openai;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Server-sent events from bytes as they arrive: lines end with LF, CRLF or CR (even when split
 * between pieces), {@code data:} lines accumulate until a blank line dispatches the event,
 * comments ({@code :keep-alive}) and other fields are skipped. Lines are split on bytes before
 * decoding, so a UTF-8 character cut between two pieces decodes correctly.
 */
final class SseParser {

    /** One event: its type ({@code message} unless an {@code event:} field said otherwise) and data. */
    record Event(String type, String data) {}

    private final int maxEventBytes;
    private byte[] line = new byte[512];
    private int length;
    private boolean afterCr;
    private @Nullable StringBuilder data;
    private String type = "message";

    SseParser(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    /** The events completed by {@code bytes}. */
    List<Event> feed(ByteBuffer bytes) throws IOException {
        List<Event> events = new ArrayList<>(2);
        while (bytes.hasRemaining()) {
            byte b = bytes.get();
            if (afterCr) {
                afterCr = false;
                if (b == '\n') {
                    continue;
                }
            }
            if (b == '\r' || b == '\n') {
                afterCr = b == '\r';
                endLine(events);
            } else {
                append(b);
            }
        }
        return events;
    }

    /** At the end of the stream: what is left, leniently taken as a last event even without a blank line. */
    List<Event> finish() throws IOException {
        List<Event> events = new ArrayList<>(1);
        if (length > 0) {
            endLine(events);
        }
        dispatch(events);
        return events;
    }

    private void append(byte b) throws IOException {
        if (length == line.length) {
            if (length >= maxEventBytes) {
                throw new IOException("event stream line longer than " + maxEventBytes + " bytes");
            }
            line = Arrays.copyOf(line, Math.min(maxEventBytes, length * 2));
        }
        line[length++] = b;
    }

    private void endLine(List<Event> events) throws IOException {
        String text = new String(line, 0, length, StandardCharsets.UTF_8);
        length = 0;
        if (text.isEmpty()) {
            dispatch(events);
            return;
        }
        if (text.charAt(0) == ':') {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                StringBuilder d = data == null ? (data = new StringBuilder()) : data;
                if (d.length() + value.length() > maxEventBytes) {
                    throw new IOException("event stream event longer than " + maxEventBytes + " bytes");
                }
                d.append(value).append('\n');
            }
            case "event" -> type = value;
            default -> {
                // id, retry and unknown fields do not matter to a chat stream
            }
        }
    }

    private void dispatch(List<Event> events) {
        StringBuilder d = data;
        if (d != null) {
            d.setLength(Math.max(0, d.length() - 1));
            events.add(new Event(type, d.toString()));
        }
        data = null;
        type = "message";
    }
}
