package dev.atrium.gateway.provider.demo;

import dev.atrium.common.ApiException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Offline embeddings: deterministic unit vectors of {@value #DEFAULT_DIMENSIONS} dimensions (or the
 * request's {@code dimensions}, up to {@value #MAX_DIMENSIONS}), the same on every run and every
 * machine. A text's vector is the normalized sum of one pseudo-random vector per word (lower-cased,
 * as {@link DemoTokenizer} cuts it; {@link Seeded} by the word), so texts that share words point in
 * similar directions and a demo search finds something; a list of token ids sums one vector per id.
 * Fewer dimensions are the first ones of the full vector, normalized again, as OpenAI's
 * text-embedding-3 models shorten theirs. {@code usage.prompt_tokens} counts {@link DemoTokenizer}
 * tokens (token ids count one each).
 */
final class DemoEmbeddings {
    static final int DEFAULT_DIMENSIONS = 256;
    static final int MAX_DIMENSIONS = 3072;

    private DemoEmbeddings() {}

    static JsonNode embed(String model, ObjectNode request) {
        int dimensions = dimensions(request.path("dimensions"));
        boolean base64 = request.path("encoding_format").asString("float").equals("base64");
        Map<String, float[]> words = new HashMap<>();
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        long tokens = 0;
        List<List<String>> inputs = inputs(request.path("input"));
        for (int i = 0; i < inputs.size(); i++) {
            List<String> bag = inputs.get(i);
            tokens += bag.size();
            double[] sum = new double[dimensions];
            for (String word : bag) {
                float[] v = words.computeIfAbsent(word, w -> vector(dimensions, "word", w));
                for (int d = 0; d < dimensions; d++) sum[d] += v[d];
            }
            if (bag.isEmpty()) {
                float[] v = vector(dimensions, "empty", "");
                for (int d = 0; d < dimensions; d++) sum[d] = v[d];
            }
            float[] unit = normalized(sum);
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (base64) {
                item.put("embedding", base64(unit));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float f : unit) values.add(f);
            }
        }
        body.put("model", model);
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        return body;
    }

    private static int dimensions(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) return DEFAULT_DIMENSIONS;
        if (!node.canConvertToInt()
                || !node.isIntegralNumber()
                || node.intValue() < 1
                || node.intValue() > MAX_DIMENSIONS) {
            throw new ApiException(
                    HttpStatus.BAD_REQUEST,
                    "invalid_dimensions",
                    "'dimensions' must be a whole number between 1 and " + MAX_DIMENSIONS + " for demo/embed.");
        }
        return node.intValue();
    }

    /** Each input as the words (or token ids) whose vectors it sums. */
    private static List<List<String>> inputs(JsonNode input) {
        List<List<String>> inputs = new ArrayList<>();
        if (input.isString()) {
            inputs.add(words(input.asString()));
        } else if (!input.isEmpty() && input.get(0).isNumber()) {
            inputs.add(ids(input));
        } else {
            for (JsonNode item : input) inputs.add(item.isString() ? words(item.asString()) : ids(item));
        }
        return inputs;
    }

    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        for (String piece : DemoTokenizer.pieces(text)) words.add(piece.strip().toLowerCase(Locale.ROOT));
        return words;
    }

    private static List<String> ids(JsonNode tokens) {
        List<String> ids = new ArrayList<>();
        for (JsonNode id : tokens) ids.add("#" + id.asLong());
        return ids;
    }

    private static float[] vector(int dimensions, String kind, String word) {
        Seeded random = new Seeded("demo-embedding", kind, word);
        float[] v = new float[dimensions];
        for (int d = 0; d < dimensions; d++) v[d] = (float) random.between(-1, 1);
        return v;
    }

    private static float[] normalized(double[] sum) {
        double norm = 0;
        for (double x : sum) norm += x * x;
        norm = Math.sqrt(norm);
        float[] unit = new float[sum.length];
        for (int d = 0; d < sum.length; d++) unit[d] = norm == 0 ? 0f : (float) (sum[d] / norm);
        return unit;
    }

    /** As OpenAI sends them: the floats' little-endian IEEE 754 bytes, in base64. */
    private static String base64(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) bytes.putFloat(f);
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
