package dev.atrium.organization;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.atrium.common.ApiException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where an invitation stands: {@code pending} (its link works), {@code expired} (not accepted in
 * time; sending it again gives a new link), {@code accepted} or {@code revoked} (final).
 */
public enum InvitationStatus {
    PENDING,
    EXPIRED,
    ACCEPTED,
    REVOKED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code ?status=}; {@code all} is null (every status). */
    public static InvitationStatus parseFilter(String value, String field) {
        for (InvitationStatus s : values()) {
            if (s.wire().equals(value)) return s;
        }
        throw ApiException.invalid(
                field,
                field + " must be one of "
                        + Arrays.stream(values()).map(InvitationStatus::wire).collect(Collectors.joining(", "))
                        + ", all.");
    }
}
