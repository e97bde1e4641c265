package dev.atrium.gateway.internal;

import dev.atrium.common.Credits;
import dev.atrium.gateway.ChatOutcome;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import dev.atrium.ledger.Admission;
import dev.atrium.ledger.Hold;
import dev.atrium.pricing.PricedModel;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Chat completions: price and admit the maximum cost (from the node's credit lease, or with an
 * exact hold), forward, then settle what was consumed. A provider error before any output gives
 * back the whole admission; a stream cut by the provider or by the client is charged the input
 * plus the output actually delivered (counted here), never more than admitted.
 */
@Service
public class ChatService {
    /** Present when the hold (and the provider's output limit) was lowered to what the credits pay for. */
    public static final String CLAMPED_HEADER = "x-atrium-max-tokens-clamped";

    private static final Logger log = LoggerFactory.getLogger(ChatService.class);
    private final Models models;
    private final Providers providers;
    private final Settlement settlement;
    private final GatewayMetrics metrics;
    private final JsonMapper json;
    private final ChatHistory history;
    private final Clock clock;
    private final Duration progressInterval;

    ChatService(
            Models models,
            Providers providers,
            Settlement settlement,
            GatewayMetrics metrics,
            JsonMapper json,
            ChatHistory history,
            Clock clock,
            @Value("${atrium.gateway.stream-progress-interval:PT1S}") Duration progressInterval) {
        this.models = models;
        this.providers = providers;
        this.settlement = settlement;
        this.metrics = metrics;
        this.json = json;
        this.history = history;
        this.clock = clock;
        this.progressInterval = progressInterval;
    }

    /** A priced, reserved chat call ready to be forwarded. */
    public record Prepared(
            GatewayContext ctx,
            PricedModel model,
            ObjectNode upstreamRequest,
            long promptEstimate,
            Admission admission,
            CompletableFuture<ProviderCall> call,
            boolean stream,
            boolean includeUsage,
            ChatHistory.@Nullable Pending conversation,
            @Nullable Long clampedMaxTokens) {

        /** The conversation this turn is recorded in, or null when the workspace records no history. */
        public @Nullable String conversationId() {
            return conversation == null ? null : conversation.target().id().value();
        }
    }

