package dev.atrium.console;

import dev.atrium.common.Credits;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Credit amounts as pages show them to people: thousands separators and two decimals
 * ({@code 12,345.50}), while the exact value ({@code 12345.5}) goes in the element's title and in
 * every export. Templates call it as {@code ${@amounts.show(x)}} and {@code ${@amounts.exact(x)}}.
 */
@Component("amounts")
public class Amounts {
    private static final BigDecimal SMALLEST_SHOWN = new BigDecimal("0.005");

    /** {@code 12,345.50}; an amount that two decimals would show as zero but is not reads {@code < 0.01}. */
    public String show(@Nullable Credits credits) {
        return credits == null ? "—" : forPeople(credits);
    }

    /** {@link #show} for Java code that builds labels. */
    public static String forPeople(Credits credits) {
        BigDecimal value = BigDecimal.valueOf(credits.micros(), 6);
        if (value.signum() != 0 && value.abs().compareTo(SMALLEST_SHOWN) < 0) {
            return value.signum() > 0 ? "< 0.01" : "> -0.01";
        }
        return format().format(value.setScale(2, RoundingMode.HALF_UP));
    }

    /** The exact decimal of the API and the CSV files ({@code 12345.5}); null (no title) for none. */
    public @Nullable String exact(@Nullable Credits credits) {
        return credits == null ? null : credits.toDecimal();
    }

    private static DecimalFormat format() {
        // DecimalFormat is not thread-safe: one per call (cheap next to rendering a page).
        var format = new DecimalFormat("#,##0.00", DecimalFormatSymbols.getInstance(Locale.ROOT));
        format.setRoundingMode(RoundingMode.HALF_UP);
        return format;
    }
}
