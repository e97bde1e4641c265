package dev.atrium.gateway.provider.demo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Recognizes the non-WAV audio formats OpenAI accepts for transcription by their magic bytes (never by
 * the declared name or type) and, where the container says so cheaply, their duration: FLAC
 * (STREAMINFO), Ogg Vorbis/Opus (last granule position), MP4/M4A ({@code mvhd}) and MP3 (Xing/Info
 * frame count, else the first frame's bit rate as if constant). WebM and ADTS AAC are recognized
 * without a duration.
 */
final class AudioSniffer {
    private static final int[] MP3_V1_KBPS = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320};
    private static final int[] MP3_V2_KBPS = {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160};
    private static final int[] MP3_V1_RATES = {44100, 48000, 32000};

    private AudioSniffer() {}

    /** A recognized format; {@code seconds} is null when it could not be read. */
    record Sniffed(String format, @Nullable Double seconds) {}

    static Optional<Sniffed> sniff(byte[] b) {
        try {
            if (starts(b, 0, "fLaC")) return Optional.of(new Sniffed("FLAC", flac(b)));
            if (starts(b, 0, "OggS")) return Optional.of(new Sniffed("Ogg", ogg(b)));
            if (starts(b, 4, "ftyp")) return Optional.of(new Sniffed("MP4", mp4(b)));
            if (b.length >= 4
                    && (b[0] & 0xFF) == 0x1A
                    && (b[1] & 0xFF) == 0x45
                    && (b[2] & 0xFF) == 0xDF
                    && (b[3] & 0xFF) == 0xA3) return Optional.of(new Sniffed("WebM", null));
            int frame = 0;
            if (starts(b, 0, "ID3") && b.length >= 10) {
                frame = 10 + ((b[6] & 0x7F) << 21 | (b[7] & 0x7F) << 14 | (b[8] & 0x7F) << 7 | (b[9] & 0x7F));
                if ((b[5] & 0x10) != 0) frame += 10;
            }
            if (frame + 4 <= b.length && (b[frame] & 0xFF) == 0xFF && (b[frame + 1] & 0xE0) == 0xE0) {
                if ((b[frame + 1] & 0x06) == 0) return Optional.of(new Sniffed("AAC", null));
                Double seconds = mp3(b, frame);
                if (seconds != null || frame > 0) return Optional.of(new Sniffed("MP3", seconds));
            }
        } catch (IndexOutOfBoundsException truncated) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static @Nullable Double flac(byte[] b) {
        if ((b[4] & 0x7F) != 0) return null; // the first metadata block must be STREAMINFO
        int rate = (b[18] & 0xFF) << 12 | (b[19] & 0xFF) << 4 | (b[20] & 0xF0) >>> 4;
        long samples = (long) (b[21] & 0x0F) << 32 | Integer.toUnsignedLong(be(b).getInt(22));
        return rate > 0 && samples > 0 ? (double) samples / rate : null;
    }

    private static @Nullable Double ogg(byte[] b) {
        int packet = 27 + (b[26] & 0xFF);
        int rate;
        long skip = 0;
        if (starts(b, packet, "OpusHead")) {
            rate = 48_000;
            skip = Short.toUnsignedInt(le(b).getShort(packet + 10));
        } else if (b[packet] == 1 && starts(b, packet + 1, "vorbis")) {
            rate = le(b).getInt(packet + 12);
        } else {
            return null;
        }
        for (int at = b.length - 27; at >= 0; at--) {
            if (starts(b, at, "OggS") && b[at + 4] == 0) {
                long granule = le(b).getLong(at + 6);
                return granule > skip && rate > 0 ? (double) (granule - skip) / rate : null;
            }
        }
        return null;
    }

    private static @Nullable Double mp4(byte[] b) {
        int moov = box(b, 0, b.length, "moov");
        if (moov < 0) return null;
        int mvhd = box(b, moov + 8, b.length, "mvhd");
        if (mvhd < 0) return null;
        int at = mvhd + 8;
        boolean wide = b[at] == 1;
        long timescale = Integer.toUnsignedLong(be(b).getInt(at + (wide ? 20 : 12)));
        long duration = wide ? be(b).getLong(at + 24) : Integer.toUnsignedLong(be(b).getInt(at + 16));
        return timescale > 0 && duration > 0 ? (double) duration / timescale : null;
    }

    /** The offset of the first box of the given type among the boxes in {@code [from, to)}, or -1. */
    private static int box(byte[] b, int from, int to, String type) {
        for (int at = from; at + 8 <= Math.min(to, b.length); ) {
            long size = Integer.toUnsignedLong(be(b).getInt(at));
            if (size == 1) size = be(b).getLong(at + 8);
            else if (size == 0) size = b.length - at;
            if (starts(b, at + 4, type)) return at;
            if (size < 8) return -1;
            at += (int) Math.min(size, Integer.MAX_VALUE - at);
        }
        return -1;
    }

    private static @Nullable Double mp3(byte[] b, int frame) {
        int version = (b[frame + 1] >>> 3) & 0x03; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
        int bitrateIndex = (b[frame + 2] & 0xF0) >>> 4;
        int rateIndex = (b[frame + 2] & 0x0C) >>> 2;
        if (version == 1 || bitrateIndex == 0 || bitrateIndex == 15 || rateIndex == 3) return null;
        boolean mpeg1 = version == 3;
        int sampleRate = MP3_V1_RATES[rateIndex] / (mpeg1 ? 1 : version == 2 ? 2 : 4);
        int kbps = (mpeg1 ? MP3_V1_KBPS : MP3_V2_KBPS)[bitrateIndex];
        boolean mono = (b[frame + 3] & 0xC0) == 0xC0;
        int xing = frame + 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
        if (xing + 12 <= b.length && (starts(b, xing, "Xing") || starts(b, xing, "Info")) && (b[xing + 7] & 1) != 0) {
            long frames = Integer.toUnsignedLong(be(b).getInt(xing + 8));
            return (double) frames * (mpeg1 ? 1152 : 576) / sampleRate;
        }
        return (b.length - frame) * 8.0 / (kbps * 1000.0);
    }

    private static boolean starts(byte[] b, int offset, String magic) {
        if (offset < 0 || offset + magic.length() > b.length) return false;
        for (int i = 0; i < magic.length(); i++) {
            if ((b[offset + i] & 0xFF) != magic.charAt(i)) return false;
        }
        return true;
    }

    private static ByteBuffer be(byte[] b) {
        return ByteBuffer.wrap(b);
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
