package dev.atrium.gateway.provider.openai;

import java.io.IOException;
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

    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);

    private final int maxEventBytes;
    private byte[] line = new byte[512];
    private int length;
    private boolean afterCr;
    /** The event's data while it has one line (the usual case): no builder needed. */
    private @Nullable String firstData;

    private @Nullable StringBuilder data;
    private String type = "message";

    SseParser(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    /**
     * The events completed by {@code bytes[offset, offset + count)}. A line that lies whole in
     * the given bytes is decoded from them in place; only a line split between reads is copied.
     */
    List<Event> feed(byte[] bytes, int offset, int count) throws IOException {
        List<Event> events = new ArrayList<>(2);
        int end = offset + count;
        int i = offset;
        if (afterCr && i < end) {
            afterCr = false;
            if (bytes[i] == '\n') {
                i++;
            }
        }
        int lineStart = i;
        for (; i < end; i++) {
            byte b = bytes[i];
            if (b != '\r' && b != '\n') {
                continue;
            }
            if (length > 0) {
                append(bytes, lineStart, i - lineStart);
                endLine(line, 0, length, events);
                length = 0;
            } else {
                if (i - lineStart > maxEventBytes) {
                    throw new IOException("event stream line longer than " + maxEventBytes + " bytes");
                }
                endLine(bytes, lineStart, i - lineStart, events);
            }
            if (b == '\r') {
                if (i + 1 < end) {
                    if (bytes[i + 1] == '\n') {
                        i++;
                    }
                } else {
                    afterCr = true;
                }
            }
            lineStart = i + 1;
        }
        if (lineStart < end) {
            append(bytes, lineStart, end - lineStart);
        }
        return events;
    }

    /** At the end of the stream: what is left, leniently taken as a last event even without a blank line. */
    List<Event> finish() throws IOException {
        List<Event> events = new ArrayList<>(1);
        if (length > 0) {
            endLine(line, 0, length, events);
            length = 0;
        }
        dispatch(events);
        return events;
    }

    private void append(byte[] bytes, int from, int count) throws IOException {
        if (length + count > line.length) {
            if (length + count > maxEventBytes) {
                throw new IOException("event stream line longer than " + maxEventBytes + " bytes");
            }
            line = Arrays.copyOf(line, Math.min(maxEventBytes, Math.max(length + count, line.length * 2)));
        }
        System.arraycopy(bytes, from, line, length, count);
        length += count;
    }

    private void endLine(byte[] bytes, int from, int count, List<Event> events) throws IOException {
        if (count == 0) {
            dispatch(events);
            return;
        }
        if (bytes[from] == ':') {
            return;
        }
        int colon = -1;
        for (int i = from; i < from + count; i++) {
            if (bytes[i] == ':') {
                colon = i;
                break;
            }
        }
        int fieldEnd = colon < 0 ? from + count : colon;
        int valueStart = colon < 0 ? from + count : colon + 1;
        if (valueStart < from + count && bytes[valueStart] == ' ') {
            valueStart++;
        }
        int valueLength = from + count - valueStart;
        if (is(bytes, from, fieldEnd, DATA)) {
            String value = new String(bytes, valueStart, valueLength, StandardCharsets.UTF_8);
            if (data == null && firstData == null) {
                firstData = value;
                return;
            }
            StringBuilder d = data;
            if (d == null) {
                d = data = new StringBuilder(firstData);
                firstData = null;
            }
            if (d.length() + 1 + value.length() > maxEventBytes) {
                throw new IOException("event stream event longer than " + maxEventBytes + " bytes");
            }
            d.append('\n').append(value);
        } else if (is(bytes, from, fieldEnd, EVENT)) {
            type = new String(bytes, valueStart, valueLength, StandardCharsets.UTF_8);
        }
        // id, retry and unknown fields do not matter to a chat stream
    }

    private static boolean is(byte[] bytes, int from, int to, byte[] name) {
        return Arrays.equals(bytes, from, to, name, 0, name.length);
    }

    private void dispatch(List<Event> events) {
        if (firstData != null) {
            events.add(new Event(type, firstData));
        } else if (data != null) {
            events.add(new Event(type, data.toString()));
        }
        firstData = null;
        data = null;
        type = "message";
    }
}
