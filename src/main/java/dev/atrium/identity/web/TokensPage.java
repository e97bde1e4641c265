package dev.atrium.identity.web;

import dev.atrium.common.ApiException;
import dev.atrium.common.KeyId;
import dev.atrium.common.UserId;
import dev.atrium.console.ConsoleController;
import dev.atrium.console.Flash;
import dev.atrium.console.Forms;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.IssuedToken;
import dev.atrium.identity.KeyInfo;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The signed-in person's personal access tokens, for the API and the gateway: create one (its
 * secret shown once), list them without secrets (last use, expiry, state), revoke one at once. The
 * same operations as {@code /api/v1/auth/tokens}, through the same identity facade.
 */
@ConsoleController
class TokensPage {
    private final Identity identity;
    private final Clock clock;

    TokensPage(Identity identity, Clock clock) {
        this.identity = identity;
        this.clock = clock;
    }

    /** The new-token form as typed; {@code expires} is a date (the token ends at its start, UTC), or empty. */
    record TokenForm(@Nullable String name, @Nullable String expires) implements java.io.Serializable {}

    /** A new token's secret, shown on the next page view only. */
    record NewToken(String name, String secret) implements java.io.Serializable {}

    /** A token as listed, with its state in words. */
    record Row(KeyInfo token, String status) {}

    @GetMapping("/account/tokens")
    String page(@AuthenticationPrincipal Caller caller, Model model) {
        UserId user = person(caller);
        Instant now = clock.instant();
        model.addAttribute(
                "tokens",
                identity.personalTokens(user).stream()
                        .map(k -> new Row(k, status(k, now)))
                        .toList());
        Forms.prepare(model, new TokenForm("", ""));
        model.addAttribute("navSection", "tokens");
        return "identity/tokens";
    }

    @PostMapping("/account/tokens")
    String create(@AuthenticationPrincipal Caller caller, @ModelAttribute TokenForm form, RedirectAttributes redirect) {
        UserId user = person(caller);
        String name = form.name() == null ? "" : form.name().strip();
        try {
            IssuedToken token = identity.issuePersonalToken(user, name, expiry(form));
            redirect.addFlashAttribute("newToken", new NewToken(name, token.secret()));
            Flash.success(redirect, "Token “" + name + "” created. Copy it now: it is not shown again.");
        } catch (ApiException e) {
            if (e.status() == HttpStatus.NOT_FOUND) throw e;
            Forms.reject(redirect, form, e);
        }
        return "redirect:/account/tokens";
    }

    @PostMapping("/account/tokens/{id}/revoke")
    String revoke(@AuthenticationPrincipal Caller caller, @PathVariable String id, RedirectAttributes redirect) {
        UserId user = person(caller);
        KeyId key = KeyId.parse(id);
        String name = identity.personalTokens(user).stream()
                .filter(k -> k.id().equals(key))
                .map(KeyInfo::name)
                .findFirst()
                .orElseThrow(() -> ApiException.notFound("token"));
        identity.revokePersonalToken(user, key);
        Flash.success(redirect, "Token “" + name + "” revoked. It no longer works.");
        return "redirect:/account/tokens";
    }

    private @Nullable Instant expiry(TokenForm form) {
        if (form.expires() == null || form.expires().isBlank()) return null;
        Instant at;
        try {
            at = LocalDate.parse(form.expires().strip())
                    .atStartOfDay(ZoneOffset.UTC)
                    .toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.invalid("expires", "Enter a date, or leave it empty for a token without expiry.");
        }
        if (!at.isAfter(clock.instant())) throw ApiException.invalid("expires", "Choose a date after today.");
        return at;
    }

    private static String status(KeyInfo k, Instant now) {
        if (k.revokedAt() != null) return "revoked";
        if (k.expiresAt() != null && !k.expiresAt().isAfter(now)) return "expired";
        return "active";
    }

    private static UserId person(Caller caller) {
        if (caller instanceof Caller.User user) return user.user();
        throw ApiException.forbidden("Personal tokens belong to a signed-in person.");
    }
}
