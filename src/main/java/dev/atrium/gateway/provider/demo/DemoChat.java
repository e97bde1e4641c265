package dev.atrium.gateway.provider.demo;

import dev.atrium.common.ApiException;
import dev.atrium.gateway.provider.AiProvider.ChunkSink;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Chat completions, plain and streamed, as OpenAI shapes them. The reply text is deterministic (see
 * {@link DemoReplies}); ids and {@code created} are not, as with any provider.
 *
 * <p>Usage follows {@link DemoTokenizer}: each message costs one token for its role plus the tokens
 * of its text (string content, or the {@code text} parts of an array); the completion costs the
 * tokens of the content delivered, and a stream delivers exactly one token per content chunk.
 */
final class DemoChat {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final Clock clock;
    private final Duration tokenDelay;

    DemoChat(Clock clock, Duration tokenDelay) {
        this.clock = clock;
        this.tokenDelay = tokenDelay;
    }

    /** One reply, worked out before anything is sent. */
    private record Reply(
            String id, long created, String model, List<String> pieces, String finishReason, int promptTokens) {
        String content() {
            return String.join("", pieces);
        }

        ObjectNode usage() {
            ObjectNode usage = JSON.objectNode();
            usage.put("prompt_tokens", promptTokens);
            usage.put("completion_tokens", pieces.size());
            usage.put("total_tokens", promptTokens + pieces.size());
            return usage;
        }
    }

    JsonNode complete(ProviderCall call, ObjectNode request) {
        Reply reply = reply(call, request);
        ObjectNode body = envelope(reply, "chat.completion");
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", reply.content());
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", reply.finishReason());
        body.set("usage", reply.usage());
        return body;
    }

    /** Streams the reply one token per chunk; an exception from the sink ends the stream at once and propagates. */
    void stream(ProviderCall call, ObjectNode request, ChunkSink sink) {
        Reply reply = reply(call, request);
        boolean includeUsage =
                request.path("stream_options").path("include_usage").asBoolean(false);

        ObjectNode first = JSON.objectNode();
        first.put("role", "assistant");
        first.put("content", "");
        first.putNull("refusal");
        sink.accept(chunk(reply, includeUsage, first, null));
        for (int i = 0; i < reply.pieces().size(); i++) {
            if (i > 0) pause();
            ObjectNode delta = JSON.objectNode();
            delta.put("content", reply.pieces().get(i));
            sink.accept(chunk(reply, includeUsage, delta, null));
        }
        sink.accept(chunk(reply, includeUsage, JSON.objectNode(), reply.finishReason()));
        if (includeUsage) {
            ObjectNode last = envelope(reply, "chat.completion.chunk");
            last.putArray("choices");
            last.set("usage", reply.usage());
            sink.accept(last);
        }
    }

    private ObjectNode chunk(Reply reply, boolean includeUsage, ObjectNode delta, @Nullable String finishReason) {
        ObjectNode chunk = envelope(reply, "chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        if (includeUsage) chunk.putNull("usage");
        return chunk;
    }

    private static ObjectNode envelope(Reply reply, String object) {
        ObjectNode body = JSON.objectNode();
        body.put("id", reply.id());
        body.put("object", object);
        body.put("created", reply.created());
        body.put("model", reply.model());
        return body;
    }

    private Reply reply(ProviderCall call, ObjectNode request) {
        String model = call.upstreamModel();
        Integer limit = maxTokens(request);
        List<String> seed = new ArrayList<>(List.of(model));
        String lastUser = "";
        int promptTokens = 0;
        for (JsonNode message : messages(request)) {
            String role = message.path("role").isString() ? message.get("role").stringValue() : "user";
            String text = text(message.path("content"));
            seed.add(role + ": " + text);
            promptTokens += 1 + DemoTokenizer.count(text);
            if (role.equals("user")) lastUser = text;
        }
        List<String> pieces = DemoTokenizer.pieces(DemoReplies.reply(model, seed, lastUser));
        boolean cut = limit != null && limit < pieces.size();
        if (cut) pieces = pieces.subList(0, limit);
        byte[] id = new byte[12];
        ThreadLocalRandom.current().nextBytes(id);
        return new Reply(
                "chatcmpl-demo" + HexFormat.of().formatHex(id),
                clock.instant().getEpochSecond(),
                model,
                List.copyOf(pieces),
                cut ? "length" : "stop",
                promptTokens);
    }

    private static Iterable<JsonNode> messages(ObjectNode request) {
        JsonNode messages = request.path("messages");
        if (!messages.isArray() || messages.isEmpty())
            throw ApiException.invalid("messages", "At least one message is required.");
        for (JsonNode message : messages) {
            if (!message.isObject()) throw ApiException.invalid("messages", "Each message must be an object.");
        }
        return messages;
    }

    /** String content as is; an array's {@code text} parts joined by newlines; anything else is no text. */
    private static String text(JsonNode content) {
        if (content.isString()) return content.stringValue();
        if (!content.isArray()) return "";
        List<String> parts = new ArrayList<>();
        for (JsonNode part : content) {
            JsonNode text = part.path("text");
            if (text.isString()) parts.add(text.stringValue());
        }
        return String.join("\n", parts);
    }

    /** {@code max_completion_tokens}, or the older {@code max_tokens}; null when neither is set. */
    private static @Nullable Integer maxTokens(ObjectNode request) {
        for (String field : List.of("max_completion_tokens", "max_tokens")) {
            JsonNode value = request.path(field);
            if (value.isMissingNode() || value.isNull()) continue;
            if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1)
                throw ApiException.invalid(field, field + " must be a positive integer.");
            return value.intValue();
        }
        return null;
    }

    private void pause() {
        if (tokenDelay.isZero() || tokenDelay.isNegative()) return;
        try {
            Thread.sleep(tokenDelay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException("The demo stream was interrupted.", 0, false, null, e);
        }
    }
}
