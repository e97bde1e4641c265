package dev.atrium.organization;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** A member's role in an organization (docs/domain.md, people and roles). */
public enum OrgRole {
    OWNER,
    ADMIN,
    BILLING,
    MEMBER;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static OrgRole parse(String value) {
        for (OrgRole role : values()) {
            if (role.wire().equals(value)) return role;
        }
        throw new IllegalArgumentException("role must be one of "
                + Arrays.stream(values()).map(OrgRole::wire).collect(Collectors.joining(", ")));
    }
}
