package dev.atrium.gateway.internal;

import dev.atrium.common.Credits;
import dev.atrium.gateway.ChatOutcome;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.settle.SettlementWriter;
import dev.atrium.history.ChatMessage;
import dev.atrium.history.ConversationId;
import dev.atrium.history.HistoryRecorder;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}, text in and out) over the gateway's chat: the
 * request becomes an OpenAI chat request that {@link ChatService} prices, admits, forwards to
 * whichever provider the catalog names (OpenAI-compatible, Anthropic, demo) and settles; the answer
 * becomes a {@code response} object, and a stream's chunks become Responses streaming events.
 *
 * <p>{@code previous_response_id}: a response is continued from the workspace's history. The turn
 * is recorded in a conversation like any chat turn, and {@code gateway_responses} keeps which
 * conversation and how many of its messages make up the response's transcript; a later call naming
 * it resends those messages (without the earlier {@code instructions}) before its own input. The
 * id is isolated like the conversation: another workspace or organization, another member's
 * private conversation, a deleted or expired one all answer 404. A workspace whose policy records
 * no history stores nothing: its responses say {@code "store": false} and naming a previous
 * response there is a 400. A request with {@code "store": false} is recorded in history (the
 * workspace's policy decides that) but cannot be continued.
 */
@Service
public class ResponsesService {
    /** How long a continuation waits for the previous turn's history to be committed on this node. */
    private static final Duration HISTORY_WAIT = Duration.ofSeconds(2);

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ResponsesService.class);

    private final ChatService chat;
    private final HistoryRecorder history;
    private final SettlementWriter writer;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;

    ResponsesService(
            ChatService chat,
            HistoryRecorder history,
            SettlementWriter writer,
            JdbcClient jdbc,
            JsonMapper json,
            Clock clock) {
        this.chat = chat;
        this.history = history;
        this.writer = writer;
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    /** A request translated and admitted, ready to be answered. */
    public record Call(
            String id,
            long createdAt,
            ObjectNode request,
            ChatService.Prepared prepared,
            int messageCount,
            boolean instructions,
            boolean store) {
        public boolean stream() {
            return prepared.stream();
        }
    }

    public Call prepare(GatewayContext ctx, ObjectNode body) {
        JsonNode model = body.path("model");
        if (!model.isString() || model.asString().isBlank()) throw invalid("'model' is required.", "model");
        refuseUnsupported(body);
        ObjectNode out = json.createObjectNode();
        out.put("model", model.asString());
        ArrayNode messages = out.putArray("messages");
        JsonNode instructions = body.path("instructions");
        boolean hasInstructions =
                instructions.isString() && !instructions.asString().isEmpty();
        if (hasInstructions) messages.addObject().put("role", "system").put("content", instructions.asString());
        else if (!instructions.isMissingNode() && !instructions.isNull() && !instructions.isString())
            throw invalid("'instructions' must be a string.", "instructions");
        JsonNode previous = body.path("previous_response_id");
        if (previous.isString() && !previous.asString().isBlank()) {
            for (ChatMessage m : previous(ctx, previous.asString().strip()))
                messages.addObject().put("role", m.role()).put("content", m.content());
        } else if (!previous.isMissingNode() && !previous.isNull() && !previous.isString()) {
            throw invalid("'previous_response_id' must be a string.", "previous_response_id");
        }
        input(body.path("input"), messages);
        if (messages.isEmpty()) throw invalid("'input' is required.", "input");
        JsonNode max = body.path("max_output_tokens");
        if (max.isIntegralNumber()) {
            if (max.asLong() < 1) throw invalid("'max_output_tokens' must be at least 1.", "max_output_tokens");
            out.put("max_completion_tokens", max.asLong());
        } else if (!max.isMissingNode() && !max.isNull()) {
            throw invalid("'max_output_tokens' must be an integer.", "max_output_tokens");
        }
        for (String field : new String[] {"temperature", "top_p"}) {
            JsonNode v = body.path(field);
            if (v.isNumber()) out.set(field, v);
            else if (!v.isMissingNode() && !v.isNull()) throw invalid("'" + field + "' must be a number.", field);
        }
        JsonNode user = body.path("user");
        if (user.isString() && !user.asString().isEmpty()) out.put("user", user.asString());
        if (body.path("stream").asBoolean(false)) {
            out.put("stream", true);
            out.putObject("stream_options").put("include_usage", true);
        }
        int count = messages.size() + 1; // the transcript as history records it, with the answer
        ChatService.Prepared prepared = chat.prepare(ctx, out, null);
        boolean store = body.path("store").asBoolean(true) && prepared.conversation() != null;
        return new Call(
                "resp_" + UUID.randomUUID().toString().replace("-", ""),
                clock.instant().getEpochSecond(),
                body,
                prepared,
                count,
                hasInstructions,
                store);
    }

    /** Tools, structured output and the like have no translation here yet: refused, not ignored. */
    private static void refuseUnsupported(JsonNode body) {
        JsonNode tools = body.path("tools");
        if (tools.isArray() && !tools.isEmpty())
            throw invalid(
                    "'tools' are not supported on /v1/responses by this gateway; use /v1/chat/completions.", "tools");
        JsonNode format = body.path("text").path("format").path("type");
        if (format.isString() && !format.asString().equals("text"))
            throw invalid("Only text output is supported on /v1/responses by this gateway.", "text.format");
        if (body.path("background").asBoolean(false))
            throw invalid("Background responses are not supported by this gateway.", "background");
        if (body.has("conversation") && !body.path("conversation").isNull())
            throw invalid("'conversation' is not supported by this gateway: use previous_response_id.", "conversation");
    }

    /** Input items: a string, or messages whose content is a string or input_text/output_text parts. */
    private void input(JsonNode input, ArrayNode messages) {
        if (input.isString()) {
            messages.addObject().put("role", "user").put("content", input.asString());
            return;
        }
        if (!input.isArray()) throw invalid("'input' must be a string or a list of input items.", "input");
        for (JsonNode item : input) {
            String type = item.path("type").asString("message");
            if (!type.equals("message"))
                throw invalid("Input items of type '" + type + "' are not supported by this gateway.", "input");
            String role = item.path("role").asString("");
            if (!List.of("user", "assistant", "system", "developer").contains(role))
                throw invalid("Input messages need a role: user, assistant, system or developer.", "input");
            JsonNode content = item.path("content");
            ObjectNode message = messages.addObject().put("role", role);
            if (content.isString()) {
                message.put("content", content.asString());
                continue;
            }
            if (!content.isArray()) throw invalid("Message content must be a string or a list of parts.", "input");
            ArrayNode parts = message.putArray("content");
            for (JsonNode part : content) {
                String partType = part.path("type").asString("");
                switch (partType) {
                    case "input_text", "output_text", "text" ->
                        parts.addObject()
                                .put("type", "text")
                                .put("text", part.path("text").asString(""));
                    case "input_image" -> {
                        String url = part.path("image_url").asString("");
                        if (url.isEmpty())
                            throw invalid("input_image parts need an image_url (file ids are not supported).", "input");
                        parts.addObject()
                                .put("type", "image_url")
                                .putObject("image_url")
                                .put("url", url);
                    }
                    default ->
                        throw invalid(
                                "Content parts of type '" + partType + "' are not supported by this gateway.", "input");
                }
            }
        }
    }

    /** The transcript a previous response continues from, without its instructions; 404 when it is not there. */
    private List<ChatMessage> previous(GatewayContext ctx, String id) {
        if (!ctx.policy().recordHistory()) {
            throw new GatewayException(
                    400,
                    "invalid_request_error",
                    "previous_response_unavailable",
                    "This workspace records no history, so responses are not stored and cannot be continued.");
        }
        record Stored(String conversation, int count, boolean instructions) {}
        Optional<Stored> stored = jdbc.sql("""
                        SELECT conversation_id, message_count, instructions FROM gateway_responses
                        WHERE org_id = :org AND workspace_id = :ws AND id = :id""")
                .param("org", ctx.org().value())
                .param("ws", ctx.workspace().id().value())
                .param("id", id)
                .query((rs, n) -> new Stored(rs.getString(1), rs.getInt(2), rs.getBoolean(3)))
                .optional();
        if (stored.isEmpty()) throw notFound(id);
        var conversation = new ConversationId(stored.get().conversation());
        var scope = ChatHistory.scope(ctx);
        var transcript = history.transcript(scope, conversation, stored.get().count());
        if (transcript.isEmpty()) {
            // the turn is recorded just after it is answered: wait for what this node answered
            writer.awaitCommitted(HISTORY_WAIT);
            transcript = history.transcript(scope, conversation, stored.get().count());
        }
        List<ChatMessage> messages = new ArrayList<>(transcript.orElseThrow(() -> notFound(id)));
        if (stored.get().instructions() && !messages.isEmpty()) messages.removeFirst();
        return messages;
    }

    /**
     * Stores what a later {@code previous_response_id} needs, before the answer is written; like
     * history, a failure here is logged and never fails an answer already charged (the response
     * then cannot be continued: 404).
     */
    private void remember(Call c) {
        if (!c.store()) return;
        try {
            insert(c);
        } catch (RuntimeException e) {
            log.warn("could not store response {} for previous_response_id", c.id(), e);
        }
    }

    private void insert(Call c) {
        GatewayContext ctx = c.prepared().ctx();
        jdbc.sql("""
                        INSERT INTO gateway_responses
                            (org_id, workspace_id, id, conversation_id, message_count, instructions, model, created_at)
                        VALUES (:org, :ws, :id, :conversation, :count, :instructions, :model, :at)""")
                .param("org", ctx.org().value())
                .param("ws", ctx.workspace().id().value())
                .param("id", c.id())
                .param("conversation", c.prepared().conversationId())
                .param("count", c.messageCount())
                .param("instructions", c.instructions())
                .param("model", c.prepared().model().id())
                .param("at", java.sql.Timestamp.from(Instant.ofEpochSecond(c.createdAt())))
                .update();
    }

    /** Non-streaming: the {@code response} object and the credits charged. */
    public record Answered(ObjectNode body, Credits charged) {}

    public Answered complete(Call c) {
        ChatService.Completed done = chat.complete(c.prepared());
        JsonNode choice = done.body().path("choices").path(0);
        String text = ChatHistory.text(choice.path("message").path("content"));
        JsonNode finish = choice.path("finish_reason");
        JsonNode usage = done.body().path("usage");
        long in = usage.path("prompt_tokens").asLong(0);
        long out = usage.path("completion_tokens").asLong(0);
        remember(c);
        ObjectNode body = response(c, finish.isString() ? finish.asString() : null, itemId(), text, in, out, false);
        return new Answered(body, done.charged());
    }

    /**
     * Streaming: {@code response.created}, {@code response.in_progress},
     * {@code response.output_item.added}, {@code response.content_part.added}, then a
     * {@code response.output_text.delta} per chunk of text, then {@code response.output_text.done},
     * {@code response.content_part.done}, {@code response.output_item.done} and
     * {@code response.completed} (or {@code response.incomplete} when cut at the output limit) with
     * the usage charged. A stream the provider cuts ends with {@code response.failed}.
     */
    public ChatOutcome stream(Call c, HttpServletResponse response) {
        return chat.stream(c.prepared(), response, new StreamSink() {
            final String item = itemId();
            final StringBuilder text = new StringBuilder();
            int sequence;
            boolean opened;

            @Nullable
            String finish;

            void event(SseOut out, String type, ObjectNode data) {
                ObjectNode e = json.createObjectNode().put("type", type).put("sequence_number", sequence++);
                e.setAll(data);
                out.write("event: " + type + "\ndata: " + json.writeValueAsString(e) + "\n\n");
            }

            void open(SseOut out) {
                if (opened) return;
                opened = true;
                ObjectNode inProgress = response(c, null, item, "", 0, 0, true);
                event(out, "response.created", json.createObjectNode().set("response", inProgress));
                event(out, "response.in_progress", json.createObjectNode().set("response", inProgress));
                ObjectNode added = json.createObjectNode().put("output_index", 0);
                added.set("item", message(item, "in_progress", null));
                event(out, "response.output_item.added", added);
                ObjectNode part = json.createObjectNode()
                        .put("item_id", item)
                        .put("output_index", 0)
                        .put("content_index", 0);
                part.set("part", outputText(""));
                event(out, "response.content_part.added", part);
            }

            @Override
            public void chunk(ObjectNode chunk, SseOut out) {
                for (JsonNode choice : chunk.path("choices")) {
                    if (choice.path("index").asInt(0) != 0) continue;
                    open(out);
                    String delta = ChatHistory.text(choice.path("delta").path("content"));
                    if (!delta.isEmpty()) {
                        text.append(delta);
                        ObjectNode d = json.createObjectNode()
                                .put("item_id", item)
                                .put("output_index", 0)
                                .put("content_index", 0)
                                .put("delta", delta);
                        d.putArray("logprobs");
                        event(out, "response.output_text.delta", d);
                    }
                    if (choice.path("finish_reason").isString())
                        finish = choice.path("finish_reason").asString();
                }
            }

            @Override
            public void completed(ChatOutcome outcome, SseOut out) {
                remember(c);
                open(out);
                String all = text.toString();
                ObjectNode done = json.createObjectNode()
                        .put("item_id", item)
                        .put("output_index", 0)
                        .put("content_index", 0)
                        .put("text", all);
                done.putArray("logprobs");
                event(out, "response.output_text.done", done);
                ObjectNode partDone = json.createObjectNode()
                        .put("item_id", item)
                        .put("output_index", 0)
                        .put("content_index", 0);
                partDone.set("part", outputText(all));
                event(out, "response.content_part.done", partDone);
                ObjectNode itemDone = json.createObjectNode().put("output_index", 0);
                itemDone.set("item", message(item, "completed", all));
                event(out, "response.output_item.done", itemDone);
                ObjectNode last = response(c, finish, item, all, outcome.inputTokens(), outcome.outputTokens(), false);
                String type = last.path("status").asString().equals("incomplete")
                        ? "response.incomplete"
                        : "response.completed";
                event(out, type, json.createObjectNode().set("response", last));
            }

            @Override
            public void interrupted(ChatOutcome outcome, SseOut out) {
                ObjectNode failed =
                        response(c, null, item, text.toString(), outcome.inputTokens(), outcome.outputTokens(), false);
                failed.put("status", "failed");
                failed.putObject("error")
                        .put("code", "server_error")
                        .put("message", "The upstream stream was interrupted.");
                event(out, "response.failed", json.createObjectNode().set("response", failed));
            }
        });
    }

    private static String itemId() {
        return "msg_" + UUID.randomUUID().toString().replace("-", "");
    }

    private ObjectNode outputText(String text) {
        ObjectNode part = json.createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    private ObjectNode message(String id, String status, @Nullable String text) {
        ObjectNode m = json.createObjectNode()
                .put("type", "message")
                .put("id", id)
                .put("status", status)
                .put("role", "assistant");
        ArrayNode content = m.putArray("content");
        if (text != null) content.add(outputText(text));
        return m;
    }

    /** The {@code response} object: in progress (no output yet), or finished with its text and usage. */
    private ObjectNode response(
            Call c, @Nullable String finishReason, String item, String text, long in, long out, boolean inProgress) {
        JsonNode req = c.request();
        ObjectNode r = json.createObjectNode();
        r.put("id", c.id());
        r.put("object", "response");
        r.put("created_at", c.createdAt());
        String incomplete = inProgress ? null : incompleteReason(finishReason);
        r.put("status", inProgress ? "in_progress" : incomplete != null ? "incomplete" : "completed");
        r.putNull("error");
        if (incomplete == null) r.putNull("incomplete_details");
        else r.putObject("incomplete_details").put("reason", incomplete);
        copy(req, r, "instructions");
        copy(req, r, "max_output_tokens");
        r.put("model", c.prepared().model().id());
        ArrayNode output = r.putArray("output");
        if (!inProgress) output.add(message(item, incomplete == null ? "completed" : "incomplete", text));
        r.put("parallel_tool_calls", true);
        copy(req, r, "previous_response_id");
        r.putObject("reasoning").putNull("effort").putNull("summary");
        r.put("store", c.store());
        copy(req, r, "temperature");
        r.putObject("text").putObject("format").put("type", "text");
        r.put("tool_choice", "auto");
        r.putArray("tools");
        copy(req, r, "top_p");
        r.put("truncation", "disabled");
        if (inProgress) r.putNull("usage");
        else {
            ObjectNode usage = r.putObject("usage");
            usage.put("input_tokens", in);
            usage.putObject("input_tokens_details").put("cached_tokens", 0);
            usage.put("output_tokens", out);
            usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
            usage.put("total_tokens", in + out);
        }
        JsonNode metadata = req.path("metadata");
        if (metadata.isObject()) r.set("metadata", metadata);
        else r.putObject("metadata");
        return r;
    }

    private static @Nullable String incompleteReason(@Nullable String finishReason) {
        if ("length".equals(finishReason)) return "max_output_tokens";
        if ("content_filter".equals(finishReason)) return "content_filter";
        return null;
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        JsonNode v = from.path(field);
        if (v.isMissingNode()) to.putNull(field);
        else to.set(field, v);
    }

    private static GatewayException notFound(String id) {
        return new GatewayException(
                404,
                "invalid_request_error",
                "previous_response_not_found",
                "Previous response with id '" + id + "' not found.");
    }

    private static GatewayException invalid(String message, String param) {
        return new GatewayException(400, "invalid_request_error", "invalid_request", message);
    }
}
