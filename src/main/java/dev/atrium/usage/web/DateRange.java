package dev.atrium.usage.web;

import dev.atrium.common.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * The console's date-range picker: whole UTC days from {@code from} to {@code to}, both included.
 * Without dates, the current month up to today.
 */
record DateRange(LocalDate from, LocalDate to) {

    static DateRange parse(@Nullable String from, @Nullable String to, Clock clock) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate end = to == null || to.isBlank() ? today : date(to, "to");
        LocalDate start = from == null || from.isBlank() ? end.withDayOfMonth(1) : date(from, "from");
        if (start.isAfter(end)) throw ApiException.invalid("from", "The start date must not be after the end date.");
        DateRange range = new DateRange(start, end);
        if (Duration.between(range.start(), range.end()).compareTo(Params.MAX_RANGE) > 0) {
            throw ApiException.invalid("from", "The range may cover at most ten years.");
        }
        return range;
    }

    /**
     * The requested range for a page; when it is invalid, the current month, with the reason put in
     * the model as {@code rangeError} so the page can show it next to the picker.
     */
    static DateRange forPage(
            @Nullable String from, @Nullable String to, Clock clock, org.springframework.ui.Model model) {
        try {
            return parse(from, to, clock);
        } catch (ApiException e) {
            model.addAttribute("rangeError", e.getMessage());
            return thisMonth(clock);
        }
    }

    /** The default range, for a page that shows an error about the requested one. */
    static DateRange thisMonth(Clock clock) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        return new DateRange(today.withDayOfMonth(1), today);
    }

    Instant start() {
        return from.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** Exclusive: the midnight after {@code to}. */
    Instant end() {
        return to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static LocalDate date(String value, String field) {
        try {
            return LocalDate.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw ApiException.invalid(field, "Dates are written as YYYY-MM-DD.");
        }
    }
}
