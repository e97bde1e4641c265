package dev.atrium.gateway.internal;

import dev.atrium.common.Credits;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.history.Activity;
import dev.atrium.history.HistoryRecorder;
import dev.atrium.history.MediaStore;
import dev.atrium.ledger.Category;
import dev.atrium.ledger.Hold;
import dev.atrium.pricing.PricedModel;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Images, text-to-speech and transcription: priced, held, forwarded, settled like chat. */
@Service
public class MediaOperations {
    private static final Logger log = LoggerFactory.getLogger(MediaOperations.class);
    private final Models models;
    private final Providers providers;
    private final Settlement settlement;
    private final GatewayMetrics metrics;
    private final MediaStore media;
    private final HistoryRecorder history;
    private final Clock clock;

    MediaOperations(
            Models models,
            Providers providers,
            Settlement settlement,
            GatewayMetrics metrics,
            MediaStore media,
            HistoryRecorder history,
            Clock clock) {
        this.models = models;
        this.providers = providers;
        this.settlement = settlement;
        this.metrics = metrics;
        this.media = media;
        this.history = history;
        this.clock = clock;
    }

    /** A result, the credits it cost and the media it stored (ids, served by the media endpoint). */
    public record Result<T>(T body, Credits charged, List<String> media) {
        public Result(T body, Credits charged) {
            this(body, charged, List.of());
        }
    }

    public Result<JsonNode> images(GatewayContext ctx, ObjectNode body, String mediaUrlBase) {
        String modelId = requireString(body, "model");
        String prompt = requireString(body, "prompt");
        if (prompt.length() > 32_000) throw GatewayException.invalid("'prompt' is too long.");
        int n = body.path("n").asInt(1);
        if (n < 1 || n > 10) throw GatewayException.invalid("'n' must be between 1 and 10.");
        String size = body.path("size").asString("1024x1024");
        if (size.equals("auto")) size = "1024x1024";
        // No quality (or OpenAI's "auto") is the model's default: "standard" is not one of gpt-image-1's.
        @Nullable String quality = body.path("quality").asString("auto");
        if (quality.equals("auto")) quality = null;
        String format = body.path("response_format").asString("b64_json");
        if (!format.equals("b64_json") && !format.equals("url")) {
            throw GatewayException.invalid("'response_format' must be 'url' or 'b64_json'.");
        }
        PricedModel model = models.require(ctx, modelId, "image");
        Credits cost = models.pricing().imageCost(model, size, quality, n);
        Hold hold = settlement.reserve(ctx, cost, Category.IMAGE, model.id());
        Instant started = clock.instant();
        ObjectNode upstream = body.deepCopy();
        upstream.put("model", model.upstreamModel());
        upstream.put("response_format", "b64_json");
        JsonNode response;
        response = forward(ctx, hold, model, "image", (provider, call) -> provider.images(call, upstream));
        int produced = Math.max(0, response.path("data").size());
        if (produced == 0) {
            // Nothing billable came back (and zero images have no price): as a failure before output.
            settlement.abandon(ctx, hold);
            metrics.failed(model, "image");
            throw new GatewayException(502, "api_error", "upstream_error", "The provider returned no image.");
        }
        Credits actual = produced == n ? cost : models.pricing().imageCost(model, size, quality, Math.max(produced, 0));
        Credits charged = settlement.settle(
                ctx,
                hold,
                new Settlement.Outcome(
                        model.id(),
                        model.provider(),
                        "image",
                        "image",
                        1,
                        produced,
                        actual,
                        produced == n ? "ok" : "partial",
                        started));
        metrics.completed(model, "image", started, charged);
        ObjectNode out = (ObjectNode) response.deepCopy();
        List<String> stored = new ArrayList<>();
        if (format.equals("url") || ctx.policy().recordHistory()) {
            for (JsonNode item : out.path("data")) {
                if (item instanceof ObjectNode o && o.has("b64_json")) {
                    byte[] png = Base64.getDecoder().decode(o.path("b64_json").asString());
                    String id = media.put(ctx.org(), ctx.workspace().id(), "image/png", png);
                    stored.add(id);
                    if (!format.equals("url")) continue;
                    o.remove("b64_json");
                    o.put(
                            "url",
                            mediaUrlBase + "/api/v1/organizations/" + ctx.org().value() + "/workspaces/"
                                    + ctx.workspace().id().value() + "/media/" + id);
                }
            }
        }
        activity(ctx, "image", model, charged, produced == n ? "ok" : "partial", started, stored);
        return new Result<>(out, charged, List.copyOf(stored));
    }

    /** The request record, when the workspace records history; never fails a settled operation. */
    private void activity(
            GatewayContext ctx,
            String operation,
            PricedModel model,
            Credits charged,
            String status,
            Instant started,
            List<String> mediaIds) {
        if (!ctx.policy().recordHistory()) return;
        try {
            history.recordActivity(new Activity(
                    ChatHistory.scope(ctx),
                    operation,
                    model.id(),
                    charged,
                    status,
                    Math.max(0, clock.millis() - started.toEpochMilli()),
                    null,
                    mediaIds));
        } catch (RuntimeException e) {
            log.warn("could not record the {} activity", operation, e);
        }
    }

    public Result<AiProvider.Audio> speech(GatewayContext ctx, ObjectNode body) {
        return speech(ctx, body, false);
    }

