package dev.atrium.gateway.provider.demo;

import static dev.atrium.gateway.provider.demo.DemoFixtures.body;
import static dev.atrium.gateway.provider.demo.DemoFixtures.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.provider.AiProvider.Audio;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class DemoSpeechTest {
    private static final String TEXT = "Hello from the demo, world!";
    private final DemoProvider demo = DemoFixtures.provider();

    private Audio speak(ObjectNode request) {
        return demo.speech(call("speech"), request);
    }

    private static ObjectNode say(String text) {
        ObjectNode request = body("{\"voice\": \"alloy\"}");
        return request.put("input", text);
    }

    private static String ascii(byte[] b, int offset) {
        return new String(b, offset, 4, StandardCharsets.US_ASCII);
    }

    @Test
    void theWavHeaderDescribes16BitMonoPcmAndTheSizesAddUp() {
        Audio audio = speak(say(TEXT));
        assertThat(audio.contentType()).isEqualTo("audio/wav");
        byte[] wav = audio.bytes();
        ByteBuffer le = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(ascii(wav, 0)).isEqualTo("RIFF");
        assertThat(le.getInt(4)).isEqualTo(wav.length - 8);
        assertThat(ascii(wav, 8)).isEqualTo("WAVE");
        assertThat(ascii(wav, 12)).isEqualTo("fmt ");
        assertThat(le.getInt(16)).isEqualTo(16);
        assertThat(le.getShort(20)).isEqualTo((short) 1); // PCM
        assertThat(le.getShort(22)).isEqualTo((short) 1); // mono
        assertThat(le.getInt(24)).isEqualTo(24_000);
        assertThat(le.getInt(28)).isEqualTo(48_000); // byte rate
        assertThat(le.getShort(32)).isEqualTo((short) 2); // block align
        assertThat(le.getShort(34)).isEqualTo((short) 16);
        assertThat(ascii(wav, 36)).isEqualTo("data");
        int dataBytes = le.getInt(40);
        assertThat(dataBytes).isEqualTo(TEXT.length() * DemoSpeech.segmentSamples(1.0) * 2);
        assertThat(ascii(wav, 44 + dataBytes)).isEqualTo("LIST");
    }

    @Test
    void javaSoundReadsItWithADurationOf60MillisecondsPerCharacter() throws Exception {
        byte[] wav = speak(say(TEXT)).bytes();
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            AudioFormat format = in.getFormat();
            assertThat(format.getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
            assertThat(format.getSampleRate()).isEqualTo(24_000f);
            assertThat(format.getChannels()).isEqualTo(1);
            assertThat(format.getSampleSizeInBits()).isEqualTo(16);
            assertThat((double) in.getFrameLength() / format.getFrameRate())
                    .isCloseTo(TEXT.length() * 0.06, within(1e-9));
        }
        assertThat(Wav.read(wav).seconds()).isCloseTo(TEXT.length() * 0.06, within(1e-9));
    }

    @Test
    void theDurationIsProportionalToTheTextAndInverseToTheSpeed() {
        double one = Wav.read(speak(say("abcd")).bytes()).seconds();
        double three = Wav.read(speak(say("abcd".repeat(3))).bytes()).seconds();
        double fast = Wav.read(speak(say("abcd").put("speed", 2.0)).bytes()).seconds();
        assertThat(one).isCloseTo(0.24, within(1e-9));
        assertThat(three).isCloseTo(3 * one, within(1e-9));
        assertThat(fast).isCloseTo(one / 2, within(1e-9));
    }

    @Test
    void theSameRequestGivesTheSameBytesAndAnotherVoiceOthers() {
        byte[] first = speak(say(TEXT)).bytes();
        assertThat(speak(say(TEXT)).bytes()).isEqualTo(first);
        assertThat(speak(say(TEXT).put("voice", "onyx")).bytes()).isNotEqualTo(first);
        assertThat(speak(say(TEXT + "?")).bytes()).isNotEqualTo(first);
    }

    @Test
    void lettersSoundAndSpacesAreSilent() {
        byte[] wav = speak(say("a b")).bytes();
        int segment = DemoSpeech.segmentSamples(1.0) * 2;
        assertThat(energy(wav, 44, segment)).isPositive();
        assertThat(energy(wav, 44 + segment, segment)).isZero();
        assertThat(energy(wav, 44 + 2 * segment, segment)).isPositive();
    }

    private static long energy(byte[] wav, int from, int length) {
        ByteBuffer le = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        long sum = 0;
        for (int i = from; i < from + length; i += 2) sum += Math.abs(le.getShort(i));
        return sum;
    }

    @Test
    void pcmIsTheSameSamplesWithoutAHeaderAndMp3FallsBackToWav() {
        byte[] wav = speak(say(TEXT)).bytes();
        Audio pcm = speak(say(TEXT).put("response_format", "pcm"));
        assertThat(pcm.contentType()).isEqualTo("audio/pcm");
        assertThat(pcm.bytes()).hasSize(TEXT.length() * DemoSpeech.segmentSamples(1.0) * 2);
        assertThat(java.util.Arrays.copyOfRange(wav, 44, 44 + pcm.bytes().length))
                .isEqualTo(pcm.bytes());

        Audio mp3 = speak(say(TEXT).put("response_format", "mp3"));
        assertThat(mp3.contentType()).isEqualTo("audio/wav");
        assertThat(mp3.bytes()).isEqualTo(wav);
        assertThat(speak(say(TEXT).put("response_format", "wav")).bytes()).isEqualTo(wav);
    }

    @Test
    void invalidRequestsAreRefusedWithTheField() {
        assertThatThrownBy(() -> speak(say(" ")))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("input"));
        assertThatThrownBy(() -> speak(say("x".repeat(4097))))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("input"));
        assertThatThrownBy(() -> speak(say(TEXT).put("speed", 5.0)))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("speed"));
        assertThatThrownBy(() -> speak(say(TEXT).put("response_format", "midi")))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("response_format"));
    }
}
