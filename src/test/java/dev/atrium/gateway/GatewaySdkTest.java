package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnexpectedStatusCodeException;
import com.openai.models.audio.speech.SpeechCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.images.ImageGenerateParams;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/** The official OpenAI Java SDK against Atrium's gateway and its built-in demo provider. */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=PT0S")
class GatewaySdkTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    dev.atrium.gateway.settle.SettlementWriter settlementWriter;

    /** Calls are settled just after they are answered: what reads the tables directly waits for that first. */
    void awaitSettlements() {
        assertThat(settlementWriter.awaitCommitted(java.time.Duration.ofSeconds(10)))
                .isTrue();
    }

    private Fixtures.Tenant tenant;
    private OpenAIClient client;

    @BeforeEach
    void setUp() {
        tenant = fixtures.tenant("Gateway Co");
        var owner = fixtures.api().as(tenant.owner().token());
        assertThat(owner.post(tenant.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        String key = fixtures.workspaceKey(tenant, tenant.primaryWorkspaceId());
        client = OpenAIOkHttpClient.builder()
                .apiKey(key)
                .baseUrl(fixtures.baseUrl() + "/v1")
                .maxRetries(0)
                .build();
    }

    @Test
    void theSdkListsModelsChatsStreamsAndGeneratesMedia() throws Exception {
        var models = client.models().list().data().stream().map(m -> m.id()).toList();
        assertThat(models).contains("demo/chat", "demo/image", "demo/speech", "demo/transcribe");

        ChatCompletion completion = client.chat()
                .completions()
                .create(ChatCompletionCreateParams.builder()
                        .model("demo/chat")
                        .addSystemMessage("You are terse.")
                        .addUserMessage("Tell me about workspaces.")
                        .build());
        String text = completion.choices().getFirst().message().content().orElseThrow();
        assertThat(text).isNotBlank();
        assertThat(completion.model()).isEqualTo("demo/chat");
        assertThat(completion.usage().orElseThrow().completionTokens()).isPositive();

        List<String> pieces = new ArrayList<>();
        long[] usage = {-1};
        try (StreamResponse<ChatCompletionChunk> stream = client.chat()
                .completions()
                .createStreaming(ChatCompletionCreateParams.builder()
                        .model("demo/chat")
                        .addSystemMessage("You are terse.")
                        .addUserMessage("Tell me about workspaces.")
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> c.delta().content().ifPresent(pieces::add));
                chunk.usage().ifPresent(u -> usage[0] = u.completionTokens());
            });
        }
        assertThat(pieces.size()).isGreaterThan(1);
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(usage[0]).isPositive();

        var image = client.images()
                .generate(ImageGenerateParams.builder()
                        .model("demo/image")
                        .prompt("a lighthouse at dusk")
                        .size(ImageGenerateParams.Size._256X256)
                        .responseFormat(ImageGenerateParams.ResponseFormat.B64_JSON)
                        .build());
        byte[] png = Base64.getDecoder()
                .decode(image.data().orElseThrow().getFirst().b64Json().orElseThrow());
        assertThat(ImageIO.read(new ByteArrayInputStream(png)).getWidth()).isEqualTo(256);

        byte[] wav;
        try (var speech = client.audio()
                .speech()
                .create(SpeechCreateParams.builder()
                        .model("demo/speech")
                        .input("Atrium keeps every workspace separate.")
                        .voice(SpeechCreateParams.Voice.ALLOY)
                        .build())) {
            wav = speech.body().readAllBytes();
        }
        assertThat(new String(wav, 0, 4)).isEqualTo("RIFF");

        var transcription = client.audio()
                .transcriptions()
                .create(TranscriptionCreateParams.builder()
                        .model("demo/transcribe")
                        .file(wav)
                        .build());
        assertThat(transcription.asTranscription().text()).isEqualTo("Atrium keeps every workspace separate.");

        // one usage event per operation, and usage credits equal the ledger's captures
        awaitSettlements();
        var events = jdbc.sql("SELECT count(*) FROM usage_events WHERE org_id = :org")
                .param("org", tenant.orgId())
                .query(Long.class)
                .single();
        assertThat(events).isEqualTo(5);
        long usageCredits = jdbc.sql("SELECT coalesce(sum(credits), 0) FROM usage_events WHERE org_id = :org")
                .param("org", tenant.orgId())
                .query(Long.class)
                .single();
        long captured = jdbc.sql(
                        "SELECT coalesce(sum(amount), 0) FROM ledger_transfers WHERE org_id = :org AND kind = 'capture'")
                .param("org", tenant.orgId())
                .query(Long.class)
                .single();
        assertThat(usageCredits).isEqualTo(captured).isPositive();
        var invariant = fixtures.api().as(tenant.owner().token()).get(tenant.path() + "/credits/invariant");
        assertThat(invariant.json().path("holds").asBoolean()).isTrue();
        assertThat(invariant.json().path("open_holds").asString()).isEqualTo("0");
    }

    @Test
    void unknownDeniedAndUnaffordableModelsAnswerInOpenAisShape() {
        assertThatThrownBy(() -> client.chat()
                        .completions()
                        .create(ChatCompletionCreateParams.builder()
                                .model("no-such-model")
                                .addUserMessage("hi")
                                .build()))
                .isInstanceOf(NotFoundException.class);

        var owner = fixtures.api().as(tenant.owner().token());
        owner.put(
                tenant.ws(tenant.primaryWorkspaceId()) + "/policy", Map.of("denied_models", List.of("demo/chat-mini")));
        assertThatThrownBy(() -> client.chat()
                        .completions()
                        .create(ChatCompletionCreateParams.builder()
                                .model("demo/chat-mini")
                                .addUserMessage("hi")
                                .build()))
                .isInstanceOf(PermissionDeniedException.class)
                .satisfies(e -> assertThat(((OpenAIServiceException) e).code()).contains("model_not_allowed"));

        var poor = fixtures.tenant("Poor Co");
        OpenAIClient broke = OpenAIOkHttpClient.builder()
                .apiKey(fixtures.workspaceKey(poor, poor.primaryWorkspaceId()))
                .baseUrl(fixtures.baseUrl() + "/v1")
                .maxRetries(0)
                .build();
        assertThatThrownBy(() -> broke.chat()
                        .completions()
                        .create(ChatCompletionCreateParams.builder()
                                .model("demo/chat")
                                .addUserMessage("hi")
                                .build()))
                .isInstanceOf(UnexpectedStatusCodeException.class)
                .satisfies(e -> assertThat(((UnexpectedStatusCodeException) e).statusCode())
                        .isEqualTo(402))
                .satisfies(e -> assertThat(((OpenAIServiceException) e).code()).contains("insufficient_credits"));
    }
}
