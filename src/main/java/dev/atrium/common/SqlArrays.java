package dev.atrium.common;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** PostgreSQL array literals of text values, for {@code CAST(:param AS text[])}. */
public final class SqlArrays {
    private SqlArrays() {}

    /** A PostgreSQL array literal; elements are quoted and escaped; null stays null. */
    public static @Nullable String literal(@Nullable List<String> values) {
        if (values == null) return null;
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) sb.append(',');
            sb.append('"')
                    .append(values.get(i).replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return sb.append('}').toString();
    }
}
