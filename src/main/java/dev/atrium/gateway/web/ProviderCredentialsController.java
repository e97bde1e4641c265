package dev.atrium.gateway.web;

import dev.atrium.audit.AuditLog;
import dev.atrium.common.ApiException;
import dev.atrium.common.Names;
import dev.atrium.common.OrgId;
import dev.atrium.common.OutboundGuard;
import dev.atrium.gateway.internal.ProviderCredentials;
import dev.atrium.identity.Caller;
import dev.atrium.organization.Access;
import dev.atrium.organization.OrgAccess;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * An organization's own provider credentials ({@code openai}, {@code anthropic}): an endpoint and
 * a key, stored encrypted, shown afterwards only as a hint. Owners and admins.
 */
@RestController
class ProviderCredentialsController {
    private static final Set<String> PROVIDERS = Set.of("openai", "anthropic");
    private final Access access;
    private final ProviderCredentials credentials;
    private final AuditLog audit;
    private final OutboundGuard guard;

    ProviderCredentialsController(Access access, ProviderCredentials credentials, AuditLog audit, OutboundGuard guard) {
        this.guard = guard;
        this.access = access;
        this.credentials = credentials;
        this.audit = audit;
    }

    record CredentialBody(
            @Nullable String baseUrl, @Nullable String apiKey) {}

    @GetMapping("/api/v1/organizations/{org}/providers")
    Map<String, List<ProviderCredentials.View>> list(@AuthenticationPrincipal Caller caller, @PathVariable String org) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        return Map.of("data", credentials.list(a.org()));
    }

    @PutMapping("/api/v1/organizations/{org}/providers/{provider}")
    @Transactional
    ProviderCredentials.View put(
            @AuthenticationPrincipal Caller caller,
            @PathVariable String org,
            @PathVariable String provider,
            @RequestBody CredentialBody body) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        if (!PROVIDERS.contains(provider)) throw ApiException.notFound("provider");
        String url = body.baseUrl() == null || body.baseUrl().isBlank()
                ? null
                : body.baseUrl().strip();
        if (url != null) {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("base_url", "base_url must be an http or https URL.");
            }
            if (uri.getHost() == null
                    || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    || url.length() > 2000) {
                throw ApiException.invalid("base_url", "base_url must be an http or https URL.");
            }
            guard.requirePublic("base_url", uri);
        }
        String key = body.apiKey() == null || body.apiKey().isBlank()
                ? null
                : body.apiKey().strip();
        if (key != null && key.length() > 1000) throw ApiException.invalid("api_key", "api_key is too long.");
        if (key != null) Names.requireNoControl(key, "api_key");
        if (url != null) Names.requireNoControl(url, "base_url");
        if (url == null && key == null) throw ApiException.invalid("api_key", "Give an api_key, a base_url or both.");
        var view = credentials.put(a.org(), provider, url, key);
        audit.record(
                a.org(),
                caller,
                "provider_credentials.updated",
                "provider",
                provider,
                null,
                Map.of("base_url", url == null ? "" : url, "key_hint", view.keyHint() == null ? "" : view.keyHint()));
        return view;
    }

    @DeleteMapping("/api/v1/organizations/{org}/providers/{provider}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    void delete(@AuthenticationPrincipal Caller caller, @PathVariable String org, @PathVariable String provider) {
        OrgAccess a = access.to(caller, OrgId.parse(org)).requireAdmin();
        if (!PROVIDERS.contains(provider) || !credentials.delete(a.org(), provider))
            throw ApiException.notFound("provider");
        audit.record(a.org(), caller, "provider_credentials.deleted", "provider", provider, null, null);
    }
}
