package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import org.junit.jupiter.api.Test;

class AmountsTest {
    private final Amounts amounts = new Amounts();

    @Test
    void showsThousandsSeparatorsAndTwoDecimalsAndKeepsTheExactValueApart() {
        assertThat(amounts.show(Credits.parse("12345.5"))).isEqualTo("12,345.50");
        assertThat(amounts.exact(Credits.parse("12345.5"))).isEqualTo("12345.5");
        assertThat(amounts.show(Credits.parse("1234567.891234"))).isEqualTo("1,234,567.89");
        assertThat(amounts.show(Credits.parse("0.125"))).isEqualTo("0.13");
        assertThat(amounts.show(Credits.ZERO)).isEqualTo("0.00");
        assertThat(amounts.show(Credits.parse("-2500"))).isEqualTo("-2,500.00");
    }

    @Test
    void aTinyAmountIsNotShownAsZeroAndNoAmountIsADash() {
        assertThat(amounts.show(Credits.parse("0.000123"))).isEqualTo("< 0.01");
        assertThat(amounts.exact(Credits.parse("0.000123"))).isEqualTo("0.000123");
        assertThat(amounts.show(null)).isEqualTo("—");
        assertThat(amounts.exact(null)).isNull();
    }
}
