package dev.atrium.gateway.internal;

import dev.atrium.common.OrgId;
import dev.atrium.common.OutboundGuard;
import dev.atrium.gateway.GatewayException;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.gateway.provider.ProviderCall;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/** The providers Atrium knows, by id, and the timeouts applied to their calls. */
@Component
public class Providers {
    private final Map<String, AiProvider> byId;
    private final Duration connectTimeout;
    private final Duration firstByteTimeout;
    private final Duration idleTimeout;
    private final ProviderCredentials credentials;

    private final OutboundGuard guard;

    Providers(
            List<AiProvider> providers,
            ProviderCredentials credentials,
            OutboundGuard guard,
            @Value("${atrium.gateway.connect-timeout:PT5S}") Duration connectTimeout,
            @Value("${atrium.gateway.first-byte-timeout:PT60S}") Duration firstByteTimeout,
            @Value("${atrium.gateway.idle-timeout:PT60S}") Duration idleTimeout) {
        this.byId = providers.stream().collect(Collectors.toMap(AiProvider::id, Function.identity()));
        this.connectTimeout = connectTimeout;
        this.firstByteTimeout = firstByteTimeout;
        this.idleTimeout = idleTimeout;
        this.credentials = credentials;
        this.guard = guard;
    }

    public AiProvider get(String id) {
        AiProvider provider = byId.get(id);
        if (provider == null) {
            throw new GatewayException(
                    503, "api_error", "provider_unavailable", "The provider '" + id + "' is not available.");
        }
        return provider;
    }

    /** The providers the installation can run by itself: the built-in demo, and those given a key. */
    public java.util.Set<String> configured() {
        return byId.values().stream()
                .filter(AiProvider::configured)
                .map(AiProvider::id)
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Which of {@code wanted} can run for the organization: configured for the installation, or with
     * the organization's own credentials (read only when some provider needs them).
     */
    public java.util.Set<String> ready(OrgId org, java.util.Collection<String> wanted) {
        java.util.Set<String> ready = new java.util.HashSet<>();
        boolean needOwn = false;
        for (String id : wanted) {
            AiProvider provider = byId.get(id);
            if (provider == null) continue;
            if (provider.configured()) ready.add(id);
            else needOwn = true;
        }
        if (needOwn) {
            for (String id : credentials.configured(org))
                if (wanted.contains(id) && byId.containsKey(id)) ready.add(id);
        }
        return ready;
    }

    /** A call with the organization's own endpoint and key for the provider, when it stored them. */
    public ProviderCall call(OrgId org, String provider, String upstreamModel) {
        var own = provider.equals("demo")
                ? java.util.Optional.<ProviderCredentials.Credential>empty()
                : credentials.find(org, provider);
        String baseUrl = own.map(ProviderCredentials.Credential::baseUrl).orElse(null);
        String apiKey = own.map(ProviderCredentials.Credential::apiKey).orElse(null);
        if (baseUrl != null) {
            // Checked again at each call: the name may resolve elsewhere than when it was saved.
            try {
                guard.check(java.net.URI.create(baseUrl));
            } catch (OutboundGuard.Refused | IllegalArgumentException e) {
                throw new GatewayException(
                        502,
                        "api_error",
                        "upstream_address_refused",
                        "The organization's base_url for provider " + provider
                                + " leads to an address this server does not call.");
            }
        }
        if (baseUrl != null && apiKey == null) {
            apiKey = ""; // never send the server's own key to an endpoint an organization chose
        }
        return new ProviderCall(upstreamModel, apiKey, baseUrl, connectTimeout, firstByteTimeout, idleTimeout);
    }
}