    public Prepared prepare(GatewayContext ctx, ObjectNode body, @Nullable String conversationHeader) {
        JsonNode modelNode = body.path("model");
        if (!modelNode.isString() || modelNode.asString().isBlank())
            throw GatewayException.invalid("'model' is required.");
        JsonNode messages = body.path("messages");
        if (!messages.isArray() || messages.isEmpty())
            throw GatewayException.invalid("'messages' must be a non-empty array.");
        PricedModel model = models.require(ctx, modelNode.asString(), "chat");
        long maxOutput = model.maxOutputTokens() == null ? 4096 : model.maxOutputTokens();
        long requested = body.path("max_completion_tokens")
                .asLong(body.path("max_tokens").asLong(0));
        if (requested < 0) throw GatewayException.invalid("'max_tokens' must be positive.");
        long outputCap = requested > 0 ? Math.min(requested, maxOutput) : maxOutput;
        long prompt = Tokens.ofMessages(messages);
        boolean stream = body.path("stream").asBoolean(false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        // The body is this call's own (parsed for it): it becomes the upstream request in place, with
        // the provider's name of the model and the output limit held for.
        ObjectNode upstream = body;
        upstream.put("model", model.upstreamModel());
        // Before the hold: a foreign conversation id is refused without reserving anything.
        ChatHistory.@Nullable Pending conversation = history.begin(ctx, conversationHeader, messages);
        // The organization's provider endpoint and key are read while the hold is taken.
        var call = Background.supply(
                "provider-call", () -> providers.call(ctx.org(), model.provider(), model.upstreamModel()));
        Settlement.ChatHold held = settlement.reserveChat(ctx, model, prompt, outputCap);
        // The hold covers the output it pays for: the model's cap, the client's own limit, or less
        // when the credits left pay for less; the provider is told that limit.
        long output = held.outputTokens();
        if (upstream.has("max_completion_tokens")) upstream.put("max_completion_tokens", output);
        if (upstream.has("max_tokens")) upstream.put("max_tokens", output);
        if (held.clamped() && !upstream.has("max_completion_tokens") && !upstream.has("max_tokens"))
            upstream.put("max_completion_tokens", output);
        return new Prepared(
                ctx,
                model,
                upstream,
                prompt,
                held.admission(),
                call,
                stream,
                includeUsage,
                conversation,
                held.clamped() ? held.outputTokens() : null);
    }

    /** Non-streaming: the OpenAI response with the public model name, and the credits charged. */
    public record Completed(JsonNode body, Credits charged) {}

    public Completed complete(Prepared p) {
        Instant started = clock.instant();
        AiProvider provider = providers.get(p.model().provider());
        JsonNode response;
        try {
            response = provider.chat(Background.get(p.call()), p.upstreamRequest());
        } catch (RuntimeException e) {
            settlement.abandon(p.ctx(), p.admission());
            metrics.failed(p.model(), "chat");
            throw upstreamFailure(p.model().provider(), e);
        }
        long in = response.path("usage").path("prompt_tokens").asLong(p.promptEstimate());
        long written = 0;
        for (JsonNode choice : response.path("choices")) written += Tokens.ofOutput(choice.path("message"));
        long out = response.path("usage").path("completion_tokens").asLong(written);
        String reply = ChatHistory.text(
                response.path("choices").path(0).path("message").path("content"));
        Credits charged = settleAndRecord(p, outcome(p, in, out, "ok", started), reply, false);
        metrics.completed(p.model(), "chat", started, charged);
        // The response was parsed for this call alone: answered as it is, with the public model name.
        ObjectNode body = (ObjectNode) response;
        body.put("model", p.model().id());
        return new Completed(body, charged);
    }

    /**
     * Streaming: writes Server-Sent Events as chunks arrive. Status and headers are sent with the
     * first chunk, so an upstream failure before it still answers with a proper error status.
     */
    public ChatOutcome stream(Prepared p, HttpServletResponse response) {
        return stream(p, response, openAiSink(p));
    }

    /** Streaming in another wire format: the same admission, charging and history, written by {@code sink}. */
    public ChatOutcome stream(Prepared p, HttpServletResponse response, StreamSink sink) {
        try {
            return relay(p, response, sink);
        } finally {
            settlement.streamEnded(p.admission());
        }
    }

    /**
     * OpenAI's chat chunks as Server-Sent Events, {@code data: [DONE]} at the end: the usage chunk
     * only when the client asked for it ({@code stream_options.include_usage}), an error event before
     * {@code [DONE]} when the provider cut the stream.
     */
    public StreamSink openAiSink(Prepared p) {
        return new StreamSink() {
            @Override
            public void chunk(ObjectNode chunk, SseOut out) {
                JsonNode usage = chunk.get("usage");
                boolean usageOnly = chunk.path("choices").isEmpty() && usage != null && usage.isObject();
                if (usageOnly && !p.includeUsage()) return;
                if (!p.includeUsage()) chunk.remove("usage");
                out.write("data: " + json.writeValueAsString(chunk) + "\n\n");
            }

            @Override
            public void completed(ChatOutcome outcome, SseOut out) {
                out.write("data: [DONE]\n\n");
            }

            @Override
            public void interrupted(ChatOutcome outcome, SseOut out) {
                out.write("data: " + errorEvent() + "\n\n" + "data: [DONE]\n\n");
            }
        };
    }

    private ChatOutcome relay(Prepared p, HttpServletResponse response, StreamSink sink) {
        Instant started = clock.instant();
        AiProvider provider = providers.get(p.model().provider());
        var state = new StreamState(response, p);
        try {
            provider.streamChat(Background.get(p.call()), p.upstreamRequest(), chunk -> {
                JsonNode usage = chunk.get("usage");
                if (usage != null && usage.isObject()) {
                    state.promptTokens = usage.path("prompt_tokens").asLong(-1);
                    state.completionTokens = usage.path("completion_tokens").asLong(-1);
                }
                // Each chunk is the provider's own, handed over once: changed in place before it is written.
                chunk.put("model", p.model().id());
                sink.chunk(chunk, state);
                // Counted once written: a chunk the client never received is not charged.
                for (JsonNode choice : chunk.path("choices")) {
                    // text, refusals and tool calls alike: all of it is output the client receives
                    state.deliveredTokens += Tokens.ofOutput(choice.path("delta"));
                    if (choice.path("index").asInt(0) == 0)
                        state.reply.append(ChatHistory.text(choice.path("delta").path("content")));
                }
                recordProgress(p, state, started);
            });
        } catch (RuntimeException e) {
            boolean clientGone = state.clientGone;
            if (!state.started && !clientGone) {
                settlement.abandon(p.ctx(), p.admission());
                metrics.failed(p.model(), "chat");
                throw upstreamFailure(p.model().provider(), e);
            }
            // Cut mid-stream (by the provider or by the client): charge what was delivered.
            long in = state.promptTokens >= 0 ? state.promptTokens : p.promptEstimate();
            if (!state.started) {
                settlement.abandon(p.ctx(), p.admission());
                return new ChatOutcome(Credits.ZERO, 0, 0, since(started), "void");
            }
            Credits partial = settleAndRecord(
                    p, outcome(p, in, state.deliveredTokens, "partial", started), state.reply.toString(), true);
            metrics.failed(p.model(), "chat");
            var cut = new ChatOutcome(partial, in, state.deliveredTokens, since(started), "partial");
            if (!clientGone) state.finish(() -> sink.interrupted(cut, state));
            return cut;
        }
        long in = state.promptTokens >= 0 ? state.promptTokens : p.promptEstimate();
        long out = state.completionTokens >= 0 ? state.completionTokens : state.deliveredTokens;
        Credits charged = settleAndRecord(p, outcome(p, in, out, "ok", started), state.reply.toString(), true);
        metrics.completed(p.model(), "chat", started, charged);
        var done = new ChatOutcome(charged, in, out, since(started), "ok");
        state.finish(() -> sink.completed(done, state));
        return done;
    }

    /**
     * Settles (capture + usage event, one transaction) and records the turn in history (its own
     * transaction) at the same time, so the two commits overlap instead of following each other;
     * returns when both are done, so a client that reads its history after the answer finds the turn.
     * History is never allowed to fail a charged answer (see {@link ChatHistory#record}). Output
     * already {@code delivered} (a stream) is charged even if the database fails the settlement: it
     * is retried in the background ({@link Settlement#settleDelivered}).
     */
    private Credits settleAndRecord(Prepared p, Settlement.Outcome o, String reply, boolean delivered) {
        if (p.admission() instanceof Admission.Leased leased) {
            // Off the request path: the settlement writer commits the charge, the event and the turn.
            Credits charged = Settlement.chargeable(leased, o.cost());
            var turn = history.turn(
                    p.ctx(),
                    p.conversation(),
                    reply,
                    p.model().id(),
                    o.inputUnits(),
                    o.outputUnits(),
                    charged,
                    o.status(),
                    since(o.startedAt()));
            return settlement.settleLeased(p.ctx(), leased, o, turn);
        }
        if (p.conversation() == null) return settle(p, o, delivered);
        Credits charged = Settlement.chargeable(p.admission(), o.cost());
        long latency = since(o.startedAt());
        Thread recording = Background.start(
                "history-record",
                () -> history.record(
                        p.ctx(),
                        p.conversation(),
                        reply,
                        p.model().id(),
                        o.inputUnits(),
                        o.outputUnits(),
                        charged,
                        o.status(),
                        latency));
        try {
            return settle(p, o, delivered);
        } finally {
            Background.join(recording);
        }
    }

    private Credits settle(Prepared p, Settlement.Outcome o, boolean delivered) {
        Hold hold = ((Admission.Held) p.admission()).hold();
        return delivered ? settlement.settleDelivered(p.ctx(), hold, o) : settlement.settle(p.ctx(), hold, o);
    }

    /**
     * Records, at most once per {@link #progressInterval}, what a stream has relayed so far (the
     * input and the output delivered), so that a crash before it settles still charges that much. A
     * stream admitted from a lease appends it to the settlement journal, on this thread (the next
     * start charges it); one with an exact hold writes it on the hold, on a background thread and
     * never two writes at once (the sweeper charges it at the hold's expiry).
     */
    private void recordProgress(Prepared p, StreamState state, Instant started) {
        long now = clock.millis();
        if (now - state.progressAt < progressInterval.toMillis() || !state.progressIdle.compareAndSet(true, false))
            return;
        state.progressAt = now;
        long in = state.promptTokens >= 0 ? state.promptTokens : p.promptEstimate();
        Settlement.Outcome soFar = outcome(p, in, state.deliveredTokens, "partial", started);
        switch (p.admission()) {
            case Admission.Leased leased -> {
                settlement.recordProgress(p.ctx(), leased, soFar);
                state.progressIdle.set(true);
            }
            case Admission.Held held ->
                settlement.recordProgress(p.ctx(), held.hold(), soFar, () -> state.progressIdle.set(true));
        }
    }

    private long since(Instant started) {
        return Math.max(0, clock.millis() - started.toEpochMilli());
    }

    private Settlement.Outcome outcome(Prepared p, long in, long out, String status, Instant started) {
        Credits cost = models.pricing().chatCost(p.model(), in, out);
        return new Settlement.Outcome(
                p.model().id(), p.model().provider(), "chat", "chat", in, out, cost, status, started);
    }

    private String errorEvent() {
        var error = new java.util.LinkedHashMap<String, Object>();
        error.put("message", "The upstream stream was interrupted.");
        error.put("type", "api_error");
        error.put("param", null);
        error.put("code", "upstream_interrupted");
        return json.writeValueAsString(java.util.Map.of("error", error));
    }

    /**
     * A provider failure as the client sees it: the status and a message of the gateway's own
     * (the upstream's own error message for a request it rejected), never an exception's text; the
     * details go to the log.
     */
    static GatewayException upstreamFailure(String provider, RuntimeException e) {
        if (e instanceof GatewayException g) return g;
        if (e instanceof ProviderException pe) {
            int status = pe.status();
            log.warn("provider {} failed: {}", provider, pe.getMessage());
            if (status == 0) {
                if (pe.timedOut()
                        || causedBy(
                                pe, TimeoutException.class, HttpTimeoutException.class, SocketTimeoutException.class)) {
                    return new GatewayException(
                            504,
                            "api_error",
                            "upstream_timeout",
                            "The provider " + provider + " did not answer in time.");
                }
                if (causedBy(pe, IOException.class, UnresolvedAddressException.class)
                        && !causedBy(pe, JacksonException.class)) {
                    return new GatewayException(
                            502,
                            "api_error",
                            "upstream_unreachable",
                            "The provider " + provider + " could not be reached.");
                }
                return new GatewayException(
                        502, "api_error", "upstream_error", "The provider " + provider + " failed to answer properly.");
            }
            if (status == 429) {
                return new GatewayException(
                        429, "rate_limit_error", "upstream_rate_limited", "The provider is rate limiting requests.");
            }
            if (status >= 400 && status < 500) {
                return new GatewayException(
                        status == 401 || status == 403 ? 502 : status,
                        "invalid_request_error",
                        "upstream_rejected",
                        "The provider rejected the request: " + pe.getMessage());
            }
            return new GatewayException(502, "api_error", "upstream_error", "The provider failed: " + pe.getMessage());
        }
        if (e instanceof dev.atrium.common.ApiException api) {
            return new GatewayException(api.status().value(), "invalid_request_error", api.code(), api.getMessage());
        }
        log.error("provider {} failed unexpectedly", provider, e);
        return new GatewayException(502, "api_error", "upstream_error", "The provider failed.");
    }

    @SafeVarargs
    private static boolean causedBy(Throwable e, Class<? extends Throwable>... kinds) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            for (var kind : kinds) if (kind.isInstance(t)) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    /** What a stream has delivered so far, and the client's event stream it is written to. */
    private static final class StreamState implements StreamSink.SseOut {
        private final HttpServletResponse response;
        private final Prepared p;
        boolean started;
        boolean clientGone;
        long deliveredTokens;
        /** When progress was last recorded on the hold (epoch millis), and whether no write is under way. */
        long progressAt = Long.MIN_VALUE / 2;

        final java.util.concurrent.atomic.AtomicBoolean progressIdle =
                new java.util.concurrent.atomic.AtomicBoolean(true);
        long promptTokens = -1;
        long completionTokens = -1;
        final StringBuilder reply = new StringBuilder();

        @Nullable
        OutputStream out;

        StreamState(HttpServletResponse response, Prepared p) {
            this.response = response;
            this.p = p;
        }

        void start() {
            response.setStatus(200);
            response.setContentType("text/event-stream");
            response.setCharacterEncoding("UTF-8");
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("X-Accel-Buffering", "no");
            response.setHeader("x-atrium-workspace-id", p.ctx().workspace().id().value());
            if (p.conversationId() != null) response.setHeader("x-atrium-conversation-id", p.conversationId());
            if (p.clampedMaxTokens() != null) response.setHeader(CLAMPED_HEADER, String.valueOf(p.clampedMaxTokens()));
            started = true;
        }

        @Override
        public void write(String text) {
            try {
                if (!started) start();
                if (out == null) out = response.getOutputStream();
                out.write(text.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                clientGone = true;
                throw new UncheckedIOException("client disconnected", e);
            }
        }

        /** The sink's last events: the stream is answered (status and headers) even if it writes none. */
        void finish(Runnable last) {
            if (!started) start();
            try {
                last.run();
            } catch (UncheckedIOException e) {
                clientGone = true;
            }
        }
    }
}
