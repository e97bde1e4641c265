package dev.atrium.gateway;

import static dev.atrium.gateway.LocalUpstream.JSON;

import dev.atrium.gateway.LocalUpstream.Responder;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** What the fake upstreams say, in OpenAI's and in Anthropic's wire formats. */
final class Wire {
    static final long CREATED = 1_700_000_000L;

    private Wire() {}

    /** Token counts an upstream reports. */
    record Usage(long input, long output) {}

    /** A snapshot name, as OpenAI answers for an alias: proves the gateway puts the public name back. */
    static String snapshotOf(String upstreamModel) {
        return upstreamModel + "-2024-07-18";
    }

    // ---------------------------------------------------------------- OpenAI

    static ObjectNode completion(String model, String content, String finishReason, Usage usage) {
        ObjectNode out = JSON.createObjectNode();
        out.put("id", "chatcmpl-fake");
        out.put("object", "chat.completion");
        out.put("created", CREATED);
        out.put("model", model);
        out.put("system_fingerprint", "fp_fake");
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message")
                .put("role", "assistant")
                .put("content", content)
                .putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        out.set("usage", openAiUsage(usage));
        return out;
    }

    static ObjectNode openAiUsage(Usage usage) {
        return JSON.createObjectNode()
                .put("prompt_tokens", usage.input())
                .put("completion_tokens", usage.output())
                .put("total_tokens", usage.input() + usage.output());
    }

    /** A non-streamed OpenAI chat answer. */
    static Responder openAiChat(String content, Usage usage) {
        return (request, exchange) -> {
            String model = snapshotOf(request.json().path("model").asString());
            LocalUpstream.json(200, JSON.writeValueAsString(completion(model, content, "stop", usage)))
                    .respond(request, exchange);
        };
    }

    static String chunk(String model, @Nullable ObjectNode delta, @Nullable String finishReason, boolean withUsage) {
        ObjectNode out = JSON.createObjectNode();
        out.put("id", "chatcmpl-fake");
        out.put("object", "chat.completion.chunk");
        out.put("created", CREATED);
        out.put("model", model);
        out.put("system_fingerprint", "fp_fake");
        ArrayNode choices = out.putArray("choices");
        if (delta != null) {
            ObjectNode choice = choices.addObject();
            choice.put("index", 0);
            choice.set("delta", delta);
            choice.putNull("logprobs");
            if (finishReason == null) choice.putNull("finish_reason");
            else choice.put("finish_reason", finishReason);
        }
        if (withUsage) out.putNull("usage");
        return "data: " + JSON.writeValueAsString(out) + "\n\n";
    }

    static String usageChunk(String model, Usage usage) {
        ObjectNode out = JSON.createObjectNode();
        out.put("id", "chatcmpl-fake");
        out.put("object", "chat.completion.chunk");
        out.put("created", CREATED);
        out.put("model", model);
        out.putArray("choices");
        out.set("usage", openAiUsage(usage));
        return "data: " + JSON.writeValueAsString(out) + "\n\n";
    }

    /** An OpenAI event stream: role chunk, one chunk per piece, finish chunk, usage chunk (if asked for), [DONE]. */
    static Responder openAiStream(List<String> pieces, Usage usage) {
        return (request, exchange) -> {
            var body = request.json();
            String model = snapshotOf(body.path("model").asString());
            boolean includeUsage =
                    body.path("stream_options").path("include_usage").asBoolean(false);
            OutputStream out = LocalUpstream.startSse(exchange);
            LocalUpstream.send(
                    out,
                    chunk(
                            model,
                            JSON.createObjectNode().put("role", "assistant").put("content", ""),
                            null,
                            includeUsage));
            for (String piece : pieces) {
                LocalUpstream.send(
                        out, chunk(model, JSON.createObjectNode().put("content", piece), null, includeUsage));
            }
            LocalUpstream.send(out, chunk(model, JSON.createObjectNode(), "stop", includeUsage));
            if (includeUsage) LocalUpstream.send(out, usageChunk(model, usage));
            LocalUpstream.send(out, "data: [DONE]\n\n");
        };
    }

