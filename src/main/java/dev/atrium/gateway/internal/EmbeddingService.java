package dev.atrium.gateway.internal;

import dev.atrium.common.Credits;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.history.Activity;
import dev.atrium.history.HistoryRecorder;
import dev.atrium.ledger.Admission;
import dev.atrium.ledger.Category;
import dev.atrium.pricing.PricedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Embeddings ({@code POST /v1/embeddings}), priced per input token: the request is checked, its
 * most possible cost admitted (from the node's credit lease, or with an exact hold, as chat is),
 * forwarded, and settled at the provider's {@code usage.prompt_tokens} (or the gateway's estimate
 * when it reports none), never above what was admitted. The usage event has category {@code chat}
 * and operation {@code embedding}; the history records an activity, not a conversation.
 */
@Service
public class EmbeddingService {
    /** The most inputs one request may embed, as OpenAI allows. */
    static final int MAX_INPUTS = 2048;

    /** The largest {@code dimensions} the gateway passes on; each model may allow fewer. */
    static final int MAX_DIMENSIONS = 65_536;

    /** Added to each input's bound: tokenizers may add a few tokens of their own (start, end). */
    private static final int TOKENS_PER_INPUT = 8;

    private static final Logger log = LoggerFactory.getLogger(EmbeddingService.class);
    private final Models models;
    private final Providers providers;
    private final Settlement settlement;
    private final GatewayMetrics metrics;
    private final HistoryRecorder history;
    private final Clock clock;

    EmbeddingService(
            Models models,
            Providers providers,
            Settlement settlement,
            GatewayMetrics metrics,
            HistoryRecorder history,
            Clock clock) {
        this.models = models;
        this.providers = providers;
        this.settlement = settlement;
        this.metrics = metrics;
        this.history = history;
        this.clock = clock;
    }

    /** The OpenAI embeddings response, with the public model name, and the credits it cost. */
    public record Embedded(JsonNode body, Credits charged) {}

    /** The inputs of a request: how many, the gateway's estimate of their tokens, and a bound on them. */
    record Input(int count, long estimate, long bound) {}

    public Embedded embed(GatewayContext ctx, ObjectNode body) {
        String modelId = MediaOperations.requireString(body, "model");
        Input input = input(body.path("input"));
        boolean base64 = encoding(body.path("encoding_format"));
        JsonNode dimensions = body.path("dimensions");
        if (!dimensions.isMissingNode()
                && !dimensions.isNull()
                && (!dimensions.isIntegralNumber()
                        || !dimensions.canConvertToInt()
                        || dimensions.intValue() < 1
                        || dimensions.intValue() > MAX_DIMENSIONS)) {
            throw GatewayException.invalid("'dimensions' must be a whole number between 1 and " + MAX_DIMENSIONS + ".");
        }
        JsonNode user = body.path("user");
        if (!user.isMissingNode() && !user.isNull() && !user.isString()) {
            throw GatewayException.invalid("'user' must be a string.");
        }
        PricedModel model = models.require(ctx, modelId, "embedding");
        Credits maximum = models.pricing().embeddingCost(model, input.bound());
        Admission admission = settlement.admitOperation(ctx, maximum, Category.CHAT, model.id(), input.bound());
        Instant started = clock.instant();
        ObjectNode upstream = body.deepCopy();
        upstream.put("model", model.upstreamModel());
        JsonNode response;
        try {
            AiProvider provider = providers.get(model.provider());
            response =
                    provider.embeddings(providers.call(ctx.org(), model.provider(), model.upstreamModel()), upstream);
        } catch (RuntimeException e) {
            settlement.abandon(ctx, admission);
            metrics.failed(model, "embedding");
            throw ChatService.upstreamFailure(model.provider(), e);
        }
        if (!response.path("data").isArray() || response.path("data").size() != input.count()) {
            // Nothing usable came back: as a failure before output, nothing is charged.
            settlement.abandon(ctx, admission);
            metrics.failed(model, "embedding");
            log.warn(
                    "provider {} answered {} embeddings for {} inputs",
                    model.provider(),
                    response.path("data").size(),
                    input.count());
            throw new GatewayException(
                    502, "api_error", "upstream_error", "The provider did not return one embedding per input.");
        }
        JsonNode reported = response.path("usage").path("prompt_tokens");
        long tokens = reported.isIntegralNumber() && reported.canConvertToLong() && reported.longValue() >= 0
                ? reported.longValue()
                : input.estimate();
        Credits cost = models.pricing().embeddingCost(model, tokens);
        Credits charged = settlement.settleAdmitted(
                ctx,
                admission,
                new Settlement.Outcome(
                        model.id(), model.provider(), "chat", "embedding", tokens, 0, cost, "ok", started));
        metrics.completed(model, "embedding", started, charged);
        activity(ctx, model, charged, started);
        // An object: it has a data array. Parsed for this call alone, so answered as it is.
        ObjectNode out = (ObjectNode) response;
        out.put("model", model.id());
        for (JsonNode item : out.path("data")) {
            if (item instanceof ObjectNode o) encode(o, base64);
        }
        if (!out.path("usage").isObject()) {
            out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        }
        return new Embedded(out, charged);
    }

