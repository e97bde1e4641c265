package dev.atrium.sso.web;

import dev.atrium.common.OrgId;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.sso.SignInSettings;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * An organization's sign-in settings (owners only; other organizations' answer 404): single
 * sign-on, and two-factor sign-in required of password users. Every change is audited; the client
 * secret is never returned, only {@code has_client_secret}.
 */
@RestController
class SsoController {
    private final Access access;
    private final SignInSettings settings;

    SsoController(Access access, SignInSettings settings) {
        this.access = access;
        this.settings = settings;
    }

    record SsoRequest(
            @Schema(description = "turn single sign-on on or off") @Nullable
            Boolean enabled,

            @Schema(description = "the provider's issuer URL (discovery at {issuer}/.well-known/openid-configuration)")
            @Nullable
            String issuer,

            @Nullable String clientId,

            @Schema(description = "stored sealed, never returned; omit to keep the current one") @Nullable
            String clientSecret,

            @Schema(description = "the email domains the provider signs in, e.g. [\"acme.com\"]") @Nullable
            List<String> domains,

            @Schema(description = "new people join only with an open invitation") @Nullable
            Boolean ssoRequiresInvitation,

            @Schema(description = "passwords refused for the organization's members, but the break-glass owner's")
            @Nullable
            Boolean ssoRequired,

            @Schema(description = "the owner who keeps a password; defaults to the owner turning sso_required on")
            @Nullable
            String breakGlassUserId) {}

    @GetMapping("/api/v1/organizations/{org}/sso")
    SignInSettings.Sso get(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        return settings.sso(access.to(caller, OrgId.parse(org)));
    }

    /** Changes the given fields; a field left out keeps its value. */
    @PutMapping("/api/v1/organizations/{org}/sso")
    SignInSettings.Sso put(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody SsoRequest body) {
        return settings.changeSso(
                access.to(caller, OrgId.parse(org)),
                new SignInSettings.SsoChange(
                        body.enabled(),
                        body.issuer(),
                        body.clientId(),
                        body.clientSecret(),
                        body.domains(),
                        body.ssoRequiresInvitation(),
                        body.ssoRequired(),
                        body.breakGlassUserId()));
    }

    record PolicyRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED) @Nullable
            Boolean requireTwoFactor) {}

    @GetMapping("/api/v1/organizations/{org}/sign-in-policy")
    SignInSettings.Policy policy(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        return settings.policy(access.to(caller, OrgId.parse(org)));
    }

    @PutMapping("/api/v1/organizations/{org}/sign-in-policy")
    SignInSettings.Policy putPolicy(
            @AuthenticationPrincipal Caller caller, @PathVariable String org, @RequestBody PolicyRequest body) {
        return settings.changePolicy(access.to(caller, OrgId.parse(org)), body.requireTwoFactor());
    }
}