    /** The role chunk and {@code pieces}, then the connection drops (no finish, no usage, no [DONE]). */
    static Responder openAiStreamCut(List<String> pieces) {
        List<ObjectNode> deltas = new java.util.ArrayList<>();
        deltas.add(JSON.createObjectNode().put("role", "assistant").put("content", ""));
        pieces.forEach(p -> deltas.add(JSON.createObjectNode().put("content", p)));
        return openAiDeltasCut(deltas);
    }

    /** A chunk for each of {@code deltas}, then the connection drops (no finish, no usage, no [DONE]). */
    static Responder openAiDeltasCut(List<ObjectNode> deltas) {
        return (request, exchange) -> {
            String model = snapshotOf(request.json().path("model").asString());
            OutputStream out = LocalUpstream.startSse(exchange);
            for (ObjectNode delta : deltas) {
                LocalUpstream.send(out, chunk(model, delta, null, true));
            }
            Thread.sleep(50);
            throw new LocalUpstream.Cut();
        };
    }

    /** A streamed tool call's delta: its opening (id and name) or a piece of its arguments. */
    static ObjectNode toolCallDelta(@Nullable String name, String arguments) {
        ObjectNode call = JSON.createObjectNode().put("index", 0);
        if (name != null) call.put("id", "call_fake1").put("type", "function");
        ObjectNode function = call.putObject("function");
        if (name != null) function.put("name", name);
        function.put("arguments", arguments);
        ObjectNode delta = JSON.createObjectNode();
        if (name != null) delta.put("role", "assistant").putNull("content");
        delta.putArray("tool_calls").add(call);
        return delta;
    }

    /** What a slow stream got out before the gateway hung up. */
    record Progress(AtomicInteger sent, java.util.concurrent.CountDownLatch ended) {
        Progress() {
            this(new AtomicInteger(), new java.util.concurrent.CountDownLatch(1));
        }
    }

    /**
     * A slow OpenAI stream of up to {@code max} pieces, one per {@code every}; counts the pieces
     * written before a write failed (the gateway hung up) and signals when it stopped.
     */
    static Responder openAiSlowStream(String piece, int max, Duration every, Progress progress, LocalUpstream server) {
        return (request, exchange) -> {
            String model = snapshotOf(request.json().path("model").asString());
            try {
                OutputStream out = LocalUpstream.startSse(exchange);
                LocalUpstream.send(
                        out,
                        chunk(
                                model,
                                JSON.createObjectNode().put("role", "assistant").put("content", ""),
                                null,
                                true));
                for (int i = 0; i < max; i++) {
                    LocalUpstream.send(out, chunk(model, JSON.createObjectNode().put("content", piece), null, true));
                    progress.sent().incrementAndGet();
                    server.pause(every);
                }
                LocalUpstream.send(out, chunk(model, JSON.createObjectNode(), "stop", true));
                LocalUpstream.send(out, "data: [DONE]\n\n");
            } finally {
                progress.ended().countDown();
            }
        };
    }

    /** As {@link #openAiSlowStream}, in Anthropic's format (and never reaching message_stop before the end). */
    static Responder anthropicSlowStream(
            String piece, int max, Duration every, Progress progress, LocalUpstream server) {
        return (request, exchange) -> {
            String model = request.json().path("model").asString();
            try {
                OutputStream out = LocalUpstream.startSse(exchange);
                LocalUpstream.send(
                        out,
                        event(
                                "message_start",
                                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_slow\",\"type\":\"message\","
                                        + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],"
                                        + "\"stop_reason\":null,\"stop_sequence\":null,"
                                        + "\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}"));
                LocalUpstream.send(
                        out,
                        event(
                                "content_block_start",
                                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
                for (int i = 0; i < max; i++) {
                    LocalUpstream.send(
                            out,
                            event(
                                    "content_block_delta",
                                    "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                                            + "\"text\":" + JSON.writeValueAsString(piece) + "}}"));
                    progress.sent().incrementAndGet();
                    server.pause(every);
                }
            } finally {
                progress.ended().countDown();
            }
        };
    }

    /** Answers nothing at all for {@code wait} (or until the server closes). */
    static Responder silent(Duration wait, LocalUpstream server) {
        return (request, exchange) -> server.pause(wait);
    }

    static Responder openAiError(int status, String type, String message) {
        return LocalUpstream.json(
                status,
                "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":null}}");
    }

