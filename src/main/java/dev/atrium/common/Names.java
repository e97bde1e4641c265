package dev.atrium.common;

import org.jspecify.annotations.Nullable;

/**
 * Names and identifiers that people and clients give (workspace, organization, member and key
 * names, model ids, URLs, keys): never a NUL or another control character, which PostgreSQL text
 * cannot hold (NUL) or which would corrupt logs, CSV files and pages. Free text, such as a message
 * or a prompt, is not checked here.
 */
public final class Names {
    private Names() {}

    /** Whether {@code value} holds a C0 or C1 control character (tab, newline and NUL included). */
    public static boolean hasControl(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
        }
        return false;
    }

    /** Refuses (422 on {@code field}) a value with a control character; returns it unchanged. */
    public static String requireNoControl(String value, String field) {
        if (hasControl(value)) {
            throw ApiException.invalid(
                    field, field + " must not contain control characters (such as NUL or a newline).");
        }
        return value;
    }

    /** A required name of at most 200 characters, stripped, without control characters. */
    public static String require(@Nullable String name, String field) {
        if (name == null || name.isBlank()) throw ApiException.invalid(field, field + " is required.");
        String clean = name.strip();
        if (clean.length() > 200) throw ApiException.invalid(field, field + " must be at most 200 characters.");
        return requireNoControl(clean, field);
    }
}
