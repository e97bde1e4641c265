package dev.atrium.pricing;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.atrium.common.Credits;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A model as one organization sees it: where requests for it go and what it costs, in credits (by
 * default 1 credit = US$0.01). Prices that do not apply to the model's {@link ModelKind} are null
 * ({@link #imagePrices} is empty): a chat model has {@code inputPerMillion}, {@code
 * outputPerMillion}, {@code maxOutputTokens} and {@code contextWindow}; an image model has {@code
 * imagePrices}, the first entry of which is its default size and quality; a speech model has
 * {@code perThousandChars}; a transcription model has {@code perAudioMinute}; an embedding model
 * has {@code inputPerMillion} (it produces no output tokens).
 *
 * @param id the id clients send as {@code model}, e.g. {@code gpt-4o-mini} or {@code demo/chat}
 * @param provider {@code openai}, {@code anthropic} or {@code demo}
 * @param upstreamModel the model name sent to the provider
 * @param origin whether the model is the default catalog's, a catalog model with the organization's
 *     prices, or the organization's own model
 */
public record PricedModel(
        String id,
        String provider,
        String upstreamModel,
        ModelKind kind,
        @Nullable Credits inputPerMillion,
        @Nullable Credits outputPerMillion,
        @Nullable Integer maxOutputTokens,
        @Nullable Integer contextWindow,
        List<ImagePrice> imagePrices,
        @Nullable Credits perThousandChars,
        @Nullable Credits perAudioMinute,
        Origin origin) {

    public PricedModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(origin, "origin");
        imagePrices = List.copyOf(imagePrices);
    }

    /** Where a model's definition comes from. */
    public enum Origin {
        /** The default catalog, unchanged. */
        CATALOG,
        /** A catalog model with some prices set by the organization. */
        OVERRIDE,
        /** A model the organization added (routed to provider {@code openai}). */
        CUSTOM;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The price of one image of this size and quality, if the model offers it. */
    public Optional<Credits> imagePrice(String size, String quality) {
        return imagePrices.stream()
                .filter(p -> p.matches(size, quality))
                .map(ImagePrice::price)
                .findFirst();
    }

    /** The sizes this image model offers, in catalog order. */
    public List<String> imageSizes() {
        return imagePrices.stream().map(ImagePrice::size).distinct().toList();
    }

    /** The qualities this image model offers at a size, in catalog order. */
    public List<String> imageQualities(String size) {
        return imagePrices.stream()
                .filter(p -> p.size().equals(size))
                .map(ImagePrice::quality)
                .toList();
    }
}
