package dev.atrium.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.GatewayException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The embeddings request's checks and bounds, and the encodings given back, without a server. */
class EmbeddingServiceTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    @Test
    void theBoundOnTokensIsAtLeastTheUtf8BytesAndTheEstimateAboutFourCharactersEach() {
        var one = EmbeddingService.input(json("\"hello world!\"")); // 12 bytes
        assertThat(one.count()).isEqualTo(1);
        assertThat(one.estimate()).isEqualTo(3);
        assertThat(one.bound()).isEqualTo(12 + 8);
        var cjk = EmbeddingService.input(json("[\"東京\", \"ab\"]")); // 6 bytes, 2 bytes
        assertThat(cjk.count()).isEqualTo(2);
        assertThat(cjk.bound()).isEqualTo(6 + 8 + 2 + 8);
        var ids = EmbeddingService.input(json("[1, 2, 3]"));
        assertThat(ids.count()).isEqualTo(1);
        assertThat(ids.estimate()).isEqualTo(3);
        var lists = EmbeddingService.input(json("[[1, 2, 3], [4]]"));
        assertThat(lists.count()).isEqualTo(2);
        assertThat(lists.estimate()).isEqualTo(4);
        assertThat(lists.bound()).isEqualTo(4 + 16);
    }

    @Test
    void malformedInputIsA400() {
        for (String bad : new String[] {
            "null",
            "{}",
            "true",
            "3",
            "\"\"",
            "[]",
            "[\"\"]",
            "[\"a\", 1]",
            "[1, \"a\"]",
            "[[1], [\"a\"]]",
            "[[1], []]",
            "[[1], 2]",
            "[-1]",
            "[2147483648]",
            "[0.5]",
            "[null]",
            "[{}]",
            "[true]"
        }) {
            assertThatThrownBy(() -> EmbeddingService.input(json(bad)))
                    .as(bad)
                    .isInstanceOfSatisfying(
                            GatewayException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
    }

    @Test
    void embeddingsAreGivenBackInTheEncodingTheClientAskedFor() {
        ObjectNode floats = (ObjectNode) json("{\"embedding\": [0.5, -0.25, 1.0]}");
        EmbeddingService.encode(floats, true);
        assertThat(floats.path("embedding").asString()).isEqualTo("AAAAPwAAgL4AAIA/");
        EmbeddingService.encode(floats, false);
        assertThat(floats.path("embedding").toString()).isEqualTo("[0.5,-0.25,1.0]");
        ObjectNode unchanged = (ObjectNode) json("{\"embedding\": [0.5]}");
        EmbeddingService.encode(unchanged, false);
        assertThat(unchanged.path("embedding").toString()).isEqualTo("[0.5]");
    }

    @Test
    void aProviderWithoutEmbeddingsAnswersA400InOpenAisShape() {
        var refused = new ApiException(
                HttpStatus.BAD_REQUEST, "unsupported_by_provider", "Anthropic does not offer embeddings.");
        GatewayException e = ChatService.upstreamFailure("anthropic", refused);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.type()).isEqualTo("invalid_request_error");
        assertThat(e.code()).isEqualTo("unsupported_by_provider");
        assertThat(e.getMessage()).isEqualTo("Anthropic does not offer embeddings.");
    }
}
