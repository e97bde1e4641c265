package dev.atrium.pricing;

import static dev.atrium.pricing.Models.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import dev.atrium.common.Credits;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The cost arithmetic, without Spring: exact, rounded up once to the micro-credit, never overflowing silently. */
class CostsTest {

    @Test
    void chatCostIsTokensTimesPricePerMillion() {
        PricedModel mini = Models.chat("15", "60"); // gpt-4o-mini: $0.15 / $0.60 per 1M
        assertThat(Costs.chat(mini, 1_000_000, 0)).isEqualTo(Credits.parse("15"));
        assertThat(Costs.chat(mini, 0, 1_000_000)).isEqualTo(Credits.parse("60"));
        assertThat(Costs.chat(mini, 1_234, 567)).isEqualTo(Credits.parse("0.05253")); // 18510 + 34020 µcr
        assertThat(Costs.chat(mini, 0, 0)).isEqualTo(Credits.ZERO);
    }

    @Test
    void chatCostRoundsUpToTheMicroCreditOnceForTheWholeRequest() {
        PricedModel m = Models.chat("2.5", "0.5");
        // one input token: 2.5 µcr -> 3 µcr
        assertThat(Costs.chat(m, 1, 0).micros()).isEqualTo(3);
        // one output token: 0.5 µcr -> 1 µcr; and 1 + 1 tokens: 3.0 µcr exactly, not 3 + 1
        assertThat(Costs.chat(m, 0, 1).micros()).isEqualTo(1);
        assertThat(Costs.chat(m, 1, 1).micros()).isEqualTo(3);
        // the smallest price: 1 µcr per 1M tokens; one token still costs 1 µcr, never 0
        PricedModel cheapest = Models.chat("0.000001", "0.000001");
        assertThat(Costs.chat(cheapest, 1, 0).micros()).isEqualTo(1);
        assertThat(Costs.chat(cheapest, 1_000_000, 0).micros()).isEqualTo(1);
        assertThat(Costs.chat(cheapest, 1_000_001, 0).micros()).isEqualTo(2);
    }

    @Test
    void hugeTokenCountsAreExactWithoutOverflow() {
        PricedModel opus = Models.chat("1500", "7500");
        // 10^12 tokens each way: 1.5e9 + 7.5e9 credits, exactly
        assertThat(Costs.chat(opus, 1_000_000_000_000L, 1_000_000_000_000L)).isEqualTo(Credits.parse("9000000000"));
        // Long.MAX_VALUE tokens at 1 µcr per 1M: the intermediate product exceeds a long, the result does not
        PricedModel cheapest = Models.chat("0.000001", "0");
        assertThat(Costs.chat(cheapest, Long.MAX_VALUE, Long.MAX_VALUE).micros())
                .isEqualTo(Long.MAX_VALUE / 1_000_000 + 1);
        // a result beyond the range of Credits throws instead of wrapping around
        assertThatThrownBy(() -> Costs.chat(opus, Long.MAX_VALUE, 0))
                .isInstanceOf(ArithmeticException.class)
                .hasMessageContaining("beyond the range");
    }

