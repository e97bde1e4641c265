package dev.atrium.gateway.internal;

import tools.jackson.databind.JsonNode;

/**
 * Token estimates where no tokenizer of the model is at hand: about four characters per token,
 * plus a small per-message overhead. Used for holds (an upper bound with {@code max_tokens}) and
 * for output delivered on a cut stream.
 */
public final class Tokens {
    private static final int PER_MESSAGE = 4;

    private Tokens() {}

    public static long ofText(String text) {
        return text.isEmpty() ? 0 : (text.length() + 3) / 4;
    }

    /**
     * Estimated tokens of an assistant message or of a stream's delta: its text, its refusal and its
     * tool calls (names and arguments are output the model wrote, too).
     */
    public static long ofOutput(JsonNode message) {
        StringBuilder text = new StringBuilder();
        append(text, message.path("content"));
        append(text, message.path("refusal"));
        for (JsonNode call : message.path("tool_calls")) {
            append(text, call.path("function").path("name"));
            append(text, call.path("function").path("arguments"));
        }
        return ofText(text.toString());
    }

    private static void append(StringBuilder text, JsonNode value) {
        if (value.isString()) text.append(value.asString());
    }

    /** Estimated prompt tokens of an OpenAI chat request's {@code messages}. */
    public static long ofMessages(JsonNode messages) {
        long total = 3;
        for (JsonNode m : messages) {
            total += PER_MESSAGE;
            JsonNode content = m.path("content");
            if (content.isString()) {
                total += ofText(content.asString());
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    if (part.path("type").asString("").equals("text")) {
                        total += ofText(part.path("text").asString(""));
                    } else {
                        total += 1000; // an image or other part: a generous flat estimate
                    }
                }
            }
            total += ofText(m.path("name").asString(""));
        }
        return total;
    }
}
