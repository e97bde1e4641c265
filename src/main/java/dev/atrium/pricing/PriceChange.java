package dev.atrium.pricing;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An organization's prices for one model, as a client sent them (amounts are decimal strings of
 * credits); {@link PricingAdmin} validates them with errors that name the field. For a catalog model
 * only prices may be given (null keeps the catalog's; provider, upstream model, kind and limits may
 * be repeated but not changed). For any other id it describes a custom model: routed to provider
 * {@code openai} (the default), with {@code upstreamModel}, {@code kind} and that kind's prices, and
 * for chat {@code maxOutputTokens} and {@code contextWindow}.
 */
public record PriceChange(
        @Nullable String provider,
        @Nullable String upstreamModel,
        @Nullable String kind,
        @Nullable String inputPerMillion,
        @Nullable String outputPerMillion,
        @Nullable Integer maxOutputTokens,
        @Nullable Integer contextWindow,
        @Nullable List<@Nullable Image> imagePrices,
        @Nullable String perThousandChars,
        @Nullable String perAudioMinute) {

    /** One image price: size such as {@code 1024x1024}, quality such as {@code standard}, price in credits. */
    public record Image(
            @Nullable String size,
            @Nullable String quality,
            @Nullable String price) {}
}
