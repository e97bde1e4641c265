package dev.atrium.gateway.provider.demo;

import dev.atrium.common.ApiException;
import java.util.Base64;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Image generation: {@code n} (1 to 4) PNGs of the requested {@code size}, each a {@link DemoPattern}
 * seeded by the prompt and the image's index, so the same prompt always paints the same pictures.
 * Images always come back as {@code b64_json} (the provider contract), whatever
 * {@code response_format} asks; {@code quality}, {@code style} and the like are ignored.
 */
final class DemoImages {
    static final List<String> SIZES = List.of("256x256", "512x512", "1024x1024", "1792x1024", "1024x1792");
    static final String DEFAULT_SIZE = "1024x1024";
    private static final int MAX_PROMPT = 32_000;

    private DemoImages() {}

    static JsonNode generate(ObjectNode request, long created) {
        String prompt = prompt(request);
        int n = count(request);
        String size = size(request);
        int x = size.indexOf('x');
        int width = Integer.parseInt(size.substring(0, x));
        int height = Integer.parseInt(size.substring(x + 1));

        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("created", created);
        ArrayNode data = body.putArray("data");
        for (int i = 0; i < n; i++) {
            byte[] png = Png.encode(
                    width, height, DemoPattern.render(new Seeded("image", prompt, Integer.toString(i)), width, height));
            ObjectNode image = data.addObject();
            image.put("b64_json", Base64.getEncoder().encodeToString(png));
            image.put(
                    "revised_prompt",
                    "An abstract composition of circles on a gradient, painted offline for: " + prompt);
        }
        return body;
    }

    private static String prompt(ObjectNode request) {
        JsonNode prompt = request.path("prompt");
        if (!prompt.isString() || prompt.stringValue().isBlank())
            throw ApiException.invalid("prompt", "A prompt is required.");
        if (prompt.stringValue().length() > MAX_PROMPT)
            throw ApiException.invalid("prompt", "The prompt may hold at most " + MAX_PROMPT + " characters.");
        return prompt.stringValue();
    }

    private static int count(ObjectNode request) {
        JsonNode n = request.path("n");
        if (n.isMissingNode() || n.isNull()) return 1;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 1 || n.intValue() > 4)
            throw ApiException.invalid("n", "n must be an integer from 1 to 4.");
        return n.intValue();
    }

    /** One of {@link #SIZES}; {@code auto} or nothing means {@value #DEFAULT_SIZE}. */
    private static String size(ObjectNode request) {
        JsonNode size = request.path("size");
        if (size.isMissingNode()
                || size.isNull()
                || (size.isString() && size.stringValue().equals("auto"))) return DEFAULT_SIZE;
        if (!size.isString() || !SIZES.contains(size.stringValue()))
            throw ApiException.invalid("size", "size must be one of " + String.join(", ", SIZES) + " (or auto).");
        return size.stringValue();
    }
}
