package dev.atrium.sso.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenDecoderFactory;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.stereotype.Component;

/**
 * ID token decoders (signature from the provider's JWK set, issuer, audience, expiry) per
 * organization and provider settings: Spring's factory keeps one decoder per registration id, which
 * would outlive an owner's change of issuer or client.
 */
@Component
class IdTokenDecoders implements JwtDecoderFactory<ClientRegistration> {
    private final Map<String, JwtDecoder> decoders = new ConcurrentHashMap<>();

    @Override
    public JwtDecoder createDecoder(ClientRegistration registration) {
        String key = String.join(
                " ",
                registration.getRegistrationId(),
                registration.getProviderDetails().getIssuerUri(),
                registration.getProviderDetails().getJwkSetUri(),
                registration.getClientId());
        return decoders.computeIfAbsent(key, k -> new OidcIdTokenDecoderFactory().createDecoder(registration));
    }
}
