package dev.atrium.pricing.internal;

import dev.atrium.common.Credits;
import java.util.Set;
import java.util.regex.Pattern;

/** What a well-formed model id, upstream name, image size, quality and price are, for the file and the API alike. */
public final class Rules {
    /** Segments of letters, digits, {@code . _ : -} joined by single slashes: {@code demo/chat}, {@code llama3.1:8b}. */
    private static final Pattern MODEL_ID =
            Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]*(/[A-Za-z0-9][A-Za-z0-9._:-]*)*");

    private static final Pattern UPSTREAM = Pattern.compile("[\\x21-\\x7e]+");
    private static final Pattern SIZE = Pattern.compile("[1-9][0-9]{0,4}x[1-9][0-9]{0,4}");
    private static final Pattern QUALITY = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

    public static final int MAX_MODEL_ID = 128;
    public static final int MAX_UPSTREAM = 200;
    public static final int MAX_IMAGE_PRICES = 64;

    /** The most any single price may be: 1,000,000 credits (US$10,000 at the default value of a credit). */
    public static final Credits MAX_PRICE = Credits.ofMicros(1_000_000L * Credits.MICROS_PER_CREDIT);

    public static final int MAX_TOKENS = 100_000_000;
    public static final Set<String> PROVIDERS = Set.of("openai", "anthropic", "demo");

    /** The only provider an organization's own models go to: any OpenAI-compatible server. */
    public static final String CUSTOM_PROVIDER = "openai";

    private Rules() {}

    public static boolean isModelId(String id) {
        return id.length() <= MAX_MODEL_ID && MODEL_ID.matcher(id).matches();
    }

    /** Printable ASCII without spaces: {@code gpt-4o}, {@code Qwen/Qwen2.5-7B-Instruct}, {@code llama3.1:8b}. */
    public static boolean isUpstreamModel(String name) {
        return name.length() <= MAX_UPSTREAM && UPSTREAM.matcher(name).matches();
    }

    /** {@code <width>x<height>} in pixels. */
    public static boolean isImageSize(String size) {
        return SIZE.matcher(size).matches();
    }

    /** Lower case, e.g. {@code standard}, {@code hd}, {@code low}, {@code medium}, {@code high}. */
    public static boolean isImageQuality(String quality) {
        return QUALITY.matcher(quality).matches();
    }

    public static boolean isPrice(Credits price) {
        return !price.isNegative() && price.compareTo(MAX_PRICE) <= 0;
    }
}
