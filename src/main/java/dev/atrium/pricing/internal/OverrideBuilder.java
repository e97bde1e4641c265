package dev.atrium.pricing.internal;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import dev.atrium.pricing.ImagePrice;
import dev.atrium.pricing.ModelKind;
import dev.atrium.pricing.PriceChange;
import dev.atrium.pricing.PricedModel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link PriceChange} into what is stored, refusing anything malformed with a 422 that names
 * the field: an override of a catalog model (prices only), or a complete custom model.
 */
public final class OverrideBuilder {
    private OverrideBuilder() {}

    /** An override of the catalog model {@code base}: only prices of the model's kind may change. */
    public static ModelOverride override(PricedModel base, PriceChange c) {
        String fixed = "cannot be changed for a catalog model; add a custom model under another id instead.";
        same("provider", c.provider(), base.provider(), fixed);
        same("upstream_model", c.upstreamModel(), base.upstreamModel(), fixed);
        same("kind", c.kind(), base.kind().wire(), fixed);
        same("max_output_tokens", c.maxOutputTokens(), base.maxOutputTokens(), fixed);
        same("context_window", c.contextWindow(), base.contextWindow(), fixed);
        ModelKind kind = base.kind();
        onlyForKind(kind, c);
        return new ModelOverride(
                base.id(),
                false,
                null,
                null,
                null,
                price(c.inputPerMillion(), "input_per_million"),
                price(c.outputPerMillion(), "output_per_million"),
                null,
                null,
                images(c.imagePrices()),
                price(c.perThousandChars(), "per_thousand_chars"),
                price(c.perAudioMinute(), "per_audio_minute"));
    }

    /** A custom model of the organization, routed to the OpenAI-compatible provider. */
    public static ModelOverride custom(String id, PriceChange c) {
        if (c.provider() != null && !Rules.CUSTOM_PROVIDER.equals(c.provider())) {
            throw ApiException.invalid(
                    "provider", "A custom model is routed to provider 'openai' (any OpenAI-compatible server).");
        }
        String upstream = c.upstreamModel();
        if (upstream == null || upstream.isBlank()) {
            throw ApiException.invalid("upstream_model", "upstream_model is required for a custom model.");
        }
        if (!Rules.isUpstreamModel(upstream)) {
            throw ApiException.invalid(
                    "upstream_model",
                    "upstream_model must be at most " + Rules.MAX_UPSTREAM + " printable characters without spaces.");
        }
        if (c.kind() == null) {
            throw ApiException.invalid(
                    "kind", "kind is required for a custom model: chat, image, speech, transcription or embedding.");
        }
        ModelKind kind = ModelKind.parse(c.kind())
                .orElseThrow(() -> ApiException.invalid(
                        "kind", "kind must be one of chat, image, speech, transcription, embedding."));
        onlyForKind(kind, c);
        Credits input = null, output = null, perK = null, perMinute = null;
        Integer maxOutput = null, context = null;
        List<ImagePrice> images = List.of();
        switch (kind) {
            case CHAT -> {
                input = required(price(c.inputPerMillion(), "input_per_million"), "input_per_million", kind);
                output = required(price(c.outputPerMillion(), "output_per_million"), "output_per_million", kind);
                maxOutput = required(tokens(c.maxOutputTokens(), "max_output_tokens"), "max_output_tokens", kind);
                context = required(tokens(c.contextWindow(), "context_window"), "context_window", kind);
                if (maxOutput > context) {
                    throw ApiException.invalid(
                            "max_output_tokens", "max_output_tokens must not exceed context_window.");
                }
            }
            case IMAGE -> {
                images = images(c.imagePrices());
                if (images.isEmpty()) {
                    throw ApiException.invalid("image_prices", "image_prices is required for a custom image model.");
                }
            }
            case SPEECH ->
                perK = required(price(c.perThousandChars(), "per_thousand_chars"), "per_thousand_chars", kind);
            case TRANSCRIPTION ->
                perMinute = required(price(c.perAudioMinute(), "per_audio_minute"), "per_audio_minute", kind);
            case EMBEDDING ->
                input = required(price(c.inputPerMillion(), "input_per_million"), "input_per_million", kind);
        }
        return new ModelOverride(
                id,
                true,
                Rules.CUSTOM_PROVIDER,
                upstream,
                kind,
                input,
                output,
                maxOutput,
                context,
                images,
                perK,
                perMinute);
    }