    /**
     * Text to speech; with {@code keep} the audio is stored even when the workspace records no
     * history (as an image asked for by URL is), so that it can be played back from the media endpoint.
     */
    public Result<AiProvider.Audio> speech(GatewayContext ctx, ObjectNode body, boolean keep) {
        String modelId = requireString(body, "model");
        String input = requireString(body, "input");
        if (input.length() > 4096) throw GatewayException.invalid("'input' must be at most 4096 characters.");
        PricedModel model = models.require(ctx, modelId, "speech");
        Credits cost = models.pricing().speechCost(model, input.length());
        Hold hold = settlement.reserve(ctx, cost, Category.SPEECH, model.id());
        Instant started = clock.instant();
        ObjectNode upstream = body.deepCopy();
        upstream.put("model", model.upstreamModel());
        AiProvider.Audio audio;
        audio = forward(ctx, hold, model, "speech", (provider, call) -> provider.speech(call, upstream));
        Credits charged = settlement.settle(
                ctx,
                hold,
                new Settlement.Outcome(
                        model.id(),
                        model.provider(),
                        "speech",
                        "speech",
                        input.length(),
                        audio.bytes().length,
                        cost,
                        "ok",
                        started));
        metrics.completed(model, "speech", started, charged);
        List<String> stored = ctx.policy().recordHistory() || keep
                ? List.of(media.put(ctx.org(), ctx.workspace().id(), audio.contentType(), audio.bytes()))
                : List.of();
        activity(ctx, "speech", model, charged, "ok", started, stored);
        return new Result<>(audio, charged, stored);
    }

    public Result<JsonNode> transcribe(
            GatewayContext ctx, String modelId, AiProvider.Upload file, Map<String, String> fields) {
        PricedModel model = models.require(ctx, modelId, "transcription");
        double estimate = Math.max(60, Audio.seconds(file.bytes()).orElse(file.bytes().length / 4000.0));
        Credits maximum = models.pricing().transcriptionCost(model, estimate);
        Hold hold = settlement.reserve(ctx, maximum, Category.SPEECH, model.id());
        Instant started = clock.instant();
        JsonNode response;
        response =
                forward(ctx, hold, model, "transcription", (provider, call) -> provider.transcribe(call, file, fields));
        // The provider's own measure first (verbose_json's duration, or OpenAI's usage of type
        // "duration"); else the WAV header; else a guess from the size (compressed audio).
        JsonNode usage = response.path("usage");
        double reported = usage.path("type").asString("").equals("duration")
                ? usage.path("seconds").asDouble(-1)
                : -1;
        double seconds = response.path("duration")
                .asDouble(reported >= 0 ? reported : Audio.seconds(file.bytes()).orElse(file.bytes().length / 16000.0));
        Credits cost = models.pricing().transcriptionCost(model, seconds);
        Credits charged = settlement.settle(
                ctx,
                hold,
                new Settlement.Outcome(
                        model.id(),
                        model.provider(),
                        "speech",
                        "transcription",
                        Math.round(seconds),
                        response.path("text").asString("").length(),
                        cost,
                        "ok",
                        started));
        metrics.completed(model, "transcription", started, charged);
        activity(ctx, "transcription", model, charged, "ok", started, List.of());
        return new Result<>(response, charged);
    }

    /** Calls the model's provider; a failure voids the hold and answers in OpenAI's shape. */
    private <T> T forward(
            GatewayContext ctx,
            Hold hold,
            PricedModel model,
            String operation,
            java.util.function.BiFunction<AiProvider, dev.atrium.gateway.provider.ProviderCall, T> call) {
        try {
            return call.apply(
                    providers.get(model.provider()),
                    providers.call(ctx.org(), model.provider(), model.upstreamModel()));
        } catch (RuntimeException e) {
            settlement.abandon(ctx, hold);
            metrics.failed(model, operation);
            throw ChatService.upstreamFailure(model.provider(), e);
        }
    }

    static String requireString(JsonNode body, String field) {
        JsonNode v = body.path(field);
        if (!v.isString() || v.asString().isBlank()) throw GatewayException.invalid("'" + field + "' is required.");
        return v.asString();
    }

    /** Reads the duration of a WAV file from its header. */
    static final class Audio {
        private Audio() {}

        static java.util.OptionalDouble seconds(byte @Nullable [] b) {
            if (b == null || b.length < 44 || b[0] != 'R' || b[1] != 'I' || b[2] != 'F' || b[3] != 'F') {
                return java.util.OptionalDouble.empty();
            }
            int pos = 12;
            int byteRate = 0;
            while (pos + 8 <= b.length) {
                String id = new String(b, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
                int size = (b[pos + 4] & 0xff)
                        | (b[pos + 5] & 0xff) << 8
                        | (b[pos + 6] & 0xff) << 16
                        | (b[pos + 7] & 0xff) << 24;
                if (id.equals("fmt ") && pos + 20 <= b.length) {
                    byteRate = (b[pos + 16] & 0xff)
                            | (b[pos + 17] & 0xff) << 8
                            | (b[pos + 18] & 0xff) << 16
                            | (b[pos + 19] & 0xff) << 24;
                } else if (id.equals("data") && byteRate > 0) {
                    int data = Math.min(size < 0 ? Integer.MAX_VALUE : size, b.length - pos - 8);
                    return java.util.OptionalDouble.of(data / (double) byteRate);
                }
                if (size < 0) break;
                pos += 8 + size + (size & 1);
            }
            return java.util.OptionalDouble.empty();
        }
    }
}
