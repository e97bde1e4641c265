package dev.atrium.common;

import org.jspecify.annotations.Nullable;

/** {@code ?limit=} (default 20, 1..1000) and {@code ?after=<id>} of a list request. */
public record PageRequest(int limit, @Nullable String after) {
    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 1000;

    public PageRequest {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.invalid("limit", "limit must be between 1 and " + MAX_LIMIT + ".");
        }
        if (after != null && (after.isBlank() || after.length() > 100)) {
            throw ApiException.invalid("after", "after must be an id from a previous page.");
        }
    }

    public static PageRequest of(@Nullable Integer limit, @Nullable String after) {
        return new PageRequest(limit == null ? DEFAULT_LIMIT : limit, after);
    }

    /** Rows to fetch: one more than the page, to learn whether another page follows. */
    public int fetchSize() {
        return limit + 1;
    }
}