    private static void onlyForKind(ModelKind kind, PriceChange c) {
        if (kind != ModelKind.CHAT && kind != ModelKind.EMBEDDING)
            absent(c.inputPerMillion(), "input_per_million", kind);
        if (kind != ModelKind.CHAT) {
            absent(c.outputPerMillion(), "output_per_million", kind);
            absent(c.maxOutputTokens(), "max_output_tokens", kind);
            absent(c.contextWindow(), "context_window", kind);
        }
        if (kind != ModelKind.IMAGE
                && c.imagePrices() != null
                && !c.imagePrices().isEmpty()) {
            throw notFor("image_prices", kind);
        }
        if (kind != ModelKind.SPEECH) absent(c.perThousandChars(), "per_thousand_chars", kind);
        if (kind != ModelKind.TRANSCRIPTION) absent(c.perAudioMinute(), "per_audio_minute", kind);
    }

    private static List<ImagePrice> images(@Nullable List<PriceChange.@Nullable Image> entries) {
        if (entries == null) return List.of();
        if (entries.size() > Rules.MAX_IMAGE_PRICES) {
            throw ApiException.invalid(
                    "image_prices", "image_prices has more than " + Rules.MAX_IMAGE_PRICES + " entries.");
        }
        List<ImagePrice> prices = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            String at = "image_prices." + i;
            PriceChange.Image e = entries.get(i);
            if (e == null) throw ApiException.invalid(at, at + " must be an object with size, quality and price.");
            String size = e.size(), quality = e.quality();
            if (size == null || !Rules.isImageSize(size)) {
                throw ApiException.invalid(at + ".size", at + ".size must be <width>x<height>, e.g. 1024x1024.");
            }
            if (quality == null || !Rules.isImageQuality(quality)) {
                throw ApiException.invalid(
                        at + ".quality", at + ".quality must be a lower-case word such as standard, hd, low or high.");
            }
            Credits price = price(e.price(), at + ".price");
            if (price == null) throw ApiException.invalid(at + ".price", at + ".price is required.");
            if (!seen.add(size + " " + quality)) {
                throw ApiException.invalid(at, size + " " + quality + " is listed more than once.");
            }
            prices.add(new ImagePrice(size, quality, price));
        }
        return prices;
    }

    /** A price in credits: a decimal string from 0 to the maximum, at most 6 decimals; null when absent. */
    static @Nullable Credits price(@Nullable String value, String field) {
        if (value == null) return null;
        Credits price;
        try {
            price = Credits.parse(value);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(
                    field, field + " must be a decimal amount of credits with at most 6 decimal places.");
        }
        if (!Rules.isPrice(price)) {
            throw ApiException.invalid(field, field + " must be between 0 and " + Rules.MAX_PRICE + " credits.");
        }
        return price;
    }

    private static @Nullable Integer tokens(@Nullable Integer value, String field) {
        if (value != null && (value < 1 || value > Rules.MAX_TOKENS)) {
            throw ApiException.invalid(field, field + " must be between 1 and " + Rules.MAX_TOKENS + ".");
        }
        return value;
    }

    private static <T> T required(@Nullable T value, String field, ModelKind kind) {
        if (value == null) throw ApiException.invalid(field, field + " is required for a " + kind.wire() + " model.");
        return value;
    }

    private static void absent(@Nullable Object value, String field, ModelKind kind) {
        if (value != null) throw notFor(field, kind);
    }

    private static ApiException notFor(String field, ModelKind kind) {
        return ApiException.invalid(field, field + " does not apply to a " + kind.wire() + " model.");
    }

    private static void same(String field, @Nullable Object given, @Nullable Object catalog, String detail) {
        if (given != null && !Objects.equals(given, catalog)) throw ApiException.invalid(field, field + " " + detail);
    }
}
