package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.AnthropicRequests.JSON;

import dev.atrium.gateway.provider.ProviderException;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Anthropic Messages results → OpenAI {@code chat.completion} objects, and Anthropic errors → {@link ProviderException}. */
final class AnthropicResponses {

    private AnthropicResponses() {}

    /** A complete Anthropic {@code message} as an OpenAI {@code chat.completion}. */
    static ObjectNode completion(JsonNode message, String fallbackModel, long created) {
        if (!"message".equals(message.path("type").asString(""))) {
            throw new ProviderException(
                    "Anthropic answered with something that is not a message", 502, false, message.toString(), null);
        }
        StringBuilder text = new StringBuilder();
        ArrayNode toolCalls = JSON.createArrayNode();
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asString("")) {
                case "text" -> text.append(block.path("text").asString(""));
                case "tool_use" -> toolCalls.add(AnthropicTools.toolCall(block));
                default -> {
                    // thinking and server-side tool blocks have no place in an OpenAI chat message
                }
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("id", message.path("id").asString(""));
        out.put("object", "chat.completion");
        out.put("created", created);
        out.put("model", message.path("model").asString(fallbackModel));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode assistant = choice.putObject("message");
        assistant.put("role", "assistant");
        if (text.isEmpty() && !toolCalls.isEmpty()) {
            assistant.putNull("content");
        } else {
            assistant.put("content", text.toString());
        }
        assistant.putNull("refusal");
        if (!toolCalls.isEmpty()) {
            assistant.set("tool_calls", toolCalls);
        }
        choice.putNull("logprobs");
        JsonNode stopReason = message.path("stop_reason");
        choice.put("finish_reason", finishReason(stopReason.isString() ? stopReason.asString() : null));
        out.set("usage", usage(message.path("usage")));
        return out;
    }

    /** Anthropic's {@code stop_reason} as OpenAI's {@code finish_reason}. */
    static String finishReason(@Nullable String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            // end_turn, stop_sequence, pause_turn and whatever Anthropic adds later: the turn ended
            default -> "stop";
        };
    }

    /**
     * Anthropic's {@code usage} as OpenAI's. Input read from or written to the prompt cache is input
     * all the same, so it counts in {@code prompt_tokens}; cache reads also show as {@code cached_tokens}.
     */
    static ObjectNode usage(JsonNode usage) {
        long cacheRead = usage.path("cache_read_input_tokens").asLong(0);
        long prompt = usage.path("input_tokens").asLong(0)
                + usage.path("cache_creation_input_tokens").asLong(0)
                + cacheRead;
        long completion = usage.path("output_tokens").asLong(0);
        ObjectNode out = JSON.createObjectNode();
        out.put("prompt_tokens", prompt);
        out.put("completion_tokens", completion);
        out.put("total_tokens", prompt + completion);
        if (cacheRead > 0) {
            out.putObject("prompt_tokens_details").put("cached_tokens", cacheRead);
        }
        return out;
    }

    /** The HTTP status Anthropic uses for an error type, for errors that arrive inside a stream. */
    static int statusOf(String errorType) {
        return switch (errorType) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }

    /** {@code "overloaded_error: Overloaded"} from Anthropic's {@code {"type":"error","error":{...}}}, or a prefix of the body. */
    static String describeError(@Nullable String body) {
        JsonNode parsed = body == null ? null : AnthropicRequests.parse(body);
        if (parsed != null && parsed.path("error").isObject()) {
            JsonNode error = parsed.path("error");
            return error.path("type").asString("error") + ": "
                    + error.path("message").asString("");
        }
        if (body == null || body.isBlank()) {
            return "no details";
        }
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }
}
