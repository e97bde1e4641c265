package dev.atrium.identity.web;

import dev.atrium.identity.internal.Devices;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseCookie;

/**
 * The cookie that marks a known device: set on every successful sign-in (form or token request),
 * presented with later ones so that the account's and address's delays do not apply to it.
 */
final class DeviceCookie {
    static final String NAME = "atrium_device";

    private DeviceCookie() {}

    static @Nullable String read(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) return null;
        for (Cookie c : cookies) {
            if (NAME.equals(c.getName())) return c.getValue();
        }
        return null;
    }

    static void write(HttpServletRequest request, HttpServletResponse response, String token) {
        response.addHeader(
                "Set-Cookie",
                ResponseCookie.from(NAME, token)
                        .httpOnly(true)
                        .secure(request.isSecure())
                        .sameSite("Lax")
                        .path("/")
                        .maxAge(Devices.LIFETIME)
                        .build()
                        .toString());
    }
}
