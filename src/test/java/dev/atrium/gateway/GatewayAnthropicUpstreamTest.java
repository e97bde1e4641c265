package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenAI SDK through the gateway to a local Anthropic Messages server, field by field. */
class GatewayAnthropicUpstreamTest extends UpstreamGatewayTest {

    @Test
    void aCompletionIsTranslatedBothWaysAndChargedAtAnthropicsUsage() {
        Funded f = funded("Anthropic Chat Co", "100");
        String tag = tag();
        String text = "Bonjour! The answer was cut at the token limit";
        // cache reads are input too: 25 fresh + 5 read from the cache
        ANTHROPIC.script(tag, Wire.anthropicMessage(text, "max_tokens", new Wire.Usage(25, 7), 5));
        var raw = f.client()
                .chat()
                .completions()
                .withRawResponse()
                .create(ChatCompletionCreateParams.builder()
                        .model("claude-haiku-4-5")
                        .addSystemMessage("Answer in French.")
                        .addUserMessage("Greet me. " + tag)
                        .maxCompletionTokens(300)
                        .temperature(1.5)
                        .build());
        ChatCompletion completion = raw.parse();

        var seen = ANTHROPIC.requestsWith(tag);
        assertThat(seen).hasSize(1);
        var upstream = seen.getFirst();
        assertThat(upstream.path()).isEqualTo("/v1/messages");
        assertThat(upstream.header("x-api-key")).isEqualTo("sk-ant-local");
        assertThat(upstream.header("anthropic-version")).isEqualTo("2023-06-01");
        var body = upstream.json();
        assertThat(body.path("model").asString()).isEqualTo("claude-haiku-4-5-20251001");
        assertThat(body.path("max_tokens").asLong()).isEqualTo(300);
        assertThat(body.path("temperature").asDouble()).isEqualTo(1.0); // clamped to Anthropic's range
        assertThat(body.path("system").asString()).isEqualTo("Answer in French.");
        assertThat(body.path("messages")).hasSize(1);
        assertThat(body.path("messages").get(0).path("role").asString()).isEqualTo("user");
        assertThat(body.path("messages").get(0).toString()).contains("Greet me. " + tag);
        assertThat(body.has("stream")).isFalse();

        assertThat(completion.id()).isEqualTo("msg_fake01");
        assertThat(completion.model()).isEqualTo("claude-haiku-4-5");
        assertThat(completion.choices()).hasSize(1);
        var choice = completion.choices().getFirst();
        assertThat(choice.message().content()).contains(text);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        var usage = completion.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(30);
        assertThat(usage.completionTokens()).isEqualTo(7);
        assertThat(usage.totalTokens()).isEqualTo(37);
        assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).contains(5L);

        long cost = haiku(30, 7);
        assertThat(raw.headers().values("x-atrium-credits-charged")).containsExactly(decimal(cost));
        Event e = onlyEvent(f.org());
        assertThat(e.model()).isEqualTo("claude-haiku-4-5");
        assertThat(e.provider()).isEqualTo("anthropic");
        assertThat(e.inputUnits()).isEqualTo(30);
        assertThat(e.outputUnits()).isEqualTo(7);
        assertThat(e.credits()).isEqualTo(cost);
        assertThat(e.status()).isEqualTo("ok");
        assertSettled(f.tenant());
    }

    @Test
    void aStreamIsTranslatedChunkByChunkAndChargedAtAnthropicsUsage() {
        Funded f = funded("Anthropic Stream Co", "100");
        String tag = tag();
        List<String> pieces = List.of("Once", " upon", " a", " time", ".");
        ANTHROPIC.script(tag, Wire.anthropicStream(pieces, "end_turn", new Wire.Usage(40, 12), false));
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = f.client()
                .chat()
                .completions()
                .createStreaming(ChatCompletionCreateParams.builder()
                        .model("claude-haiku-4-5")
                        .addUserMessage("Tell a story. " + tag)
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            stream.stream().forEach(chunks::add);
        }
        var body = ANTHROPIC.requestsWith(tag).getFirst().json();
        assertThat(body.path("model").asString()).isEqualTo("claude-haiku-4-5-20251001");
        assertThat(body.path("stream").asBoolean()).isTrue();
        // no limit from the client: the provider's default output cap goes upstream
        assertThat(body.path("max_tokens").asLong()).isPositive();

        // role chunk, one chunk per text delta, finish chunk, usage chunk
        assertThat(chunks).hasSize(1 + pieces.size() + 2);
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.model()).isEqualTo("claude-haiku-4-5");
            assertThat(c.id()).isEqualTo("msg_fake02");
        });
        var first = chunks.getFirst().choices().getFirst();
        assertThat(first.delta().role()).contains(ChatCompletionChunk.Choice.Delta.Role.ASSISTANT);
        for (int i = 0; i < pieces.size(); i++) {
            var choice = chunks.get(1 + i).choices().getFirst();
            assertThat(choice.delta().content()).contains(pieces.get(i));
            assertThat(choice.finishReason()).isEmpty();
        }
        var finish = chunks.get(chunks.size() - 2).choices().getFirst();
        assertThat(finish.finishReason()).contains(ChatCompletionChunk.Choice.FinishReason.STOP);
        var last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().promptTokens()).isEqualTo(40);
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(12);

        Event e = onlyEvent(f.org());
        assertThat(e.inputUnits()).isEqualTo(40);
        assertThat(e.outputUnits()).isEqualTo(12);
        assertThat(e.credits()).isEqualTo(haiku(40, 12));
        assertThat(e.status()).isEqualTo("ok");
        assertSettled(f.tenant());
    }
}
