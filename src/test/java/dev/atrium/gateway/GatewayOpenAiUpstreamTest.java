package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.MultipartField;
import com.openai.core.http.StreamResponse;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.images.ImageGenerateParams;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Chat, images, speech and transcription through the gateway to a local OpenAI-compatible server. */
class GatewayOpenAiUpstreamTest extends UpstreamGatewayTest {

    @Test
    void withTheInstallationsKeysEveryOrganizationIsOfferedTheProvidersModels() {
        Funded f = funded("Instance Keys Co", "1");
        var ids = f.client().models().list().data().stream().map(m -> m.id()).toList();
        assertThat(ids).contains("demo/chat", "gpt-4o", "gpt-4o-mini", "dall-e-3", "tts-1", "claude-haiku-4-5");
    }

    @Test
    void chatIsForwardedUnderTheUpstreamNameAndChargedAtTheUpstreamsUsage() {
        Funded f = funded("OpenAI Chat Co", "100");
        String tag = tag();
        var raw = f.client()
                .chat()
                .completions()
                .withRawResponse()
                .create(ChatCompletionCreateParams.builder()
                        .model("gpt-4o-mini")
                        .addSystemMessage("You are terse.")
                        .addUserMessage("Say hello. " + tag)
                        .maxCompletionTokens(200)
                        .temperature(0.2)
                        .build());
        ChatCompletion completion = raw.parse();

        // what the upstream saw: its own model name, the client's messages and limits, our key
        var seen = OPENAI.requestsWith(tag);
        assertThat(seen).hasSize(1);
        var upstream = seen.getFirst();
        assertThat(upstream.path()).isEqualTo("/v1/chat/completions");
        assertThat(upstream.header("Authorization")).isEqualTo("Bearer sk-local-openai");
        assertThat(upstream.json().path("model").asString()).isEqualTo("gpt-4o-mini");
        assertThat(upstream.json().path("max_completion_tokens").asLong()).isEqualTo(200);
        assertThat(upstream.json().path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(upstream.json().has("stream")).isFalse();
        assertThat(upstream.json().path("messages").get(1).path("content").asString())
                .isEqualTo("Say hello. " + tag);
        assertThat(upstream.text()).doesNotContain(f.key());

        // what the client got: the upstream's answer under the public model name
        assertThat(completion.model()).isEqualTo("gpt-4o-mini");
        assertThat(completion.id()).isEqualTo("chatcmpl-fake");
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().getFirst().message().content()).contains("Hello from the upstream.");
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(11);
        assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(6);
        long cost = gpt4oMini(11, 6);
        assertThat(raw.headers().values("x-atrium-credits-charged")).containsExactly(decimal(cost));
        assertThat(raw.headers().values("x-atrium-workspace-id")).containsExactly(f.ws());

        // what was charged: the upstream's usage at the catalog's prices, once
        Event e = onlyEvent(f.org());
        assertThat(e.model()).isEqualTo("gpt-4o-mini");
        assertThat(e.provider()).isEqualTo("openai");
        assertThat(e.category()).isEqualTo("chat");
        assertThat(e.inputUnits()).isEqualTo(11);
        assertThat(e.outputUnits()).isEqualTo(6);
        assertThat(e.credits()).isEqualTo(cost);
        assertThat(e.status()).isEqualTo("ok");
        assertThat(e.workspaceId()).isEqualTo(f.ws());
        assertThat(e.requestId())
                .isEqualTo(raw.headers().values("x-atrium-request-id").getFirst());
        assertThat(captured(f.org())).isEqualTo(cost);
        assertThat(holds(f.org())).isEqualTo(Map.of("captured", 1L));
        assertSettled(f.tenant());
    }

