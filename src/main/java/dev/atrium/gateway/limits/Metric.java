package dev.atrium.gateway.limits;

import java.util.Locale;

/** What a limit counts. */
enum Metric {
    REQUESTS,
    TOKENS,
    CONCURRENT,
    /** A key's spend, in credit micros, per spend period. */
    CREDITS;

    String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
