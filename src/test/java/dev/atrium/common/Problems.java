package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import java.util.ArrayList;
import java.util.List;

/** Assertions on RFC 9457 problem responses: status, media type, stable {@code code}, named fields. */
public final class Problems {
    private Problems() {}

    /** The response is problem+json with this status and {@code code}. */
    public static void assertProblem(Api.Response r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.header("Content-Type")).as(r.toString()).startsWith("application/problem+json");
        assertThat(r.text("code")).as(r.toString()).isEqualTo(code);
        assertThat(r.json().path("status").asInt()).as(r.toString()).isEqualTo(status);
        assertThat(r.text("type")).as(r.toString()).isNotBlank();
        assertThat(r.text("title")).as(r.toString()).isNotBlank();
    }

    /** A 422 {@code validation_failed} that names {@code field} among its errors. */
    public static void assertInvalid(Api.Response r, String field) {
        assertProblem(r, 422, "validation_failed");
        assertThat(fields(r)).as(r.toString()).contains(field);
    }

    /** The field names listed in the problem's {@code errors}. */
    public static List<String> fields(Api.Response r) {
        List<String> names = new ArrayList<>();
        for (var e : r.json().path("errors")) names.add(e.path("field").asString());
        return names;
    }
}
