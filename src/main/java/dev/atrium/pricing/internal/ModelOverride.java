package dev.atrium.pricing.internal;

import dev.atrium.common.Credits;
import dev.atrium.pricing.ImagePrice;
import dev.atrium.pricing.ModelKind;
import dev.atrium.pricing.PricedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What one organization set for one model: either some prices of a catalog model (null fields keep
 * the catalog's; image prices replace the catalog's entry of the same size and quality, or add one),
 * or, when {@code custom}, a whole model of its own whose provider, upstream model and kind are set.
 */
public record ModelOverride(
        String modelId,
        boolean custom,
        @Nullable String provider,
        @Nullable String upstreamModel,
        @Nullable ModelKind kind,
        @Nullable Credits inputPerMillion,
        @Nullable Credits outputPerMillion,
        @Nullable Integer maxOutputTokens,
        @Nullable Integer contextWindow,
        List<ImagePrice> imagePrices,
        @Nullable Credits perThousandChars,
        @Nullable Credits perAudioMinute) {

    public ModelOverride {
        imagePrices = List.copyOf(imagePrices);
        if (custom && (provider == null || upstreamModel == null || kind == null)) {
            throw new IllegalArgumentException("a custom model needs provider, upstream model and kind");
        }
    }

    /**
     * The model the organization sees: its own custom model; a catalog model with its prices; nothing
     * for an override of a model the catalog no longer has (it stays stored, and applies again should
     * the model come back).
     */
    public static Optional<PricedModel> resolve(Optional<PricedModel> catalog, Optional<ModelOverride> override) {
        if (override.isEmpty()) return catalog;
        ModelOverride o = override.get();
        if (o.custom()) return Optional.of(o.asCustom());
        return catalog.map(o::applyTo);
    }

    ModelOverride withImagePrices(List<ImagePrice> prices) {
        return new ModelOverride(
                modelId,
                custom,
                provider,
                upstreamModel,
                kind,
                inputPerMillion,
                outputPerMillion,
                maxOutputTokens,
                contextWindow,
                prices,
                perThousandChars,
                perAudioMinute);
    }

    PricedModel asCustom() {
        return new PricedModel(
                modelId,
                Objects.requireNonNull(provider),
                Objects.requireNonNull(upstreamModel),
                Objects.requireNonNull(kind),
                inputPerMillion,
                outputPerMillion,
                maxOutputTokens,
                contextWindow,
                imagePrices,
                perThousandChars,
                perAudioMinute,
                PricedModel.Origin.CUSTOM);
    }

    PricedModel applyTo(PricedModel base) {
        List<ImagePrice> images = new ArrayList<>();
        for (ImagePrice p : base.imagePrices()) {
            images.add(imagePrices.stream()
                    .filter(o -> o.size().equals(p.size()) && o.quality().equals(p.quality()))
                    .findFirst()
                    .orElse(p));
        }
        for (ImagePrice o : imagePrices) {
            if (base.imagePrice(o.size(), o.quality()).isEmpty()) images.add(o);
        }
        return new PricedModel(
                base.id(),
                base.provider(),
                base.upstreamModel(),
                base.kind(),
                or(inputPerMillion, base.inputPerMillion()),
                or(outputPerMillion, base.outputPerMillion()),
                base.maxOutputTokens(),
                base.contextWindow(),
                images,
                or(perThousandChars, base.perThousandChars()),
                or(perAudioMinute, base.perAudioMinute()),
                PricedModel.Origin.OVERRIDE);
    }

    private static @Nullable Credits or(@Nullable Credits override, @Nullable Credits base) {
        return override != null ? override : base;
    }
}
