package dev.atrium.gateway.internal;

import dev.atrium.gateway.ChatOutcome;
import dev.atrium.gateway.GatewayException;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}) over the gateway's chat: a Messages request
 * becomes an OpenAI chat request ({@link #toChat}) that {@link ChatService} prices, admits, forwards
 * to whichever provider the catalog names and settles; the chat answer becomes a Messages answer
 * ({@link #toMessage}), and a stream's chunks become Anthropic's events ({@link #sink}).
 *
 * <p>Translated: {@code system} (a string or text blocks), {@code messages} with text, image,
 * {@code tool_use} and {@code tool_result} blocks, {@code max_tokens} (required, as Anthropic
 * requires it), {@code temperature}, {@code top_p}, {@code top_k}, {@code stop_sequences},
 * {@code metadata.user_id}, {@code tools} and {@code tool_choice}, {@code stream}. Other fields
 * ({@code thinking}, {@code service_tier}, …) are ignored.
 */
public final class MessagesWire {
    private final JsonMapper json;

    public MessagesWire(JsonMapper json) {
        this.json = json;
    }

    /** The OpenAI chat request for a Messages request; 400 ({@code invalid_request_error}) for what it cannot carry. */
    public ObjectNode toChat(ObjectNode body) {
        ObjectNode out = json.createObjectNode();
        JsonNode model = body.path("model");
        if (!model.isString() || model.asString().isBlank()) throw invalid("model: Field required");
        out.put("model", model.asString());
        JsonNode maxTokens = body.path("max_tokens");
        if (!maxTokens.isIntegralNumber()) throw invalid("max_tokens: Field required");
        if (maxTokens.asLong() < 1) throw invalid("max_tokens: must be greater than or equal to 1");
        out.put("max_completion_tokens", maxTokens.asLong());
        ArrayNode messages = out.putArray("messages");
        JsonNode system = body.path("system");
        if (system.isString()) {
            if (!system.asString().isEmpty())
                messages.addObject().put("role", "system").put("content", system.asString());
        } else if (system.isArray()) {
            messages.addObject().put("role", "system").put("content", texts(system, "system"));
        } else if (!system.isMissingNode() && !system.isNull()) {
            throw invalid("system: must be a string or a list of text blocks");
        }
        JsonNode input = body.path("messages");
        if (!input.isArray() || input.isEmpty()) throw invalid("messages: must be a non-empty list");
        for (JsonNode message : input) {
            String role = message.path("role").asString("");
            switch (role) {
                case "user" -> user(message.path("content"), messages);
                case "assistant" -> assistant(message.path("content"), messages);
                default -> throw invalid("messages: role must be 'user' or 'assistant', not '" + role + "'");
            }
        }
        for (String field : new String[] {"temperature", "top_p", "top_k"}) {
            JsonNode v = body.path(field);
            if (v.isNumber()) out.set(field, v);
            else if (!v.isMissingNode() && !v.isNull()) throw invalid(field + ": must be a number");
        }
        JsonNode stops = body.path("stop_sequences");
        if (stops.isArray() && !stops.isEmpty()) {
            ArrayNode stop = out.putArray("stop");
            for (JsonNode s : stops) {
                if (!s.isString()) throw invalid("stop_sequences: must be a list of strings");
                stop.add(s.asString());
            }
        }
        JsonNode user = body.path("metadata").path("user_id");
        if (user.isString() && !user.asString().isEmpty()) out.put("user", user.asString());
        tools(body, out);
        if (body.path("stream").asBoolean(false)) {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        return out;
    }

    private void user(JsonNode content, ArrayNode messages) {
        if (content.isString()) {
            messages.addObject().put("role", "user").put("content", content.asString());
            return;
        }
        if (!content.isArray()) throw invalid("messages: content must be a string or a list of content blocks");
        ArrayNode parts = json.createArrayNode();
        for (JsonNode block : content) {
            switch (block.path("type").asString("")) {
                case "text" ->
                    parts.addObject()
                            .put("type", "text")
                            .put("text", block.path("text").asString(""));
                case "image" ->
                    parts.addObject()
                            .put("type", "image_url")
                            .putObject("image_url")
                            .put("url", image(block));
                case "tool_result" -> {
                    // OpenAI carries a tool's result in a message of its own, before the user's text
                    JsonNode c = block.path("content");
                    String text = c.isString() ? c.asString() : c.isArray() ? texts(c, "messages") : "";
                    if (block.path("is_error").asBoolean(false)) text = "Error: " + text;
                    messages.addObject()
                            .put("role", "tool")
                            .put("tool_call_id", block.path("tool_use_id").asString(""))
                            .put("content", text);
                }
                case "document", "search_result", "container_upload" ->
                    throw invalid("messages: content blocks of type '"
                            + block.path("type").asString() + "' are not supported by this gateway");
                default -> {
                    // thinking and other blocks that carry no input for the model are left out
                }
            }
        }
        if (!parts.isEmpty()) messages.addObject().put("role", "user").set("content", parts);
    }

    private void assistant(JsonNode content, ArrayNode messages) {
        ObjectNode message = json.createObjectNode().put("role", "assistant");
        if (content.isString()) {
            message.put("content", content.asString());
            messages.add(message);
            return;
        }
        if (!content.isArray()) throw invalid("messages: content must be a string or a list of content blocks");
        StringBuilder text = new StringBuilder();
        ArrayNode calls = json.createArrayNode();
        for (JsonNode block : content) {
            switch (block.path("type").asString("")) {
                case "text" -> text.append(block.path("text").asString(""));
                case "tool_use" -> {
                    ObjectNode call = calls.addObject()
                            .put("id", block.path("id").asString(""))
                            .put("type", "function");
                    JsonNode in = block.path("input");
                    call.putObject("function")
                            .put("name", block.path("name").asString(""))
                            .put("arguments", in.isObject() ? json.writeValueAsString(in) : "{}");
                }
                default -> {
                    // thinking blocks and the like are not sent back to a model
                }
            }
        }
        if (text.isEmpty() && !calls.isEmpty()) message.putNull("content");
        else message.put("content", text.toString());
        if (!calls.isEmpty()) message.set("tool_calls", calls);
        messages.add(message);
    }

    private static String image(JsonNode block) {
        JsonNode source = block.path("source");
        return switch (source.path("type").asString("")) {
            case "base64" ->
                "data:" + source.path("media_type").asString("") + ";base64,"
                        + source.path("data").asString("");
            case "url" -> source.path("url").asString("");
            default -> throw invalid("messages: image sources must be base64 or url");
        };
    }

    private static String texts(JsonNode blocks, String field) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode b : blocks) {
            if (!"text".equals(b.path("type").asString(""))) throw invalid(field + ": only text blocks are supported");
            if (!sb.isEmpty()) sb.append("\n\n");
            sb.append(b.path("text").asString(""));
        }
        return sb.toString();
    }

    private void tools(JsonNode body, ObjectNode out) {
        JsonNode tools = body.path("tools");
        if (tools.isArray() && !tools.isEmpty()) {
            ArrayNode result = out.putArray("tools");
            for (JsonNode tool : tools) {
                String name = tool.path("name").asString("");
                if (name.isEmpty()) throw invalid("tools: every tool needs a name");
                if (tool.has("type") && !"custom".equals(tool.path("type").asString()))
                    throw invalid("tools: only custom (client) tools are supported by this gateway, not '"
                            + tool.path("type").asString() + "'");
                ObjectNode function = result.addObject()
                        .put("type", "function")
                        .putObject("function")
                        .put("name", name);
                if (tool.path("description").isString())
                    function.put("description", tool.path("description").asString());
                JsonNode schema = tool.path("input_schema");
                if (schema.isObject()) function.set("parameters", schema);
            }
        }
        JsonNode choice = body.path("tool_choice");
        if (choice.isObject()) {
            switch (choice.path("type").asString("")) {
                case "auto" -> out.put("tool_choice", "auto");
                case "any" -> out.put("tool_choice", "required");
                case "none" -> out.put("tool_choice", "none");
                case "tool" ->
                    out.putObject("tool_choice")
                            .put("type", "function")
                            .putObject("function")
                            .put("name", choice.path("name").asString(""));
                default -> throw invalid("tool_choice: unknown type");
            }
            if (choice.path("disable_parallel_tool_use").asBoolean(false)) out.put("parallel_tool_calls", false);
        }
    }

    /** A chat completion (public model name already in it) as Anthropic's {@code message} object. */
    public ObjectNode toMessage(JsonNode completion) {
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        ObjectNode out = json.createObjectNode();
        out.put("id", messageId(completion.path("id").asString("")));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", completion.path("model").asString(""));
        ArrayNode content = out.putArray("content");
        String text = ChatHistory.text(message.path("content"));
        if (!text.isEmpty()) content.addObject().put("type", "text").put("text", text);
        for (JsonNode call : message.path("tool_calls")) {
            content.addObject()
                    .put("type", "tool_use")
                    .put("id", call.path("id").asString(""))
                    .put("name", call.path("function").path("name").asString(""))
                    .set(
                            "input",
                            arguments(call.path("function").path("arguments").asString("")));
        }
        JsonNode finish = choice.path("finish_reason");
        out.put("stop_reason", stopReason(finish.isString() ? finish.asString() : null));
        out.putNull("stop_sequence");
        JsonNode usage = completion.path("usage");
        out.putObject("usage")
                .put("input_tokens", usage.path("prompt_tokens").asLong(0))
                .put("output_tokens", usage.path("completion_tokens").asLong(0));
        return out;
    }

    private JsonNode arguments(String arguments) {
        if (arguments.isBlank()) return json.createObjectNode();
        try {
            JsonNode parsed = json.readTree(arguments);
            return parsed.isObject() ? parsed : json.createObjectNode();
        } catch (JacksonException e) {
            return json.createObjectNode();
        }
    }

    /** The provider's id when it is already a message id (Anthropic's), else one of the gateway's own. */
    static String messageId(String upstream) {
        if (upstream.startsWith("msg_")) return upstream;
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** OpenAI's {@code finish_reason} as Anthropic's {@code stop_reason}. */
    static String stopReason(@Nullable String finishReason) {
        if (finishReason == null) return "end_turn";
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    /**
     * Anthropic's stream events for a relayed chat stream: {@code message_start}, then per content
     * block {@code content_block_start}, its {@code content_block_delta}s ({@code text_delta}, or
     * {@code input_json_delta} for a tool call) and {@code content_block_stop}, then
     * {@code message_delta} with the stop reason and the usage charged, and {@code message_stop}. A
     * stream the provider cuts ends with an {@code error} event, as Anthropic's do.
     */
    public StreamSink sink(ChatService.Prepared p) {
        return new StreamSink() {
            final String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
            boolean started;
            int index = -1;
            /** The open block: "text", "tool_use", or null. */
            @Nullable
            String open;

            int openTool = -1;

            @Nullable
            String stopReason;

            void event(SseOut out, String name, ObjectNode data) {
                out.write("event: " + name + "\ndata: " + json.writeValueAsString(data) + "\n\n");
            }

            void start(SseOut out) {
                if (started) return;
                started = true;
                ObjectNode data = json.createObjectNode().put("type", "message_start");
                ObjectNode message = data.putObject("message");
                message.put("id", id);
                message.put("type", "message");
                message.put("role", "assistant");
                message.put("model", p.model().id());
                message.putArray("content");
                message.putNull("stop_reason");
                message.putNull("stop_sequence");
                message.putObject("usage")
                        .put("input_tokens", p.promptEstimate())
                        .put("output_tokens", 0);
                event(out, "message_start", data);
            }

            void close(SseOut out) {
                if (open == null) return;
                event(
                        out,
                        "content_block_stop",
                        json.createObjectNode()
                                .put("type", "content_block_stop")
                                .put("index", index));
                open = null;
                openTool = -1;
            }

            void begin(SseOut out, String kind, ObjectNode block) {
                close(out);
                index++;
                open = kind;
                ObjectNode data = json.createObjectNode()
                        .put("type", "content_block_start")
                        .put("index", index);
                data.set("content_block", block);
                event(out, "content_block_start", data);
            }

            void delta(SseOut out, ObjectNode delta) {
                ObjectNode data = json.createObjectNode()
                        .put("type", "content_block_delta")
                        .put("index", index);
                data.set("delta", delta);
                event(out, "content_block_delta", data);
            }

            @Override
            public void chunk(ObjectNode chunk, SseOut out) {
                for (JsonNode choice : chunk.path("choices")) {
                    if (choice.path("index").asInt(0) != 0) continue;
                    start(out);
                    JsonNode d = choice.path("delta");
                    String text = ChatHistory.text(d.path("content"));
                    if (!text.isEmpty()) {
                        if (!"text".equals(open))
                            begin(
                                    out,
                                    "text",
                                    json.createObjectNode().put("type", "text").put("text", ""));
                        delta(
                                out,
                                json.createObjectNode()
                                        .put("type", "text_delta")
                                        .put("text", text));
                    }
                    for (JsonNode call : d.path("tool_calls")) {
                        int callIndex = call.path("index").asInt(0);
                        if (!"tool_use".equals(open) || callIndex != openTool) {
                            ObjectNode block = json.createObjectNode()
                                    .put("type", "tool_use")
                                    .put("id", call.path("id").asString(""))
                                    .put(
                                            "name",
                                            call.path("function").path("name").asString(""));
                            block.putObject("input");
                            begin(out, "tool_use", block);
                            openTool = callIndex;
                        }
                        String args = call.path("function").path("arguments").asString("");
                        if (!args.isEmpty())
                            delta(
                                    out,
                                    json.createObjectNode()
                                            .put("type", "input_json_delta")
                                            .put("partial_json", args));
                    }
                    JsonNode finish = choice.path("finish_reason");
                    if (finish.isString()) stopReason = stopReason(finish.asString());
                }
            }

            @Override
            public void completed(ChatOutcome outcome, SseOut out) {
                start(out);
                close(out);
                ObjectNode data = json.createObjectNode().put("type", "message_delta");
                data.putObject("delta")
                        .put("stop_reason", stopReason == null ? "end_turn" : stopReason)
                        .putNull("stop_sequence");
                data.putObject("usage")
                        .put("input_tokens", outcome.inputTokens())
                        .put("output_tokens", outcome.outputTokens());
                event(out, "message_delta", data);
                event(out, "message_stop", json.createObjectNode().put("type", "message_stop"));
            }

            @Override
            public void interrupted(ChatOutcome outcome, SseOut out) {
                ObjectNode data = json.createObjectNode().put("type", "error");
                data.putObject("error").put("type", "api_error").put("message", "The upstream stream was interrupted.");
                event(out, "error", data);
            }
        };
    }

    private static GatewayException invalid(String message) {
        return new GatewayException(400, "invalid_request_error", "invalid_request", message);
    }
}
