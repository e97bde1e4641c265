package dev.atrium.ledger;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/** A calendar period in UTC: days start at midnight, weeks on Monday, months on the 1st. */
public enum Period {
    DAY,
    WEEK,
    MONTH;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Period parse(String value) {
        for (Period p : values()) {
            if (p.wire().equals(value)) return p;
        }
        throw new IllegalArgumentException("period must be one of day, week, month");
    }

    /** The start of the period containing {@code at}. */
    public Instant start(Instant at) {
        ZonedDateTime day = at.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS);
        return switch (this) {
            case DAY -> day.toInstant();
            case WEEK ->
                day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).toInstant();
            case MONTH -> day.withDayOfMonth(1).toInstant();
        };
    }

    /** The start of the period after the one containing {@code at}. */
    public Instant next(Instant at) {
        ZonedDateTime start = start(at).atZone(ZoneOffset.UTC);
        return switch (this) {
            case DAY -> start.plusDays(1).toInstant();
            case WEEK -> start.plusWeeks(1).toInstant();
            case MONTH -> start.plusMonths(1).toInstant();
        };
    }
}
