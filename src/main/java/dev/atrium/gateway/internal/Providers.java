package dev.atrium.gateway.internal;

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

    Providers(
            List<AiProvider> providers,
            @Value("${atrium.gateway.connect-timeout:PT5S}") Duration connectTimeout,
            @Value("${atrium.gateway.first-byte-timeout:PT60S}") Duration firstByteTimeout,
            @Value("${atrium.gateway.idle-timeout:PT60S}") Duration idleTimeout) {
        this.byId = providers.stream().collect(Collectors.toMap(AiProvider::id, Function.identity()));
        this.connectTimeout = connectTimeout;
        this.firstByteTimeout = firstByteTimeout;
        this.idleTimeout = idleTimeout;
    }

    public AiProvider get(String id) {
        AiProvider provider = byId.get(id);
        if (provider == null) {
            throw new GatewayException(
                    503, "api_error", "provider_unavailable", "The provider '" + id + "' is not available.");
        }
        return provider;
    }

    public ProviderCall call(String upstreamModel) {
        return new ProviderCall(upstreamModel, null, null, connectTimeout, firstByteTimeout, idleTimeout);
    }
}