    @Test
    void outputTokensWithinABudgetAreTheMostItPaysForWithRoundingUp() {
        PricedModel demo = Models.chat("100", "400"); // 100 µcr per input token, 400 per output token
        // 0.498 credits after a 9-token prompt: (498,000 - 900) / 400 = 1,242.75 -> 1,242
        assertThat(Costs.outputTokensWithin(demo, 9, Credits.parse("0.498"))).isEqualTo(1242);
        assertThat(Costs.chat(demo, 9, 1242).micros()).isLessThanOrEqualTo(498_000);
        assertThat(Costs.chat(demo, 9, 1243).micros()).isGreaterThan(498_000);
        // the prompt alone costs more: nothing
        assertThat(Costs.outputTokensWithin(demo, 10_000, Credits.parse("0.5"))).isZero();
        // fractional prices: the rounded-up cost of the answer stays within the budget, one more does not
        PricedModel m = Models.chat("2.5", "0.5");
        for (long budget : new long[] {8, 9, 10, 1_000, 123_457}) {
            long out = Costs.outputTokensWithin(m, 3, Credits.ofMicros(budget));
            assertThat(Costs.chat(m, 3, out).micros()).isLessThanOrEqualTo(budget);
            assertThat(Costs.chat(m, 3, out + 1).micros()).isGreaterThan(budget);
        }
        // free output: no limit from credits
        assertThat(Costs.outputTokensWithin(Models.chat("1", "0"), 1, Credits.parse("1")))
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void negativeQuantitiesAndTheWrongKindAreProgrammingErrors() {
        PricedModel m = Models.chat("1", "1");
        assertThatThrownBy(() -> Costs.chat(m, -1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Costs.chat(m, 0, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Costs.speech(m, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Costs.speech(Models.speech("1.5"), -1)).isInstanceOf(IllegalArgumentException.class);
        PricedModel t = Models.transcription("0.6");
        assertThatThrownBy(() -> Costs.transcription(t, -0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Costs.transcription(t, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Costs.transcription(t, Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void imageCostIsThePriceOfTheSizeAndQualityTimesN() {
        PricedModel dalle = Models.image(
                price("1024x1024", "standard", "4"),
                price("1024x1024", "hd", "8"),
                price("1792x1024", "standard", "8"),
                price("1792x1024", "hd", "12"));
        assertThat(Costs.image(dalle, "1024x1024", "standard", 1)).isEqualTo(Credits.parse("4"));
        assertThat(Costs.image(dalle, "1792x1024", "hd", 3)).isEqualTo(Credits.parse("36"));
        // defaults: the first size listed and the first quality listed for the size
        assertThat(Costs.image(dalle, null, null, 2)).isEqualTo(Credits.parse("8"));
        assertThat(Costs.image(dalle, "1792x1024", null, 1)).isEqualTo(Credits.parse("8"));
        assertThat(Costs.image(dalle, null, "hd", 1)).isEqualTo(Credits.parse("8"));
        PricedModel tiny = Models.image(price("256x256", "standard", "0.000001"));
        assertThat(Costs.image(tiny, "256x256", "standard", Integer.MAX_VALUE).micros())
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void anUnknownSizeQualityOrCountIsA422NamingTheField() {
        PricedModel dalle = Models.image(price("1024x1024", "standard", "4"), price("1024x1024", "hd", "8"));
        assertInvalid(() -> Costs.image(dalle, "512x512", "standard", 1), "size");
        assertInvalid(() -> Costs.image(dalle, "1024x1024", "ultra", 1), "quality");
        assertInvalid(() -> Costs.image(dalle, "1024x1024", "standard", 0), "n");
        assertInvalid(() -> Costs.image(dalle, "1024x1024", "standard", -2), "n");
    }

    @Test
    void embeddingCostIsInputTokensTimesPricePerMillionRoundedUp() {
        PricedModel small = Models.embedding("2"); // text-embedding-3-small: $0.02 per 1M tokens
        assertThat(Costs.embedding(small, 1_000_000)).isEqualTo(Credits.parse("2"));
        assertThat(Costs.embedding(small, 11).micros()).isEqualTo(22);
        assertThat(Costs.embedding(small, 0)).isEqualTo(Credits.ZERO);
        PricedModel cheap = Models.embedding("0.3"); // 0.3 µcr per token
        assertThat(Costs.embedding(cheap, 1).micros()).isEqualTo(1);
        assertThat(Costs.embedding(cheap, 10).micros()).isEqualTo(3);
        assertThat(Costs.embedding(cheap, 11).micros()).isEqualTo(4); // 3.3 -> 4
        assertThatThrownBy(() -> Costs.embedding(small, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Costs.embedding(Models.chat("1", "1"), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not embedding");
        assertThatThrownBy(() -> Costs.chat(small, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not chat");
    }

    @Test
    void speechCostIsPerThousandCharactersRoundedUp() {
        PricedModel tts = Models.speech("1.5"); // tts-1: $15 per 1M characters
        assertThat(Costs.speech(tts, 1_000)).isEqualTo(Credits.parse("1.5"));
        assertThat(Costs.speech(tts, 1)).isEqualTo(Credits.parse("0.0015"));
        assertThat(Costs.speech(tts, 0)).isEqualTo(Credits.ZERO);
        PricedModel odd = Models.speech("0.001"); // 1,000 µcr per 1,000 characters
        assertThat(Costs.speech(odd, 1).micros()).isEqualTo(1);
        PricedModel oddest = Models.speech("0.000007"); // 7 µcr per 1,000 characters
        assertThat(Costs.speech(oddest, 1).micros()).isEqualTo(1);
        assertThat(Costs.speech(oddest, 143).micros()).isEqualTo(2); // 1.001 -> 2
        assertThat(Costs.speech(oddest, 1_000_000_000_000L).micros()).isEqualTo(7_000_000_000L);
    }

    @Test
    void transcriptionCostIsPerMinuteOfTheDecimalSecondsRoundedUp() {
        PricedModel whisper = Models.transcription("0.6"); // $0.006 per minute
        assertThat(Costs.transcription(whisper, 60)).isEqualTo(Credits.parse("0.6"));
        assertThat(Costs.transcription(whisper, 1)).isEqualTo(Credits.parse("0.01"));
        assertThat(Costs.transcription(whisper, 0.1)).isEqualTo(Credits.parse("0.001")); // not 0.0010000000000000000555
        assertThat(Costs.transcription(whisper, 0)).isEqualTo(Credits.ZERO);
        assertThat(Costs.transcription(whisper, 90.5)).isEqualTo(Credits.parse("0.905"));
        PricedModel odd = Models.transcription("0.000001"); // 1 µcr per minute
        assertThat(Costs.transcription(odd, 0.001).micros()).isEqualTo(1);
        assertThat(Costs.transcription(odd, 60.000001).micros()).isEqualTo(2);
        assertThat(Costs.transcription(whisper, 1e12)).isEqualTo(Credits.parse("10000000000"));
    }

    @Test
    void markupIsAPercentRoundedAwayFromZero() {
        assertThat(Costs.withMarkup(Credits.parse("100"), BigDecimal.valueOf(20)))
                .isEqualTo(Credits.parse("120"));
        assertThat(Costs.withMarkup(Credits.parse("100"), BigDecimal.ZERO)).isEqualTo(Credits.parse("100"));
        assertThat(Costs.withMarkup(Credits.parse("100"), BigDecimal.valueOf(1000)))
                .isEqualTo(Credits.parse("1100"));
        assertThat(Costs.withMarkup(Credits.ofMicros(1), new BigDecimal("20"))).isEqualTo(Credits.ofMicros(2));
        assertThat(Costs.withMarkup(Credits.ofMicros(3), new BigDecimal("12.5")))
                .isEqualTo(Credits.ofMicros(4));
        assertThat(Costs.withMarkup(Credits.ofMicros(8), new BigDecimal("12.5")))
                .isEqualTo(Credits.ofMicros(9));
        assertThat(Costs.withMarkup(Credits.ofMicros(-3), new BigDecimal("12.5")))
                .isEqualTo(Credits.ofMicros(-4));
        assertThat(Costs.withMarkup(Credits.ZERO, BigDecimal.valueOf(500))).isEqualTo(Credits.ZERO);
        assertThatThrownBy(() -> Costs.withMarkup(Credits.ofMicros(Long.MAX_VALUE), BigDecimal.ONE))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Costs.withMarkup(Credits.ofMicros(1), BigDecimal.valueOf(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void markupPercentIsADecimalFrom0To1000WithAtMost4Places() {
        assertThat(PricingAdmin.parseMarkup("20")).isEqualByComparingTo("20");
        assertThat(PricingAdmin.parseMarkup(" 12.50 ").toPlainString()).isEqualTo("12.5");
        assertThat(PricingAdmin.parseMarkup("1000").toPlainString()).isEqualTo("1000");
        assertThat(PricingAdmin.parseMarkup("0.0001").toPlainString()).isEqualTo("0.0001");
        assertThat(PricingAdmin.parseMarkup("0").toPlainString()).isEqualTo("0");
        assertThat(PricingAdmin.parseMarkup("2E+1").toPlainString()).isEqualTo("20");
        for (String bad :
                new String[] {"", " ", "-1", "1000.0001", "abc", "0.00001", "1E+999999999", "1E-999999999", "NaN", "20%"
                }) {
            assertInvalid(() -> PricingAdmin.parseMarkup(bad), "markup_percent");
        }
        assertInvalid(() -> PricingAdmin.parseMarkup(null), "markup_percent");
    }

    private static void assertInvalid(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status().value()).isEqualTo(422);
            assertThat(e.field()).isEqualTo(field);
        });
    }
}
