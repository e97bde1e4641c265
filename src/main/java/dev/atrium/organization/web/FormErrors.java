package dev.atrium.organization.web;

import dev.atrium.common.ApiException;
import java.util.Map;

/** Turns a service's validation failure into a field → message map for a form. */
final class FormErrors {
    private FormErrors() {}

    static Map<String, String> of(ApiException e) {
        String field = e.field() == null ? "form" : e.field();
        return Map.of(field, e.getMessage() == null ? "Invalid value." : e.getMessage());
    }
}
