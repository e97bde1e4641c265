package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.AnthropicRequests.JSON;

import dev.atrium.gateway.provider.ProviderException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns one Anthropic event stream into OpenAI {@code chat.completion.chunk}s as the events arrive:
 * a role chunk at {@code message_start}, a chunk per text or tool-argument delta, a finish chunk at
 * {@code message_delta} and a usage chunk (empty {@code choices}) at {@code message_stop}.
 * One instance per upstream attempt; not thread-safe.
 */
final class AnthropicStreamTranslator {
    private final long created;
    private String id = "";
    private String model;
    private final ObjectNode usage = JSON.createObjectNode();
    private final Map<Integer, Integer> toolCallByBlock = new HashMap<>();
    private boolean started;
    private boolean finishSent;
    private boolean stopped;

    AnthropicStreamTranslator(String model, long created) {
        this.model = model;
        this.created = created;
    }

    /** True once {@code message_stop} arrived: the stream is complete. */
    boolean stopped() {
        return stopped;
    }

    /** The chunks an event produces, in order (often none). An {@code error} event throws. */
    List<ObjectNode> onEvent(String eventName, String data) {
        JsonNode event = AnthropicRequests.parse(data);
        if (event == null || !event.isObject()) {
            throw new ProviderException("Anthropic sent an unreadable stream event", 502, false, data, null);
        }
        String type = event.path("type").asString(eventName);
        List<ObjectNode> chunks = new ArrayList<>(2);
        if (stopped) {
            return chunks;
        }
        switch (type) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                id = message.path("id").asString(id);
                model = message.path("model").asString(model);
                mergeUsage(message.path("usage"));
                start(chunks);
            }
            case "content_block_start" -> blockStart(event, chunks);
            case "content_block_delta" -> blockDelta(event, chunks);
            case "message_delta" -> {
                mergeUsage(event.path("usage"));
                JsonNode stopReason = event.path("delta").path("stop_reason");
                if (stopReason.isString()) {
                    finish(chunks, AnthropicResponses.finishReason(stopReason.asString()));
                }
            }
            case "message_stop" -> {
                finish(chunks, "stop");
                ObjectNode last = envelope();
                last.putArray("choices");
                last.set("usage", AnthropicResponses.usage(usage));
                chunks.add(last);
                stopped = true;
            }
            case "error" -> {
                String errorType = event.path("error").path("type").asString("api_error");
                int status = AnthropicResponses.statusOf(errorType);
                throw new ProviderException(
                        "Anthropic stream error " + AnthropicResponses.describeError(data),
                        status,
                        ProviderException.retryableStatus(status),
                        data,
                        null);
            }
            default -> {
                // ping, content_block_stop, and event types Anthropic may add: nothing to forward
            }
        }
        return chunks;
    }

    private void blockStart(JsonNode event, List<ObjectNode> chunks) {
        JsonNode block = event.path("content_block");
        switch (block.path("type").asString("")) {
            case "text" -> text(chunks, block.path("text").asString(""));
            case "tool_use" -> {
                int toolIndex = toolCallByBlock.size();
                toolCallByBlock.put(event.path("index").asInt(), toolIndex);
                ObjectNode call = JSON.createObjectNode();
                call.put("index", toolIndex);
                call.put("id", block.path("id").asString(""));
                call.put("type", "function");
                call.putObject("function")
                        .put("name", block.path("name").asString(""))
                        .put("arguments", "");
                ObjectNode delta = JSON.createObjectNode();
                delta.putArray("tool_calls").add(call);
                chunks.add(deltaChunk(chunks, delta, null));
            }
            default -> {
                // thinking and server-tool blocks are not part of an OpenAI chat message
            }
        }
    }

    private void blockDelta(JsonNode event, List<ObjectNode> chunks) {
        JsonNode delta = event.path("delta");
        switch (delta.path("type").asString("")) {
            case "text_delta" -> text(chunks, delta.path("text").asString(""));
            case "input_json_delta" -> {
                Integer toolIndex = toolCallByBlock.get(event.path("index").asInt());
                String json = delta.path("partial_json").asString("");
                if (toolIndex != null && !json.isEmpty()) {
                    ObjectNode call = JSON.createObjectNode();
                    call.put("index", toolIndex);
                    call.putObject("function").put("arguments", json);
                    ObjectNode out = JSON.createObjectNode();
                    out.putArray("tool_calls").add(call);
                    chunks.add(deltaChunk(chunks, out, null));
                }
            }
            default -> {
                // thinking_delta, signature_delta, citations_delta: nothing to forward
            }
        }
    }

    private void text(List<ObjectNode> chunks, String text) {
        if (!text.isEmpty()) {
            chunks.add(deltaChunk(chunks, JSON.createObjectNode().put("content", text), null));
        }
    }

    private void finish(List<ObjectNode> chunks, String finishReason) {
        if (!finishSent) {
            chunks.add(deltaChunk(chunks, JSON.createObjectNode(), finishReason));
            finishSent = true;
        }
    }

    private void start(List<ObjectNode> chunks) {
        if (!started) {
            started = true;
            ObjectNode delta = JSON.createObjectNode().put("role", "assistant").put("content", "");
            chunks.add(chunk(delta, null));
        }
    }

    /** A content chunk, preceded by the role chunk if {@code message_start} never came. */
    private ObjectNode deltaChunk(List<ObjectNode> chunks, ObjectNode delta, @Nullable String finishReason) {
        start(chunks);
        return chunk(delta, finishReason);
    }

    private ObjectNode chunk(ObjectNode delta, @Nullable String finishReason) {
        ObjectNode chunk = envelope();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk;
    }

    private ObjectNode envelope() {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }

    /** message_start carries input usage, message_delta the cumulative output (and, lately, input again). */
    private void mergeUsage(JsonNode update) {
        for (String field :
                List.of("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")) {
            if (update.path(field).isNumber()) {
                usage.put(field, update.path(field).asLong());
            }
        }
    }
}