    @Test
    void streamingForwardsEveryChunkRenamedAndChargesTheReportedUsage() {
        Funded f = funded("OpenAI Stream Co", "100");
        String tag = tag();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = f.client()
                .chat()
                .completions()
                .createStreaming(ChatCompletionCreateParams.builder()
                        .model("gpt-4o-mini")
                        .addUserMessage("Stream a greeting. " + tag)
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            stream.stream().forEach(chunks::add);
        }

        var upstream = OPENAI.requestsWith(tag);
        assertThat(upstream).hasSize(1);
        assertThat(upstream.getFirst().json().path("model").asString()).isEqualTo("gpt-4o-mini");
        assertThat(upstream.getFirst().json().path("stream").asBoolean()).isTrue();
        assertThat(upstream.getFirst()
                        .json()
                        .path("stream_options")
                        .path("include_usage")
                        .asBoolean())
                .isTrue();

        // role chunk, five pieces, finish chunk, usage chunk: all under the public name
        assertThat(chunks).hasSize(1 + OPENAI_PIECES.size() + 2);
        assertThat(chunks).allSatisfy(c -> assertThat(c.model()).isEqualTo("gpt-4o-mini"));
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        assertThat(text.toString()).isEqualTo("Hello from the upstream.");
        assertThat(chunks.get(chunks.size() - 2).choices().getFirst().finishReason())
                .contains(ChatCompletionChunk.Choice.FinishReason.STOP);
        ChatCompletionChunk last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().promptTokens()).isEqualTo(11);
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(6);