    /**
     * Checks {@code input} as OpenAI accepts it: a non-empty string, or a non-empty array (at most
     * {@value #MAX_INPUTS} items) of non-empty strings, of token ids, or of non-empty arrays of
     * token ids; a token id is a whole number from 0 to 2^31-1.
     */
    static Input input(JsonNode input) {
        if (input.isString()) {
            String text = text(input, "'input'");
            return new Input(1, Tokens.ofText(text), bound(text));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw GatewayException.invalid(
                    "'input' must be a non-empty string, or a non-empty array of strings, of token ids or of arrays"
                            + " of token ids.");
        }
        if (input.size() > MAX_INPUTS) {
            throw GatewayException.invalid("'input' must have at most " + MAX_INPUTS + " items.");
        }
        JsonNode first = input.get(0);
        if (first.isNumber()) {
            tokenIds(input, "'input'");
            return new Input(1, input.size(), input.size() + TOKENS_PER_INPUT);
        }
        long estimate = 0, bound = 0;
        int i = 0;
        for (JsonNode item : input) {
            String at = "'input[" + i++ + "]'";
            if (first.isString()) {
                if (!item.isString()) {
                    throw GatewayException.invalid(at + " must be a string, as the first item is.");
                }
                String text = text(item, at);
                estimate += Tokens.ofText(text);
                bound += bound(text);
            } else if (first.isArray()) {
                if (!item.isArray() || item.isEmpty()) {
                    throw GatewayException.invalid(
                            at + " must be a non-empty array of token ids, as the first item is.");
                }
                tokenIds(item, at);
                estimate += item.size();
                bound += item.size() + TOKENS_PER_INPUT;
            } else {
                throw GatewayException.invalid(at + " must be a string, a token id or an array of token ids.");
            }
        }
        return new Input(input.size(), estimate, bound);
    }

    private static String text(JsonNode node, String at) {
        String text = node.asString();
        if (text.isEmpty()) throw GatewayException.invalid(at + " must not be empty.");
        return text;
    }

    private static void tokenIds(JsonNode ids, String at) {
        for (JsonNode id : ids) {
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw GatewayException.invalid(at + " must hold only token ids: whole numbers from 0 to 2147483647.");
            }
        }
    }

    /**
     * The most tokens a text can be: a token of OpenAI's (byte-level) tokenizers covers at least one
     * byte of UTF-8, plus a few a tokenizer may add.
     */
    private static long bound(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length + (long) TOKENS_PER_INPUT;
    }

    private static boolean encoding(JsonNode format) {
        if (format.isMissingNode() || format.isNull()) return false;
        if (format.isString() && format.asString().equals("float")) return false;
        if (format.isString() && format.asString().equals("base64")) return true;
        throw GatewayException.invalid("'encoding_format' must be 'float' or 'base64'.");
    }

    /**
     * The embedding as the client asked for it, whatever the provider sent: an array of floats, or
     * their little-endian 32-bit IEEE 754 bytes in base64 (OpenAI's format); some OpenAI-compatible
     * servers ignore {@code encoding_format}.
     */
    static void encode(ObjectNode item, boolean base64) {
        JsonNode embedding = item.path("embedding");
        if (base64 && embedding.isArray()) {
            ByteBuffer bytes =
                    ByteBuffer.allocate(embedding.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode v : embedding) bytes.putFloat(v.floatValue());
            item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
        } else if (!base64 && embedding.isString()) {
            byte[] raw;
            try {
                raw = Base64.getDecoder().decode(embedding.asString());
            } catch (IllegalArgumentException e) {
                return; // not base64 after all: passed on as it came
            }
            if (raw.length % Float.BYTES != 0) return;
            ByteBuffer bytes = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            ArrayNode values = item.putArray("embedding");
            while (bytes.hasRemaining()) values.add(bytes.getFloat());
        }
    }

    /** The request record, when the workspace records history; never fails a settled operation. */
    private void activity(GatewayContext ctx, PricedModel model, Credits charged, Instant started) {
        if (!ctx.policy().recordHistory()) return;
        try {
            history.recordActivity(new Activity(
                    ChatHistory.scope(ctx),
                    "embedding",
                    model.id(),
                    charged,
                    "ok",
                    Math.max(0, clock.millis() - started.toEpochMilli()),
                    null,
                    List.of()));
        } catch (RuntimeException e) {
            log.warn("could not record the embedding activity", e);
        }
    }
}