    // ---------------------------------------------------------------- Anthropic

    static ObjectNode message(String model, String text, String stopReason, Usage usage, long cacheRead) {
        ObjectNode out = JSON.createObjectNode();
        out.put("id", "msg_fake01");
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", model);
        out.putArray("content").addObject().put("type", "text").put("text", text);
        out.put("stop_reason", stopReason);
        out.putNull("stop_sequence");
        ObjectNode u = out.putObject("usage");
        u.put("input_tokens", usage.input());
        u.put("output_tokens", usage.output());
        if (cacheRead > 0) u.put("cache_read_input_tokens", cacheRead);
        return out;
    }

    static Responder anthropicMessage(String text, String stopReason, Usage usage, long cacheRead) {
        return (request, exchange) -> {
            String model = request.json().path("model").asString();
            LocalUpstream.json(200, JSON.writeValueAsString(message(model, text, stopReason, usage, cacheRead)))
                    .respond(request, exchange);
        };
    }

    static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    /** Anthropic's stream: message_start … deltas … message_delta, message_stop (unless {@code cut}). */
    static Responder anthropicStream(List<String> pieces, String stopReason, Usage usage, boolean cut) {
        return (request, exchange) -> {
            String model = request.json().path("model").asString();
            OutputStream out = LocalUpstream.startSse(exchange);
            LocalUpstream.send(
                    out,
                    event(
                            "message_start",
                            "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_fake02\",\"type\":\"message\","
                                    + "\"role\":\"assistant\",\"model\":\"" + model + "\",\"content\":[],"
                                    + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":"
                                    + usage.input() + ",\"output_tokens\":1}}}"));
            LocalUpstream.send(
                    out,
                    event(
                            "content_block_start",
                            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
            LocalUpstream.send(out, event("ping", "{\"type\":\"ping\"}"));
            for (String piece : pieces) {
                LocalUpstream.send(
                        out,
                        event(
                                "content_block_delta",
                                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"
                                        + JSON.writeValueAsString(piece) + "}}"));
            }
            if (cut) {
                return; // the body ends here: no message_delta, no message_stop
            }
            LocalUpstream.send(out, event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
            LocalUpstream.send(
                    out,
                    event(
                            "message_delta",
                            "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                                    + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + usage.output()
                                    + "}}"));
            LocalUpstream.send(out, event("message_stop", "{\"type\":\"message_stop\"}"));
        };
    }

    static Responder anthropicError(int status, String type, String message) {
        return LocalUpstream.json(
                status, "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}");
    }

    // ---------------------------------------------------------------- media

    /** A WAV file of {@code seconds} of silence, 16 kHz mono 16-bit. */
    static byte[] wav(double seconds) {
        int rate = 16_000;
        int data = (int) Math.round(seconds * rate) * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + data).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data);
        b.put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII))
                .putInt(16)
                .putShort((short) 1)
                .putShort((short) 1);
        b.putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data);
        return b.array();
    }

    /** A real PNG of {@code size}×{@code size} pixels. */
    static byte[] png(int size) {
        var image = new java.awt.image.BufferedImage(size, size, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < size; x++) {
            for (int y = 0; y < size; y++) image.setRGB(x, y, (x * 7 + y * 13) & 0xffffff);
        }
        var out = new ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(image, "png", out);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
