package dev.atrium.workspace;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A member's role inside one workspace. */
public enum WorkspaceRole {
    ADMIN,
    MEMBER,
    VIEWER;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static WorkspaceRole parse(String value) {
        for (WorkspaceRole role : values()) {
            if (role.wire().equals(value)) return role;
        }
        throw new IllegalArgumentException("role must be one of admin, member, viewer");
    }
}
