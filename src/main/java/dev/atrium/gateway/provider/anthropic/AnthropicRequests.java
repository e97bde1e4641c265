package dev.atrium.gateway.provider.anthropic;

import dev.atrium.common.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI chat request body → Anthropic Messages request body. What Anthropic cannot express is
 * refused with a 400 naming the field rather than silently dropped; OpenAI-only tuning knobs
 * without an Anthropic counterpart ({@code logprobs}, {@code seed}, penalties, …) are ignored.
 */
final class AnthropicRequests {
    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");

    private AnthropicRequests() {}

    static ObjectNode translate(ObjectNode openAi, String model, int defaultMaxTokens, boolean stream) {
        ObjectNode out = JSON.createObjectNode();
        out.put("model", model);
        out.put("max_tokens", maxTokens(openAi, defaultMaxTokens));
        List<String> system = new ArrayList<>();
        ArrayNode messages = messages(openAi, system);
        if (!system.isEmpty()) {
            out.put("system", String.join("\n\n", system));
        }
        out.set("messages", messages);
        JsonNode n = openAi.path("n");
        if (n.isNumber() && n.asInt() != 1) {
            throw unsupported("n", "Anthropic returns a single choice: n must be 1.");
        }
        JsonNode format = openAi.path("response_format").path("type");
        if (format.isString() && !format.asString().equals("text")) {
            // Ignoring it would hand back prose where the client was promised JSON; tools are the way to structure.
            throw unsupported(
                    "response_format",
                    "Anthropic has no JSON mode: response_format '" + format.asString()
                            + "' cannot be honoured; use tools.");
        }
        JsonNode temperature = openAi.path("temperature");
        if (temperature.isNumber()) {
            // OpenAI accepts 0..2, Anthropic 0..1: clamp rather than rescale, so 0.7 means the same.
            out.put("temperature", Math.max(0.0, Math.min(1.0, temperature.asDouble())));
        }
        JsonNode topP = openAi.path("top_p");
        if (topP.isNumber()) {
            out.put("top_p", topP.asDouble());
        }
        JsonNode topK = openAi.path("top_k");
        if (topK.isNumber()) {
            out.put("top_k", topK.asInt());
        }
        List<String> stops = stops(openAi.path("stop"));
        if (!stops.isEmpty()) {
            ArrayNode sequences = out.putArray("stop_sequences");
            stops.forEach(sequences::add);
        }
        JsonNode user = openAi.path("user");
        if (user.isString() && !user.asString().isEmpty()) {
            out.putObject("metadata").put("user_id", user.asString());
        }
        AnthropicTools.translate(openAi, out);
        if (stream) {
            out.put("stream", true);
        }
        return out;
    }

