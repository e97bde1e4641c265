package dev.atrium.gateway.provider.demo;

import dev.atrium.common.ApiException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * RIFF/WAVE files. The demo writes 16-bit mono PCM: {@code fmt }, {@code data}, then a
 * {@code LIST}/{@code INFO} chunk whose {@code ISFT} (software) names {@value #SOFTWARE} and whose
 * {@code ICMT} (comment) holds the spoken text in UTF-8 with one NUL terminator. The metadata comes
 * after the samples so that the canonical 44-byte header still leads the file for naive readers.
 */
final class Wav {
    static final String SOFTWARE = "Atrium demo speech";

    private Wav() {}

    /** What a WAV file says about itself; {@code software} and {@code comment} come from its INFO list. */
    record Info(
            int format,
            int channels,
            int sampleRate,
            int bitsPerSample,
            long dataBytes,
            double seconds,
            @Nullable String software,
            @Nullable String comment) {

        /** The text the demo spoke into this file, if the demo wrote it. */
        @Nullable
        String demoText() {
            return SOFTWARE.equals(software) ? comment : null;
        }
    }

    static byte[] write(int sampleRate, byte[] pcm16Mono, String comment) {
        byte[] software = zstr(SOFTWARE);
        byte[] text = zstr(comment);
        int info = 4 + padded(8 + software.length) + padded(8 + text.length);
        ByteBuffer out = le(12 + (8 + 16) + padded(8 + pcm16Mono.length) + (8 + info));
        out.put(ascii("RIFF")).putInt(out.capacity() - 8).put(ascii("WAVE"));
        out.put(ascii("fmt ")).putInt(16).putShort((short) 1).putShort((short) 1); // PCM, mono
        out.putInt(sampleRate).putInt(sampleRate * 2).putShort((short) 2).putShort((short) 16);
        out.put(ascii("data")).putInt(pcm16Mono.length).put(pcm16Mono);
        if ((pcm16Mono.length & 1) == 1) out.put((byte) 0);
        out.put(ascii("LIST")).putInt(info).put(ascii("INFO"));
        out.put(ascii("ISFT")).putInt(software.length).put(software);
        if ((software.length & 1) == 1) out.put((byte) 0);
        out.put(ascii("ICMT")).putInt(text.length).put(text);
        return out.array(); // a pad byte after an odd ICMT is already zero
    }

    private static int padded(int size) {
        return size + (size & 1);
    }

    /** Reads the chunks of a RIFF/WAVE file; anything that is not one is refused as an invalid {@code file}. */
    static Info read(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (!isWav(bytes)) throw invalid("The file is not a WAV file.");
        int format = -1, channels = 0, sampleRate = 0, byteRate = 0, bits = 0;
        long dataBytes = -1;
        String software = null, comment = null;
        int offset = 12;
        while (offset <= bytes.length - 8) {
            String id = new String(bytes, offset, 4, StandardCharsets.US_ASCII);
            long size = Integer.toUnsignedLong(in.getInt(offset + 4));
            int start = offset + 8;
            int available = bytes.length - start;
            if (id.equals("data")) {
                // A streamed WAV may claim more samples than it holds, or 0xFFFFFFFF: count what is there.
                dataBytes = Math.min(size, available);
            } else if (size > available) {
                break;
            } else if (id.equals("fmt ") && size >= 16) {
                format = Short.toUnsignedInt(in.getShort(start));
                channels = Short.toUnsignedInt(in.getShort(start + 2));
                sampleRate = in.getInt(start + 4);
                byteRate = in.getInt(start + 8);
                bits = Short.toUnsignedInt(in.getShort(start + 14));
            } else if (id.equals("LIST") && size >= 4 && ascii(bytes, start, 4).equals("INFO")) {
                for (int sub = start + 4; sub <= start + size - 8; ) {
                    String subId = ascii(bytes, sub, 4);
                    long subSize = Integer.toUnsignedLong(in.getInt(sub + 4));
                    if (subSize > start + size - sub - 8) break;
                    String value = zstr(bytes, sub + 8, (int) subSize);
                    if (subId.equals("ISFT")) software = value;
                    if (subId.equals("ICMT")) comment = value;
                    sub += 8 + (int) subSize + (int) (subSize & 1);
                }
            }
            long next = start + size + (size & 1);
            if (next > bytes.length) break;
            offset = (int) next;
        }
        if (format < 0 || byteRate <= 0 || channels <= 0 || sampleRate <= 0)
            throw invalid("The WAV file has no valid format chunk.");
        if (dataBytes < 0) throw invalid("The WAV file has no data chunk.");
        return new Info(
                format, channels, sampleRate, bits, dataBytes, (double) dataBytes / byteRate, software, comment);
    }

    static boolean isWav(byte[] bytes) {
        return bytes.length >= 12
                && ascii(bytes, 0, 4).equals("RIFF")
                && ascii(bytes, 8, 4).equals("WAVE");
    }

    private static ApiException invalid(String detail) {
        return ApiException.invalid("file", detail);
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.US_ASCII);
    }

    private static byte[] zstr(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(utf8, utf8.length + 1);
    }

    /** The string without its one NUL terminator (the text itself may hold NULs). */
    private static String zstr(byte[] bytes, int offset, int length) {
        int end = length > 0 && bytes[offset + length - 1] == 0 ? length - 1 : length;
        return new String(bytes, offset, end, StandardCharsets.UTF_8);
    }
}
