package dev.atrium.gateway.provider.demo;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.provider.AiProvider.Upload;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Transcription that can only really hear itself: a WAV written by {@link DemoSpeech} gives back
 * exactly the text it carries; any other recognized audio gives a placeholder naming its length.
 * The format is taken from the bytes, never from the declared file name or type, and anything that
 * is not audio is refused as an invalid {@code file}.
 *
 * <p>The result is {@code {text}} plus, when the length is known, {@code duration} (seconds) and
 * {@code usage: {type: "duration", seconds}} (whole seconds, rounded up) as OpenAI reports it;
 * {@code verbose_json} adds {@code task}, {@code language} and one segment spanning the audio.
 */
final class DemoTranscription {
    private static final Set<String> FORMATS = Set.of("json", "text", "srt", "verbose_json", "vtt");

    private DemoTranscription() {}

    static JsonNode transcribe(Upload file, Map<String, String> fields) {
        String format = fields.getOrDefault("response_format", "json");
        if (!FORMATS.contains(format))
            throw ApiException.invalid(
                    "response_format", "response_format must be one of json, text, srt, verbose_json or vtt.");
        byte[] bytes = file.bytes();
        if (bytes.length == 0) throw ApiException.invalid("file", "The file is empty.");

        String text;
        Double seconds;
        if (Wav.isWav(bytes)) {
            Wav.Info wav = Wav.read(bytes);
            seconds = wav.seconds();
            String spoken = wav.demoText();
            text = spoken != null ? spoken : placeholder(seconds, "WAV", bytes.length);
        } else {
            AudioSniffer.Sniffed audio = AudioSniffer.sniff(bytes)
                    .orElseThrow(
                            () -> ApiException.invalid(
                                    "file",
                                    "The file is not audio the demo provider recognizes (wav, mp3, flac, ogg, m4a, mp4, webm)."));
            seconds = audio.seconds();
            text = placeholder(seconds, audio.format(), bytes.length);
        }

        ObjectNode result = JsonNodeFactory.instance.objectNode();
        if (format.equals("verbose_json")) {
            result.put("task", "transcribe");
            result.put("language", fields.getOrDefault("language", "english"));
        }
        if (seconds != null) result.put("duration", Math.round(seconds * 1000) / 1000.0);
        result.put("text", text);
        if (format.equals("verbose_json")) {
            ObjectNode segment = result.putArray("segments").addObject();
            segment.put("id", 0);
            segment.put("seek", 0);
            segment.put("start", 0.0);
            segment.put("end", seconds != null ? Math.round(seconds * 1000) / 1000.0 : 0.0);
            segment.put("text", text);
            segment.putArray("tokens");
            segment.put("temperature", 0.0);
            segment.put("avg_logprob", 0.0);
            segment.put("compression_ratio", 1.0);
            segment.put("no_speech_prob", 0.0);
        }
        if (seconds != null) {
            ObjectNode usage = result.putObject("usage");
            usage.put("type", "duration");
            usage.put("seconds", (long) Math.ceil(seconds));
        }
        return result;
    }

    private static String placeholder(@Nullable Double seconds, String format, int size) {
        return seconds != null
                ? String.format(Locale.ROOT, "(demo transcription of %.1f seconds of audio)", seconds)
                : String.format(Locale.ROOT, "(demo transcription of %d KB of %s audio)", (size + 1023) / 1024, format);
    }
}
