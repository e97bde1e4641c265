package dev.atrium.organization.web;

import dev.atrium.identity.User;
import dev.atrium.organization.Organization;
import dev.atrium.organization.SetupService;
import io.swagger.v3.oas.annotations.media.Schema;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /api/v1/setup}: the first user and organization, guarded by the setup token. */
@RestController
class SetupController {
    private final SetupService setup;

    SetupController(SetupService setup) {
        this.setup = setup;
    }

    record SetupRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String email,

            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            String password,

            @Nullable String name,
            @Nullable String organizationName) {}

    record SetupResponse(User user, Organization organization, String token) {}

    @PostMapping("/api/v1/setup")
    @ResponseStatus(HttpStatus.CREATED)
    SetupResponse setup(
            @RequestHeader(name = "X-Setup-Token", required = false) @Nullable String token,
            @RequestBody SetupRequest body)
            throws IOException {
        var result =
                setup.setup(token, nz(body.email()), nz(body.password()), nz(body.name()), nz(body.organizationName()));
        return new SetupResponse(
                result.user(), result.organization(), result.token().secret());
    }

    private static String nz(@Nullable String s) {
        return s == null ? "" : s;
    }
}
