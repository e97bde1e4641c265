package dev.atrium.pricing;

import dev.atrium.common.Credits;
import java.util.Objects;

/** The price of one generated image of a size (e.g. {@code 1024x1024}) and quality (e.g. {@code hd}). */
public record ImagePrice(String size, String quality, Credits price) {
    public ImagePrice {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(quality, "quality");
        if (price.isNegative()) throw new IllegalArgumentException("image price must not be negative");
    }

    boolean matches(String size, String quality) {
        return this.size.equals(size) && this.quality.equals(quality);
    }
}
