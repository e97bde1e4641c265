package dev.atrium.gateway.provider.demo;

import static dev.atrium.gateway.provider.demo.DemoFixtures.body;
import static dev.atrium.gateway.provider.demo.DemoFixtures.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class DemoImagesTest {
    private final DemoProvider demo = DemoFixtures.provider();

    private JsonNode generate(String json) {
        return demo.images(call("image"), body(json));
    }

    private static byte[] png(JsonNode response, int index) {
        return Base64.getDecoder()
                .decode(response.path("data").get(index).path("b64_json").stringValue());
    }

    private static BufferedImage decode(byte[] png) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image).as("ImageIO decodes the PNG").isNotNull();
        return image;
    }

    @ParameterizedTest
    @ValueSource(strings = {"256x256", "512x512", "1024x1024", "1792x1024", "1024x1792"})
    void eachSizeIsARealPngOfThatSize(String size) throws IOException {
        JsonNode response = generate("{\"prompt\": \"a lighthouse at dusk\", \"size\": \"" + size + "\"}");
        byte[] png = png(response, 0);
        assertThat(png).startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n');
        BufferedImage image = decode(png);
        assertThat(image.getWidth() + "x" + image.getHeight()).isEqualTo(size);
    }

    @Test
    void theResponseHasOpenAisShapeAndDefaultsToOneSquareImage() throws IOException {
        JsonNode response = generate("{\"prompt\": \"a lighthouse at dusk\"}");
        assertThat(response.path("created").asLong()).isEqualTo(DemoFixtures.NOW.getEpochSecond());
        assertThat(response.path("data")).hasSize(1);
        assertThat(response.path("data").get(0).path("revised_prompt").stringValue())
                .endsWith("a lighthouse at dusk");
        BufferedImage image = decode(png(response, 0));
        assertThat(image.getWidth()).isEqualTo(1024);
        assertThat(image.getHeight()).isEqualTo(1024);
    }

    @Test
    void aPromptAlwaysPaintsTheSameBytesAndAnotherPromptOthers() {
        String request = "{\"prompt\": \"a lighthouse at dusk\", \"size\": \"256x256\"}";
        byte[] first = png(generate(request), 0);
        assertThat(png(generate(request), 0)).isEqualTo(first);
        assertThat(png(generate(request.replace("dusk", "dawn")), 0)).isNotEqualTo(first);
    }

    @Test
    void nImagesDifferFromEachOtherAndTheFirstMatchesASingleImage() throws IOException {
        JsonNode four = generate("{\"prompt\": \"red kites\", \"size\": \"256x256\", \"n\": 4}");
        assertThat(four.path("data")).hasSize(4);
        byte[] single = png(generate("{\"prompt\": \"red kites\", \"size\": \"256x256\"}"), 0);
        assertThat(png(four, 0)).isEqualTo(single);
        for (int i = 1; i < 4; i++) {
            assertThat(png(four, i)).isNotEqualTo(png(four, i - 1));
            assertThat(decode(png(four, i)).getWidth()).isEqualTo(256);
        }
    }

    @Test
    void thePictureIsNotBlank() throws IOException {
        BufferedImage image = decode(png(generate("{\"prompt\": \"anything\", \"size\": \"256x256\"}"), 0));
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < 256; y += 8) for (int x = 0; x < 256; x += 8) colours.add(image.getRGB(x, y));
        assertThat(colours).hasSizeGreaterThan(50);
    }

    @Test
    void invalidRequestsAreRefusedWithTheField() {
        assertThatThrownBy(() -> generate("{\"prompt\": \"  \"}"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("prompt"));
        assertThatThrownBy(() -> generate("{\"prompt\": \"x\", \"n\": 5}"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("n"));
        assertThatThrownBy(() -> generate("{\"prompt\": \"x\", \"size\": \"100x100\"}"))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.field()).isEqualTo("size"));
    }
}
