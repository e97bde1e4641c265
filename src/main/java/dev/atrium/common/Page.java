package dev.atrium.common;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** One page of a list: {@code {"data": [...], "has_more": bool, "next": "<id>|null"}}. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Page<T>(
        List<T> data, boolean hasMore, @Nullable String next) {

    /**
     * Builds a page from rows fetched with {@code limit + 1}: the extra row only signals that more
     * exist.
     */
    public static <T> Page<T> of(List<T> rows, PageRequest request, Function<T, String> cursor) {
        boolean more = rows.size() > request.limit();
        List<T> data = more ? List.copyOf(rows.subList(0, request.limit())) : List.copyOf(rows);
        String next = more ? cursor.apply(data.getLast()) : null;
        return new Page<>(data, more, next);
    }

    public <R> Page<R> map(Function<T, R> mapper) {
        return new Page<>(data.stream().map(mapper).toList(), hasMore, next);
    }
}
