package dev.atrium.gateway.provider.demo;

import static dev.atrium.gateway.provider.demo.DemoFixtures.body;
import static dev.atrium.gateway.provider.demo.DemoFixtures.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.provider.AiProvider.Upload;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class DemoTranscriptionTest {
    private final DemoProvider demo = DemoFixtures.provider();

    private JsonNode transcribe(byte[] bytes, Map<String, String> fields) {
        return demo.transcribe(call("transcribe"), new Upload("audio.bin", "application/octet-stream", bytes), fields);
    }

    private JsonNode transcribe(byte[] bytes) {
        return transcribe(bytes, Map.of());
    }

    private byte[] speak(String text) {
        return demo.speech(call("speech"), body("{}").put("input", text)).bytes();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Hello, world.",
                "Odd",
                "  Leading and trailing spaces \n",
                "Zwei Sätze. Ünïcödé ✓ 😀 中文",
                "A NUL \u0000 inside and one at the end\u0000"
            })
    void aDemoWavTranscribesToExactlyItsText(String text) {
        JsonNode result = transcribe(speak(text));
        assertThat(result.path("text").stringValue()).isEqualTo(text);
        assertThat(result.path("duration").asDouble())
                .isCloseTo(text.codePointCount(0, text.length()) * 0.06, within(0.0005));
    }

    @Test
    void theLongestInputRoundTrips() {
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(92).substring(0, 4096);
        assertThat(transcribe(speak(text)).path("text").stringValue()).isEqualTo(text);
    }

    @Test
    void usageReportsWholeSecondsRoundedUp() {
        JsonNode result = transcribe(speak("x".repeat(30))); // 1.8 s
        assertThat(result.path("usage").path("type").stringValue()).isEqualTo("duration");
        assertThat(result.path("usage").path("seconds").asLong()).isEqualTo(2);
    }

    @Test
    void verboseJsonAddsTaskLanguageAndOneSegment() {
        JsonNode result = transcribe(speak("Hi there"), Map.of("response_format", "verbose_json", "language", "en"));
        assertThat(result.path("task").stringValue()).isEqualTo("transcribe");
        assertThat(result.path("language").stringValue()).isEqualTo("en");
        assertThat(result.path("segments")).hasSize(1);
        assertThat(result.path("segments").get(0).path("text").stringValue()).isEqualTo("Hi there");
        assertThat(result.path("segments").get(0).path("end").asDouble()).isCloseTo(0.48, within(1e-9));
    }

    @Test
    void anotherWavGetsAPlaceholderWithItsDuration() throws Exception {
        AudioFormat format = new AudioFormat(16_000f, 16, 1, true, false);
        byte[] samples = new byte[16_000 * 2 * 3 / 2]; // 1.5 s of silence
        ByteArrayOutputStream wav = new ByteArrayOutputStream();
        AudioSystem.write(
                new AudioInputStream(new ByteArrayInputStream(samples), format, samples.length / 2),
                AudioFileFormat.Type.WAVE,
                wav);
        JsonNode result = transcribe(wav.toByteArray());
        assertThat(result.path("text").stringValue()).isEqualTo("(demo transcription of 1.5 seconds of audio)");
        assertThat(result.path("duration").asDouble()).isEqualTo(1.5);
        assertThat(transcribe(wav.toByteArray())).isEqualTo(result);
    }

    @Test
    void aDemoWavWhoseInfoWasStrippedIsJustAudio() {
        byte[] wav = speak("Hello there");
        int dataBytes = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN).getInt(40);
        byte[] stripped = Arrays.copyOf(wav, 44 + dataBytes);
        ByteBuffer.wrap(stripped).order(ByteOrder.LITTLE_ENDIAN).putInt(4, stripped.length - 8);
        assertThat(transcribe(stripped).path("text").stringValue())
                .isEqualTo("(demo transcription of 0.7 seconds of audio)");
    }

    @Test
    void otherAudioFormatsAreRecognizedByTheirBytesWithTheirDurations() {
        assertThat(transcribe(flac(44_100, 44_100 * 3)).path("duration").asDouble())
                .isEqualTo(3.0);
        assertThat(transcribe(mp3(16_000)).path("duration").asDouble()).isEqualTo(1.0); // 128 kbit/s
        assertThat(transcribe(oggOpus(48_000 * 2 + 312, 312)).path("duration").asDouble())
                .isEqualTo(2.0);
        assertThat(transcribe(mp4(1000, 2500)).path("duration").asDouble()).isEqualTo(2.5);
        JsonNode webm = transcribe(new byte[] {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3, 1, 2, 3});
        assertThat(webm.path("text").stringValue()).isEqualTo("(demo transcription of 1 KB of WebM audio)");
        assertThat(webm.has("duration")).isFalse();
        assertThat(transcribe(flac(44_100, 44_100 * 3)).path("text").stringValue())
                .isEqualTo("(demo transcription of 3.0 seconds of audio)");
    }

    @Test
    void nonAudioUploadsAreRefusedAsAnInvalidFile() {
        for (byte[] bytes : new byte[][] {
            new byte[0],
            "just some text".getBytes(StandardCharsets.UTF_8),
            {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0},
            "RIFF\0\0\0\0WAVEjunk".getBytes(StandardCharsets.US_ASCII),
            "RIFF\0\0\0\0AVI LIST".getBytes(StandardCharsets.US_ASCII)
        }) {
            assertThatThrownBy(() -> transcribe(bytes))
                    .as(new String(bytes, StandardCharsets.ISO_8859_1))
                    .isInstanceOfSatisfying(
                            ApiException.class, e -> assertThat(e.field()).isEqualTo("file"));
        }
    }

    @Test
    void anUnknownResponseFormatIsRefused() {
        assertThatThrownBy(() -> transcribe(speak("hi"), Map.of("response_format", "xml")))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("response_format"));
    }

    private static byte[] flac(int rate, long samples) {
        ByteBuffer b = ByteBuffer.allocate(8 + 34);
        b.put("fLaC".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 0x80)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 34);
        b.putShort((short) 4096).putShort((short) 4096).put(new byte[6]);
        long packed = ((long) rate << 44) | (1L << 41) | (15L << 36) | samples; // rate, stereo, 16 bits, samples
        b.putLong(packed);
        return b.array();
    }

    /** An MPEG-1 Layer III frame header at 128 kbit/s, 44.1 kHz, stereo, then bytes to fill. */
    private static byte[] mp3(int totalBytes) {
        byte[] b = new byte[totalBytes];
        b[0] = (byte) 0xFF;
        b[1] = (byte) 0xFB;
        b[2] = (byte) 0x90;
        b[3] = (byte) 0x44;
        return b;
    }

    private static byte[] oggOpus(long granule, int preSkip) {
        ByteBuffer b = ByteBuffer.allocate(2 * 27 + 1 + 19).order(ByteOrder.LITTLE_ENDIAN);
        b.put("OggS".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 0)
                .put((byte) 2)
                .putLong(0)
                .put(new byte[12]);
        b.put((byte) 1).put((byte) 19);
        b.put("OpusHead".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 1)
                .put((byte) 2)
                .putShort((short) preSkip);
        b.put(new byte[7]);
        b.put("OggS".getBytes(StandardCharsets.US_ASCII))
                .put((byte) 0)
                .put((byte) 4)
                .putLong(granule)
                .put(new byte[12]);
        b.put((byte) 0);
        return b.array();
    }

    private static byte[] mp4(int timescale, int duration) {
        ByteBuffer b = ByteBuffer.allocate(16 + 8 + 8 + 100);
        b.putInt(16).put("ftypM4A ".getBytes(StandardCharsets.US_ASCII)).putInt(0);
        b.putInt(8).put("free".getBytes(StandardCharsets.US_ASCII));
        b.putInt(8 + 108).put("moov".getBytes(StandardCharsets.US_ASCII));
        b.putInt(108)
                .put("mvhd".getBytes(StandardCharsets.US_ASCII))
                .putInt(0)
                .putInt(0)
                .putInt(0);
        b.putInt(timescale).putInt(duration);
        return b.array();
    }
}
