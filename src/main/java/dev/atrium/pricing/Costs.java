package dev.atrium.pricing;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The cost arithmetic, exact: every amount is computed in micro-credits with {@link BigDecimal} from
 * the integer inputs and rounded up to the next micro-credit once, at the end (so one input token and
 * one output token at half a micro-credit each cost one micro-credit, not two). Nothing overflows
 * silently: a result beyond the range of {@link Credits} throws {@link ArithmeticException}.
 *
 * <p>Negative quantities are a programming error ({@link IllegalArgumentException}); size, quality
 * and {@code n} of an image request come from the client and are refused with a 422 naming the field.
 */
public final class Costs {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1_000);
    private static final BigDecimal SIXTY = BigDecimal.valueOf(60);
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    private Costs() {}

    /** Input and output tokens at the model's prices per 1M tokens. */
    public static Credits chat(PricedModel m, long inputTokens, long outputTokens) {
        require(m, ModelKind.CHAT);
        return chat(price(m.inputPerMillion(), m), price(m.outputPerMillion(), m), inputTokens, outputTokens);
    }

    static Credits chat(Credits inputPerMillion, Credits outputPerMillion, long inputTokens, long outputTokens) {
        nonNegative(inputTokens, "input tokens");
        nonNegative(outputTokens, "output tokens");
        BigDecimal micros = BigDecimal.valueOf(inputTokens)
                .multiply(BigDecimal.valueOf(inputPerMillion.micros()))
                .add(BigDecimal.valueOf(outputTokens).multiply(BigDecimal.valueOf(outputPerMillion.micros())));
        return up(micros.divide(MILLION, 0, RoundingMode.UP));
    }

    /** Embeddings: input tokens at the model's price per 1M input tokens. */
    public static Credits embedding(PricedModel m, long inputTokens) {
        require(m, ModelKind.EMBEDDING);
        return chat(price(m.inputPerMillion(), m), Credits.ZERO, inputTokens, 0);
    }

    /**
     * The most output tokens that {@code budget} pays for after {@code inputTokens} of input: the
     * largest {@code out} with {@code chat(m, inputTokens, out) <= budget}; 0 when the input alone
     * costs more, {@link Long#MAX_VALUE} when output is free.
     */
    public static long outputTokensWithin(PricedModel m, long inputTokens, Credits budget) {
        require(m, ModelKind.CHAT);
        nonNegative(inputTokens, "input tokens");
        long outputPerMillion = price(m.outputPerMillion(), m).micros();
        // cost = ceil((in * inPrice + out * outPrice) / 1M) <= budget  <=>  in * inPrice + out * outPrice <= budget *
        // 1M
        BigDecimal room = BigDecimal.valueOf(budget.micros())
                .multiply(MILLION)
                .subtract(BigDecimal.valueOf(inputTokens)
                        .multiply(
                                BigDecimal.valueOf(price(m.inputPerMillion(), m).micros())));
        if (room.signum() < 0) return 0;
        if (outputPerMillion == 0) return Long.MAX_VALUE;
        BigDecimal tokens = room.divide(BigDecimal.valueOf(outputPerMillion), 0, RoundingMode.DOWN);
        return tokens.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : tokens.longValueExact();
    }

    /**
     * {@code n} images of a size and quality. A null size or quality means the model's default: the
     * first size listed, and the first quality listed for that size.
     */
    public static Credits image(PricedModel m, @Nullable String size, @Nullable String quality, int n) {
        require(m, ModelKind.IMAGE);
        if (n < 1) throw ApiException.invalid("n", "n must be at least 1.");
        List<String> sizes = m.imageSizes();
        if (sizes.isEmpty()) throw new IllegalArgumentException("model " + m.id() + " has no image prices");
        String s = size == null ? sizes.getFirst() : size;
        if (!sizes.contains(s)) {
            throw ApiException.invalid(
                    "size", "Size '" + s + "' is not offered by " + m.id() + "; use one of " + sizes + ".");
        }
        List<String> qualities = m.imageQualities(s);
        String q = quality == null ? qualities.getFirst() : quality;
        Credits each = m.imagePrice(s, q)
                .orElseThrow(() -> ApiException.invalid(
                        "quality",
                        "Quality '" + q + "' is not offered by " + m.id() + " at " + s + "; use one of " + qualities
                                + "."));
        return up(BigDecimal.valueOf(each.micros()).multiply(BigDecimal.valueOf(n)));
    }

    /** Text to speech: characters at the model's price per 1,000 characters. */
    public static Credits speech(PricedModel m, long characters) {
        require(m, ModelKind.SPEECH);
        return speech(price(m.perThousandChars(), m), characters);
    }

    static Credits speech(Credits perThousandChars, long characters) {
        nonNegative(characters, "characters");
        return up(BigDecimal.valueOf(characters)
                .multiply(BigDecimal.valueOf(perThousandChars.micros()))
                .divide(THOUSAND, 0, RoundingMode.UP));
    }

    /**
     * Transcription: seconds of audio at the model's price per minute. The seconds are taken as the
     * decimal they print as ({@code 0.1} is one tenth), not as the binary fraction a double holds.
     */
    public static Credits transcription(PricedModel m, double seconds) {
        require(m, ModelKind.TRANSCRIPTION);
        return transcription(price(m.perAudioMinute(), m), seconds);
    }

    static Credits transcription(Credits perMinute, double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            throw new IllegalArgumentException("seconds must be a finite number >= 0, not " + seconds);
        }
        return up(BigDecimal.valueOf(seconds)
                .multiply(BigDecimal.valueOf(perMinute.micros()))
                .divide(SIXTY, 0, RoundingMode.UP));
    }

    /**
     * A cost with a markup of {@code percent} (e.g. {@code 20} for +20%), rounded away from zero to the
     * micro-credit, so that a refund is the exact mirror of the charge it refunds.
     */
    public static Credits withMarkup(Credits cost, BigDecimal percent) {
        if (percent.signum() < 0) throw new IllegalArgumentException("markup must not be negative");
        return up(
                BigDecimal.valueOf(cost.micros()).multiply(HUNDRED.add(percent)).divide(HUNDRED, 0, RoundingMode.UP));
    }

    private static Credits up(BigDecimal wholeMicros) {
        try {
            return Credits.ofMicros(wholeMicros.longValueExact());
        } catch (ArithmeticException e) {
            throw new ArithmeticException("cost of " + wholeMicros + " micro-credits is beyond the range of Credits");
        }
    }

    private static void require(PricedModel m, ModelKind kind) {
        if (m.kind() != kind) {
            throw new IllegalArgumentException(m.id() + " is a " + m.kind().wire() + " model, not " + kind.wire());
        }
    }

    private static Credits price(@Nullable Credits price, PricedModel m) {
        if (price == null) throw new IllegalArgumentException("model " + m.id() + " lacks a price for its kind");
        return price;
    }

    private static void nonNegative(long value, String what) {
        if (value < 0) throw new IllegalArgumentException(what + " must not be negative: " + value);
    }
}
