package dev.atrium.gateway.provider.demo;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.provider.AiProvider.Audio;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Text to speech without a voice: every code point of the input becomes {@value #SEGMENT_MILLIS} ms
 * of sound (divided by {@code speed}), a soft tone whose pitch depends on the character and the
 * voice for letters and digits, silence for anything else. So the audio lasts exactly
 * {@code codePoints × 60 ms / speed}, and the same request always gives the same bytes.
 *
 * <p>Formats: {@code wav} (and no {@code response_format}) give a 24 kHz 16-bit mono WAV that carries
 * the text (see {@link Wav}), which {@link DemoTranscription} reads back; {@code pcm} gives the same
 * samples headerless, as OpenAI does; {@code mp3}, {@code opus}, {@code aac} and {@code flac}, which
 * the demo cannot encode, also give the WAV, labelled {@code audio/wav}. Anything else is refused.
 */
final class DemoSpeech {
    static final int SAMPLE_RATE = 24_000;
    static final int SEGMENT_MILLIS = 60;
    static final int MAX_INPUT = 4096;
    private static final Set<String> ANSWERED_WITH_WAV = Set.of("wav", "mp3", "opus", "aac", "flac");

    private DemoSpeech() {}

    static Audio speak(ObjectNode request) {
        String input = input(request);
        String voice = request.path("voice").isString() ? request.get("voice").stringValue() : "alloy";
        double speed = speed(request);
        String format = format(request);

        byte[] pcm = synthesize(input, voice, speed);
        return format.equals("pcm")
                ? new Audio(pcm, "audio/pcm")
                : new Audio(Wav.write(SAMPLE_RATE, pcm, input), "audio/wav");
    }

    /** Samples per code point at the given speed. */
    static int segmentSamples(double speed) {
        return (int) Math.round(SAMPLE_RATE * SEGMENT_MILLIS / 1000.0 / speed);
    }

    private static byte[] synthesize(String input, String voice, double speed) {
        int segment = segmentSamples(speed);
        double base = 110 + Long.remainderUnsigned(Seeded.hash("voice", voice), 150);
        int[] codePoints = input.codePoints().toArray();
        byte[] pcm = new byte[codePoints.length * segment * 2];
        Map<Integer, byte[]> sounds = new HashMap<>();
        for (int i = 0; i < codePoints.length; i++) {
            byte[] sound = sounds.computeIfAbsent(codePoints[i], cp -> sound(cp, base, segment));
            System.arraycopy(sound, 0, pcm, i * segment * 2, sound.length);
        }
        return pcm;
    }

    /** One character's samples, little-endian: a tone with two overtones, faded in and out to avoid clicks. */
    private static byte[] sound(int codePoint, double base, int samples) {
        byte[] out = new byte[samples * 2];
        if (!Character.isLetterOrDigit(codePoint)) return out;
        double frequency = base * StrictMath.pow(2, Long.remainderUnsigned(codePoint * 0x9E3779B97F4A7C15L, 13) / 12.0);
        int fade = Math.max(1, Math.min(samples / 4, SAMPLE_RATE / 200));
        for (int n = 0; n < samples; n++) {
            double phase = 2 * Math.PI * frequency * n / SAMPLE_RATE;
            double wave = StrictMath.sin(phase) + 0.35 * StrictMath.sin(2 * phase) + 0.15 * StrictMath.sin(3 * phase);
            double envelope = Math.min(1.0, Math.min(n, samples - 1 - n) / (double) fade);
            int value = (int) Math.round(wave / 1.5 * envelope * 0.3 * Short.MAX_VALUE);
            out[2 * n] = (byte) value;
            out[2 * n + 1] = (byte) (value >> 8);
        }
        return out;
    }

    private static String input(ObjectNode request) {
        JsonNode input = request.path("input");
        if (!input.isString() || input.stringValue().isBlank())
            throw ApiException.invalid("input", "Some input text is required.");
        if (input.stringValue().length() > MAX_INPUT)
            throw ApiException.invalid("input", "The input may hold at most " + MAX_INPUT + " characters.");
        return input.stringValue();
    }

    private static double speed(ObjectNode request) {
        JsonNode speed = request.path("speed");
        if (speed.isMissingNode() || speed.isNull()) return 1.0;
        if (!speed.isNumber() || speed.doubleValue() < 0.25 || speed.doubleValue() > 4.0)
            throw ApiException.invalid("speed", "speed must be a number from 0.25 to 4.0.");
        return speed.doubleValue();
    }

    private static String format(ObjectNode request) {
        JsonNode format = request.path("response_format");
        if (format.isMissingNode() || format.isNull()) return "wav";
        if (format.isString()
                && (format.stringValue().equals("pcm") || ANSWERED_WITH_WAV.contains(format.stringValue())))
            return format.stringValue();
        throw ApiException.invalid(
                "response_format", "response_format must be one of wav, pcm, mp3, opus, aac or flac.");
    }
}