    private static int maxTokens(ObjectNode openAi, int defaultMaxTokens) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode value = openAi.path(field);
            if (value.isNumber()) {
                return value.asInt();
            }
        }
        return defaultMaxTokens;
    }

    private static List<String> stops(JsonNode stop) {
        List<String> result = new ArrayList<>();
        if (stop.isString()) {
            result.add(stop.asString());
        } else if (stop.isArray()) {
            for (JsonNode s : stop) {
                if (!s.isString()) {
                    throw ApiException.invalid("stop", "stop must be a string or a list of strings.");
                }
                result.add(s.asString());
            }
        }
        return result;
    }

    private static ArrayNode messages(ObjectNode openAi, List<String> system) {
        JsonNode input = openAi.path("messages");
        if (!input.isArray()) {
            throw ApiException.invalid("messages", "messages must be a list.");
        }
        ArrayNode out = JSON.createArrayNode();
        for (JsonNode message : input) {
            String role = message.path("role").asString("");
            switch (role) {
                // Anthropic has one system prompt: system and developer messages, wherever they stand, join it.
                case "system", "developer" -> system.add(plainText(message.path("content"), "system"));
                case "user" -> append(out, "user", userBlocks(message.path("content")));
                case "assistant" -> append(out, "assistant", assistantBlocks(message));
                case "tool" -> append(out, "user", AnthropicTools.toolResult(message));
                default ->
                    throw unsupported("messages", "Messages with role '" + role + "' cannot be sent to Anthropic.");
            }
        }
        return out;
    }

    /** Anthropic wants user and assistant turns to alternate: consecutive same-role messages become one. */
    private static void append(ArrayNode messages, String role, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(last.path("role").asString())) {
            ((ArrayNode) last.get("content")).addAll(blocks);
            return;
        }
        ObjectNode message = messages.addObject();
        message.put("role", role);
        message.set("content", blocks);
    }

    private static ArrayNode userBlocks(JsonNode content) {
        ArrayNode blocks = JSON.createArrayNode();
        if (content.isString()) {
            addText(blocks, content.asString());
        } else if (content.isArray()) {
            for (JsonNode part : content) {
                String type = part.path("type").asString("");
                switch (type) {
                    case "text" -> addText(blocks, part.path("text").asString(""));
                    case "image_url" ->
                        blocks.add(image(part.path("image_url").path("url").asString("")));
                    default ->
                        throw unsupported(
                                "messages", "Content parts of type '" + type + "' are not supported by Anthropic.");
                }
            }
        } else if (!content.isMissingNode() && !content.isNull()) {
            throw ApiException.invalid("messages", "Message content must be a string or a list of parts.");
        }
        return blocks;
    }

    private static ArrayNode assistantBlocks(JsonNode message) {
        ArrayNode blocks = JSON.createArrayNode();
        JsonNode content = message.path("content");
        if (content.isString()) {
            addText(blocks, content.asString());
        } else if (content.isArray()) {
            for (JsonNode part : content) {
                String type = part.path("type").asString("");
                switch (type) {
                    case "text" -> addText(blocks, part.path("text").asString(""));
                    case "refusal" -> addText(blocks, part.path("refusal").asString(""));
                    default ->
                        throw unsupported(
                                "messages",
                                "Assistant content parts of type '" + type + "' are not supported by Anthropic.");
                }
            }
        }
        AnthropicTools.toolUses(message, blocks);
        return blocks;
    }

    /** Anthropic rejects empty text blocks; an empty OpenAI text part carries nothing anyway. */
    private static void addText(ArrayNode blocks, String text) {
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
    }

    static String plainText(JsonNode content, String field) {
        if (content.isString()) {
            return content.asString();
        }
        if (content.isMissingNode() || content.isNull()) {
            return "";
        }
        if (!content.isArray()) {
            throw ApiException.invalid(field, "Content must be a string or a list of text parts.");
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if (!"text".equals(part.path("type").asString(""))) {
                throw unsupported(field, "Only text parts are supported here by Anthropic.");
            }
            text.append(part.path("text").asString(""));
        }
        return text.toString();
    }

    private static ObjectNode image(String url) {
        ObjectNode block = JSON.createObjectNode().put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith("https://") || url.startsWith("http://")) {
            source.put("type", "url").put("url", url);
            return block;
        }
        // data:image/png;base64,iVBOR...
        int comma = url.indexOf(',');
        String header = comma < 0 ? "" : url.substring(0, comma);
        if (!url.startsWith("data:") || !header.endsWith(";base64")) {
            throw unsupported("messages", "Images must be http(s) URLs or base64 data: URLs.");
        }
        String mediaType = header.substring("data:".length(), header.length() - ";base64".length());
        if (!IMAGE_TYPES.contains(mediaType)) {
            throw unsupported("messages", "Anthropic accepts JPEG, PNG, GIF and WebP images, not '" + mediaType + "'.");
        }
        source.put("type", "base64").put("media_type", mediaType).put("data", url.substring(comma + 1));
        return block;
    }

    static @Nullable JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JacksonException e) {
            return null;
        }
    }

    static ApiException unsupported(String field, String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, "unsupported_by_provider", detail, field);
    }
}
