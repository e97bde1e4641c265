package dev.atrium.gateway.provider.demo;

import static dev.atrium.gateway.provider.demo.DemoFixtures.body;
import static dev.atrium.gateway.provider.demo.DemoFixtures.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class DemoEmbeddingsTest {
    private final DemoProvider demo = DemoFixtures.provider();

    private JsonNode embed(String json) {
        return demo.embeddings(call("embed"), body(json));
    }

    private static double[] vector(JsonNode response, int index) {
        JsonNode values = response.path("data").get(index).path("embedding");
        double[] v = new double[values.size()];
        for (int i = 0; i < v.length; i++) v[i] = values.get(i).floatValue();
        return v;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
        return sum;
    }

    @Test
    void vectorsAreUnitLengthDeterministicAndOfTheDefaultDimension() {
        JsonNode r = embed("{\"input\": [\"Hello, world!\", \"Goodbye\"]}");
        assertThat(r.path("object").asString()).isEqualTo("list");
        assertThat(r.path("model").asString()).isEqualTo("embed");
        assertThat(r.path("data")).hasSize(2);
        double[] hello = vector(r, 0);
        assertThat(hello).hasSize(DemoEmbeddings.DEFAULT_DIMENSIONS);
        assertThat(dot(hello, hello)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(r.path("data").get(1).path("index").asInt()).isEqualTo(1);
        // the same text gives the same vector, in another request and from another provider instance
        JsonNode again = DemoFixtures.provider().embeddings(call("embed"), body("{\"input\": \"Hello, world!\"}"));
        assertThat(vector(again, 0)).isEqualTo(hello);
        // "Hello" "," "world" "!" + "Goodbye"
        assertThat(r.path("usage").path("prompt_tokens").asLong()).isEqualTo(5);
        assertThat(r.path("usage").path("total_tokens").asLong()).isEqualTo(5);
    }

    @Test
    void caseAndSpacingDoNotMatterAndSharedWordsBringVectorsTogether() {
        JsonNode r = embed("{\"input\": [\"Red apples\", \"  red   APPLES \", \"red cars\", \"quantum physics\"]}");
        assertThat(vector(r, 1)).isEqualTo(vector(r, 0));
        double related = dot(vector(r, 0), vector(r, 2));
        double unrelated = dot(vector(r, 0), vector(r, 3));
        assertThat(related).isGreaterThan(0.3);
        assertThat(related).isGreaterThan(Math.abs(unrelated));
    }

    @Test
    void dimensionsShortenTheVectorAsAPrefixNormalizedAgain() {
        double[] full = vector(embed("{\"input\": \"a lighthouse\"}"), 0);
        double[] eight = vector(embed("{\"input\": \"a lighthouse\", \"dimensions\": 8}"), 0);
        assertThat(eight).hasSize(8);
        assertThat(dot(eight, eight)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        double prefixNorm = 0;
        for (int i = 0; i < 8; i++) prefixNorm += full[i] * full[i];
        prefixNorm = Math.sqrt(prefixNorm);
        for (int i = 0; i < 8; i++) {
            assertThat(eight[i]).isCloseTo(full[i] / prefixNorm, org.assertj.core.data.Offset.offset(1e-5));
        }
        assertThat(vector(embed("{\"input\": \"a\", \"dimensions\": 3072}"), 0)).hasSize(3072);
        for (String bad : List.of("0", "3073", "\"8\"", "1.5")) {
            assertThatThrownBy(() -> embed("{\"input\": \"a\", \"dimensions\": " + bad + "}"))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status().value()).isEqualTo(400);
                        assertThat(e.code()).isEqualTo("invalid_dimensions");
                    });
        }
    }

    @Test
    void tokenIdsCountOneEachAndBase64IsTheLittleEndianFloats() {
        JsonNode ids = embed("{\"input\": [1, 2, 3]}");
        assertThat(ids.path("data")).hasSize(1);
        assertThat(ids.path("usage").path("prompt_tokens").asLong()).isEqualTo(3);
        JsonNode lists = embed("{\"input\": [[1, 2, 3], [7]], \"encoding_format\": \"base64\"}");
        assertThat(lists.path("data")).hasSize(2);
        assertThat(lists.path("usage").path("prompt_tokens").asLong()).isEqualTo(4);
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder()
                        .decode(lists.path("data").get(0).path("embedding").asString()))
                .order(ByteOrder.LITTLE_ENDIAN);
        List<Double> decoded = new ArrayList<>();
        while (bytes.hasRemaining()) decoded.add((double) bytes.getFloat());
        double[] expected = vector(ids, 0);
        assertThat(decoded).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) assertThat(decoded.get(i)).isEqualTo(expected[i]);
        // token ids and the text they might stand for are different inputs
        assertThat(vector(embed("{\"input\": \"1 2 3\"}"), 0)).isNotEqualTo(expected);
    }
}
