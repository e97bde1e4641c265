package dev.atrium.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.Credits;
import dev.atrium.pricing.internal.CatalogReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The shipped catalog and the validation of catalog files, without Spring. */
class CatalogTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Map<String, PricedModel> shipped() throws IOException {
        try (InputStream in = CatalogTest.class.getResourceAsStream("/pricing/catalog.json")) {
            assertThat(in).isNotNull();
            return CatalogReader.read(JSON.readTree(in));
        }
    }

    private static Map<String, PricedModel> read(String json) {
        return CatalogReader.read(JSON.readTree(json.replace('\'', '"')));
    }

    @Test
    void theShippedCatalogHasTheDemoModelsAndOpenAiAndAnthropicModels() throws IOException {
        Map<String, PricedModel> models = shipped();
        assertThat(models)
                .containsKeys("demo/chat", "demo/chat-mini", "demo/image", "demo/speech", "demo/transcribe")
                .containsKeys("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3-mini", "gpt-image-1", "dall-e-3")
                .containsKeys("tts-1", "tts-1-hd", "whisper-1", "gpt-4o-transcribe")
                .containsKeys("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1");
        models.values().forEach(m -> assertThat(m.origin()).isEqualTo(PricedModel.Origin.CATALOG));
        assertThat(models.values().stream().filter(m -> m.id().startsWith("demo/")))
                .allSatisfy(m -> assertThat(m.provider()).isEqualTo("demo"));
        assertThat(models.get("claude-sonnet-4-5").provider()).isEqualTo("anthropic");
        assertThat(models.get("demo/transcribe").kind()).isEqualTo(ModelKind.TRANSCRIPTION);
        assertThat(models.get("demo/transcribe").kind().category()).isEqualTo("speech");
        assertThat(models)
                .containsKeys(
                        "demo/embed", "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002");
        assertThat(models.get("demo/embed").provider()).isEqualTo("demo");
        assertThat(models.get("demo/embed").kind()).isEqualTo(ModelKind.EMBEDDING);
        // embeddings are token-priced text: the chatbot column of reports, beside chat
        assertThat(models.get("text-embedding-3-small").kind().category()).isEqualTo("chat");
    }

    @Test
    void shippedPricesAreListPricesAtOneCreditPerCent() throws IOException {
        Map<String, PricedModel> models = shipped();
        PricedModel mini = models.get("gpt-4o-mini"); // $0.15 / $0.60 per 1M tokens
        assertThat(mini.inputPerMillion()).isEqualTo(Credits.parse("15"));
        assertThat(mini.outputPerMillion()).isEqualTo(Credits.parse("60"));
        assertThat(mini.contextWindow()).isEqualTo(128_000);
        assertThat(mini.maxOutputTokens()).isEqualTo(16_384);
        assertThat(models.get("claude-sonnet-4-5").outputPerMillion()).isEqualTo(Credits.parse("1500"));
        assertThat(models.get("dall-e-3").imagePrice("1024x1024", "hd")).contains(Credits.parse("8"));
        assertThat(models.get("gpt-image-1").imagePrice("1536x1024", "high")).contains(Credits.parse("25"));
        assertThat(models.get("tts-1").perThousandChars()).isEqualTo(Credits.parse("1.5"));
        assertThat(models.get("whisper-1").perAudioMinute()).isEqualTo(Credits.parse("0.6"));
        // $0.02, $0.13 and $0.10 per 1M input tokens
        assertThat(models.get("text-embedding-3-small").inputPerMillion()).isEqualTo(Credits.parse("2"));
        assertThat(models.get("text-embedding-3-large").inputPerMillion()).isEqualTo(Credits.parse("13"));
        assertThat(models.get("text-embedding-ada-002").inputPerMillion()).isEqualTo(Credits.parse("10"));
    }

    @Test
    void anEmbeddingModelHasAnInputPriceOnly() {
        var models = read("""
                {'models': [
                  {'id': 'x/embed', 'provider': 'openai', 'upstream_model': 'nomic-embed-text', 'kind': 'embedding',
                   'input_per_million': '0.5'}
                ]}""");
        assertThat(models.get("x/embed").kind()).isEqualTo(ModelKind.EMBEDDING);
        assertThat(models.get("x/embed").inputPerMillion()).isEqualTo(Credits.parse("0.5"));
        assertRefused(
                "{'models': [{'id': 'e', 'provider': 'openai', 'upstream_model': 'm', 'kind': 'embedding', "
                        + "'input_per_million': '1', 'output_per_million': '1'}]}",
                "field \"output_per_million\" does not belong to a embedding model");
        assertRefused(
                "{'models': [{'id': 'e', 'provider': 'openai', 'upstream_model': 'm', 'kind': 'embedding'}]}",
                "input_per_million must be a decimal string");
    }

    @Test
    void everyShippedModelHasThePricesOfItsKindAndNoOthers() throws IOException {
        for (PricedModel m : shipped().values()) {
            boolean chat = m.kind() == ModelKind.CHAT;
            assertThat(m.inputPerMillion() != null).as(m.id()).isEqualTo(chat || m.kind() == ModelKind.EMBEDDING);
            assertThat(m.outputPerMillion() != null).as(m.id()).isEqualTo(chat);
            assertThat(m.maxOutputTokens() != null).as(m.id()).isEqualTo(chat);
            assertThat(m.contextWindow() != null).as(m.id()).isEqualTo(chat);
            assertThat(m.imagePrices().isEmpty()).as(m.id()).isEqualTo(m.kind() != ModelKind.IMAGE);
            assertThat(m.perThousandChars() != null).as(m.id()).isEqualTo(m.kind() == ModelKind.SPEECH);
            assertThat(m.perAudioMinute() != null).as(m.id()).isEqualTo(m.kind() == ModelKind.TRANSCRIPTION);
        }
    }

    @Test
    void aWellFormedMinimalCatalogIsRead() {
        var models = read("""
                {'models': [
                  {'id': 'x/chat', 'provider': 'openai', 'upstream_model': 'llama3.1:8b', 'kind': 'chat',
                   'input_per_million': '0.000001', 'output_per_million': '0', 'max_output_tokens': 10,
                   'context_window': 10},
                  {'id': 'x/img', 'provider': 'demo', 'upstream_model': 'img', 'kind': 'image',
                   'image_prices': [{'size': '256x256', 'quality': 'standard', 'price': '1'}]}
                ]}""");
        assertThat(models.keySet()).containsExactly("x/chat", "x/img");
        assertThat(models.get("x/chat").inputPerMillion()).isEqualTo(Credits.ofMicros(1));
    }

    @Test
    void aMalformedCatalogIsRefusedWithEveryProblemNamed() {
        String chat = "'provider': 'openai', 'upstream_model': 'm', 'kind': 'chat', 'input_per_million': '1', "
                + "'output_per_million': '1', 'max_output_tokens': 10, 'context_window': 100";
        assertRefused("not json at all", null);
        assertRefused("[]", "JSON object");
        assertRefused("{'models': []}", "non-empty array");
        assertRefused("{'modles': [], 'models': [{'id': 'a', " + chat + "}]}", "unknown top-level field \"modles\"");
        assertRefused("{'models': [{'id': 'a', " + chat + "}, {'id': 'a', " + chat + "}]}", "more than once");
        assertRefused("{'models': [{'id': '/a', " + chat + "}]}", "not a valid model id");
        assertRefused("{'models': [{'id': 'a//b', " + chat + "}]}", "not a valid model id");
        assertRefused(
                "{'models': [{'id': 'a', " + chat.replace("'openai'", "'azure'") + "}]}", "provider must be one of");
        assertRefused("{'models': [{'id': 'a', " + chat.replace("'chat'", "'video'") + "}]}", "kind must be one of");
        assertRefused(
                "{'models': [{'id': 'a', " + chat.replace("'input_per_million': '1'", "'input_per_million': 0.15")
                        + "}]}",
                "input_per_million must be a decimal string");
        assertRefused(
                "{'models': [{'id': 'a', "
                        + chat.replace("'input_per_million': '1'", "'input_per_million': '0.0000001'") + "}]}",
                "at most 6 decimal places");
        assertRefused(
                "{'models': [{'id': 'a', " + chat.replace("'input_per_million': '1'", "'input_per_million': '-1'")
                        + "}]}",
                "between 0 and");
        assertRefused(
                "{'models': [{'id': 'a', " + chat.replace("'input_per_million': '1', ", "") + "}]}",
                "input_per_million must be");
        assertRefused(
                "{'models': [{'id': 'a', " + chat.replace("'context_window': 100", "'context_window': 5") + "}]}",
                "max_output_tokens exceeds context_window");
        assertRefused("{'models': [{'id': 'a', " + chat + ", 'per_audio_minute': '1'}]}", "does not belong");
        assertRefused("{'models': [{'id': 'a', " + chat + ", 'input_per_milion': '1'}]}", "does not belong");
        String image = "'provider': 'demo', 'upstream_model': 'i', 'kind': 'image', 'image_prices': ";
        assertRefused("{'models': [{'id': 'i', " + image + "[]}]}", "image_prices must be a non-empty array");
        assertRefused(
                "{'models': [{'id': 'i', " + image + "[{'size': 'big', 'quality': 'hd', 'price': '1'}]}]}",
                "size must look like 1024x1024");
        assertRefused(
                "{'models': [{'id': 'i', " + image + "[{'size': '1x1', 'quality': 'HD', 'price': '1'}]}]}",
                "quality must be");
        assertRefused(
                "{'models': [{'id': 'i', " + image + "[{'size': '1x1', 'quality': 'hd', 'price': '1'}, "
                        + "{'size': '1x1', 'quality': 'hd', 'price': '2'}]}]}",
                "listed twice");
        assertRefused(
                "{'models': [{'id': 's', 'provider': 'demo', 'upstream_model': 's', 'kind': 'speech'}]}",
                "per_thousand_chars must be");
    }

    @Test
    void allProblemsAreReportedTogether() {
        assertThatThrownBy(() -> read("{'models': [{'id': 'a', 'kind': 'chat'}, {'id': 'b b', 'kind': 'speech'}]}"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("models[0] (a): provider")
                .hasMessageContaining("models[0] (a): input_per_million")
                .hasMessageContaining("models[1] (b b): id is not a valid model id")
                .hasMessageContaining("models[1] (b b): per_thousand_chars");
    }

    private static void assertRefused(String json, String message) {
        var thrown = assertThatThrownBy(() -> read(json));
        if (message == null) {
            thrown.isInstanceOf(RuntimeException.class);
        } else {
            thrown.isInstanceOf(IllegalStateException.class).hasMessageContaining(message);
        }
    }
}