        Event e = onlyEvent(f.org());
        assertThat(e.inputUnits()).isEqualTo(11);
        assertThat(e.outputUnits()).isEqualTo(6);
        assertThat(e.credits()).isEqualTo(gpt4oMini(11, 6));
        assertThat(e.status()).isEqualTo("ok");
        assertSettled(f.tenant());
    }

    @Test
    void anOrganizationsOwnModelReachesTheUpstreamUnderItsUpstreamName() {
        Funded f = funded("Own Model Co", "100");
        var owner = fixtures.api().as(f.tenant().owner().token());
        var put = owner.put(
                f.tenant().path() + "/pricing/models/team-llm",
                Map.of(
                        "provider", "openai",
                        "upstream_model", "llama3.1:8b",
                        "kind", "chat",
                        "input_per_million", "10",
                        "output_per_million", "20",
                        "max_output_tokens", 2048,
                        "context_window", 8192));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        String tag = tag();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        // no include_usage: the client gets no usage chunk, yet the gateway asks for (and charges) it
        try (StreamResponse<ChatCompletionChunk> stream = f.client()
                .chat()
                .completions()
                .createStreaming(ChatCompletionCreateParams.builder()
                        .model("team-llm")
                        .addUserMessage("Hi. " + tag)
                        .build())) {
            stream.stream().forEach(chunks::add);
        }
        var upstream = OPENAI.requestsWith(tag).getFirst().json();
        assertThat(upstream.path("model").asString()).isEqualTo("llama3.1:8b");
        assertThat(upstream.path("stream_options").path("include_usage").asBoolean())
                .isTrue();
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.model()).isEqualTo("team-llm");
            assertThat(c.usage()).isEmpty();
        });
        assertThat(chunks).hasSize(1 + OPENAI_PIECES.size() + 1);
        Event e = onlyEvent(f.org());
        assertThat(e.model()).isEqualTo("team-llm");
        assertThat(e.credits()).isEqualTo(10 * 11 + 20 * 6);
        assertSettled(f.tenant());
    }

    @Test
    void imagesComeBackAsBase64OrAsAtriumsOwnAuthorizedMediaUrl() throws Exception {
        Funded f = funded("Images Co", "100");
        byte[] png = Wire.png(8);
        String b64Tag = tag();
        // as OpenAI does, GPT image models refuse response_format (they always answer in base64)
        OPENAI.script(
                b64Tag,
                (request, exchange) -> (request.json().has("response_format")
                                ? Wire.openAiError(
                                        400, "invalid_request_error", "Unknown parameter: 'response_format'.")
                                : LocalUpstream.json(
                                        200,
                                        "{\"created\":1700000000,\"data\":[{\"b64_json\":\""
                                                + Base64.getEncoder().encodeToString(png) + "\"},{\"b64_json\":\""
                                                + Base64.getEncoder().encodeToString(png) + "\"}]}"))
                        .respond(request, exchange));
        var b64 = f.client()
                .images()
                .withRawResponse()
                .generate(ImageGenerateParams.builder()
                        .model("gpt-image-1")
                        .prompt("two lighthouses " + b64Tag)
                        .n(2)
                        .size(ImageGenerateParams.Size._1024X1024)
                        .build());
        var images = b64.parse().data().orElseThrow();
        assertThat(images).hasSize(2);
        assertThat(Base64.getDecoder().decode(images.getFirst().b64Json().orElseThrow()))
                .isEqualTo(png);
        var request = OPENAI.requestsWith(b64Tag).getFirst();
        assertThat(request.path()).isEqualTo("/v1/images/generations");
        assertThat(request.json().path("model").asString()).isEqualTo("gpt-image-1");
        assertThat(request.json().path("n").asInt()).isEqualTo(2);
        // gpt-image-1's default quality at 1024x1024 is medium: 4.2 credits an image
        assertThat(b64.headers().values("x-atrium-credits-charged")).containsExactly("8.4");

        // a server that answers with a URL despite response_format: the gateway fetches and keeps it
        String urlTag = tag();
        OPENAI.route("/files/lighthouse.png", LocalUpstream.bytes(200, "image/png", png));
        OPENAI.script(
                urlTag,
                LocalUpstream.json(
                        200,
                        "{\"created\":1700000000,\"data\":[{\"url\":\"" + OPENAI.origin()
                                + "/files/lighthouse.png\"}]}"));
        var byUrl = f.client()
                .images()
                .generate(ImageGenerateParams.builder()
                        .model("dall-e-2")
                        .prompt("a lighthouse " + urlTag)
                        .size(ImageGenerateParams.Size._256X256)
                        .responseFormat(ImageGenerateParams.ResponseFormat.URL)
                        .build());
        assertThat(OPENAI.requestsWith(urlTag)
                        .getFirst()
                        .json()
                        .path("response_format")
                        .asString())
                .isEqualTo("b64_json");
        String url = byUrl.data().orElseThrow().getFirst().url().orElseThrow();
        assertThat(url)
                .startsWith(
                        fixtures.baseUrl() + "/api/v1/organizations/" + f.org() + "/workspaces/" + f.ws() + "/media/");
        assertThat(url).doesNotContain(OPENAI.origin());
        assertThat(byUrl.data().orElseThrow().getFirst().b64Json()).isEmpty();

        var http = HttpClient.newHttpClient();
        HttpResponse<byte[]> mine = http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + f.key())
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(mine.statusCode()).isEqualTo(200);
        assertThat(mine.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(mine.body()).isEqualTo(png);

        String otherWorkspace = fixtures.workspace(f.tenant(), "Other");
        String otherKey = fixtures.workspaceKey(f.tenant(), otherWorkspace);
        Funded stranger = funded("Stranger Co", null);
        for (String key : List.of(otherKey, stranger.key())) {
            HttpResponse<String> denied = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .header("Authorization", "Bearer " + key)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(denied.statusCode()).as(denied.body()).isEqualTo(404);
        }
        HttpResponse<String> anonymous =
                http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        List<Event> events = events(f.org());
        assertThat(events).extracting(Event::model).containsExactly("gpt-image-1", "dall-e-2");
        assertThat(events).extracting(Event::category).containsOnly("image");
        assertThat(events).extracting(Event::credits).containsExactly(8_400_000L, 1_600_000L);
        assertSettled(f.tenant());
    }

    @Test
    void speechReturnsTheUpstreamsBytesAndChargesPerCharacter() throws Exception {
        Funded f = funded("Speech Co", "100");
        String tag = tag();
        byte[] mp3 = ("ID3\u0004\u0000fake-mp3-" + tag).getBytes(StandardCharsets.ISO_8859_1);
        OPENAI.script(tag, LocalUpstream.bytes(200, "audio/mpeg", mp3));
        String input = "Atrium keeps every workspace separate. " + tag;
        byte[] audio;
        String contentType;
        try (var speech = f.client()
                .audio()
                .speech()
                .create(SpeechCreateParams.builder()
                        .model("tts-1")
                        .input(input)
                        .voice(SpeechCreateParams.Voice.ALLOY)
                        .build())) {
            contentType = speech.headers().values("Content-Type").getFirst();
            audio = speech.body().readAllBytes();
        }
        assertThat(audio).isEqualTo(mp3);
        assertThat(contentType).startsWith("audio/mpeg");
        var request = OPENAI.requestsWith(tag).getFirst();
        assertThat(request.path()).isEqualTo("/v1/audio/speech");
        assertThat(request.json().path("model").asString()).isEqualTo("tts-1");
        assertThat(request.json().path("voice").asString()).isEqualTo("alloy");

        Event e = onlyEvent(f.org());
        assertThat(e.category()).isEqualTo("speech");
        assertThat(e.operation()).isEqualTo("speech");
        assertThat(e.inputUnits()).isEqualTo(input.length());
        assertThat(e.outputUnits()).isEqualTo(mp3.length);
        // 1.5 credits per 1,000 characters
        assertThat(e.credits()).isEqualTo(1_500L * input.length());
        assertSettled(f.tenant());
    }

    @Test
    void transcriptionForwardsTheUploadAndChargesTheAudiosMinutes() {
        Funded f = funded("Transcription Co", "100");
        String tag = tag();
        OPENAI.script(
                tag,
                LocalUpstream.json(
                        200, "{\"text\":\"Two seconds of silence.\",\"usage\":{\"type\":\"duration\",\"seconds\":2}}"));
        byte[] wav = Wire.wav(2.0);
        var transcription = f.client()
                .audio()
                .transcriptions()
                .create(TranscriptionCreateParams.builder()
                        .model("whisper-1")
                        .file(wav)
                        .prompt(tag)
                        .build());
        assertThat(transcription.asTranscription().text()).isEqualTo("Two seconds of silence.");
        var request = OPENAI.requestsWith(tag).getFirst();
        assertThat(request.path()).isEqualTo("/v1/audio/transcriptions");
        assertThat(request.header("Content-Type")).startsWith("multipart/form-data; boundary=");
        String form = new String(request.body(), StandardCharsets.ISO_8859_1);
        assertThat(form).contains("name=\"model\"\r\n\r\nwhisper-1\r\n");
        assertThat(form).contains("name=\"prompt\"\r\n\r\n" + tag + "\r\n");
        assertThat(form).contains(new String(wav, StandardCharsets.ISO_8859_1));

        Event e = onlyEvent(f.org());
        assertThat(e.category()).isEqualTo("speech");
        assertThat(e.operation()).isEqualTo("transcription");
        assertThat(e.inputUnits()).isEqualTo(2);
        // 0.6 credits per audio minute: two seconds are 0.02 credits
        assertThat(e.credits()).isEqualTo(20_000L);
        assertSettled(f.tenant());

        // compressed audio has no header to read the duration from: the upstream's reported usage counts
        String mp3Tag = tag();
        OPENAI.script(
                mp3Tag,
                LocalUpstream.json(
                        200, "{\"text\":\"A voice memo.\",\"usage\":{\"type\":\"duration\",\"seconds\":7}}"));
        byte[] mp3 = new byte[48_000];
        System.arraycopy("ID3".getBytes(StandardCharsets.US_ASCII), 0, mp3, 0, 3);
        var memo = f.client()
                .audio()
                .transcriptions()
                .create(TranscriptionCreateParams.builder()
                        .model("whisper-1")
                        .file(MultipartField.<InputStream>builder()
                                .value(new ByteArrayInputStream(mp3))
                                .contentType("audio/mpeg")
                                .filename("memo.mp3")
                                .build())
                        .prompt(mp3Tag)
                        .build());
        assertThat(memo.asTranscription().text()).isEqualTo("A voice memo.");
        Event memoEvent = events(f.org()).getLast();
        assertThat(memoEvent.inputUnits()).isEqualTo(7);
        assertThat(memoEvent.credits()).isEqualTo(70_000L);
        assertSettled(f.tenant());
    }
}
