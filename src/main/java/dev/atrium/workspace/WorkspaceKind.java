package dev.atrium.workspace;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a workspace is for (docs/domain.md lists each kind's use). */
public enum WorkspaceKind {
    CLIENT,
    DEPARTMENT,
    CAMPAIGN,
    PRODUCT_LINE,
    RESEARCH,
    ENGAGEMENT,
    EXPERIMENT,
    OTHER;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static WorkspaceKind parse(String value) {
        for (WorkspaceKind kind : values()) {
            if (kind.wire().equals(value)) return kind;
        }
        throw new IllegalArgumentException("kind must be one of "
                + Arrays.stream(values()).map(WorkspaceKind::wire).collect(Collectors.joining(", ")));
    }
}
