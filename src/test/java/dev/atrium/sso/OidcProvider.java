package dev.atrium.sso;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.oidc.OidcScopes;
import org.springframework.security.oauth2.core.oidc.endpoint.OidcParameterNames;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * A real OIDC provider for the tests: Spring Authorization Server in a small Spring context of its
 * own (embedded Tomcat on 127.0.0.1, a random port, none of Atrium's configuration), with a sign-in
 * form, clients registered by the test (authorization code, client_secret_basic, PKCE accepted) and
 * people whose ID tokens carry {@code email} and {@code email_verified} as the test says.
 */
final class OidcProvider implements AutoCloseable {
    private final ConfigurableApplicationContext context;
    private final State state;

    /** What a test changes while the provider runs. */
    static final class State {
        final InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
        final Map<String, RegisteredClient> clients = new ConcurrentHashMap<>();
        final Map<String, Map<String, Object>> claims = new ConcurrentHashMap<>();
    }

    private OidcProvider(ConfigurableApplicationContext context) {
        this.context = context;
        this.state = context.getBean(State.class);
    }

    static OidcProvider start() {
        var context = new SpringApplicationBuilder(ProviderApp.class)
                .web(WebApplicationType.SERVLET)
                .logStartupInfo(false)
                .registerShutdownHook(false)
                .properties(
                        "spring.config.location=optional:classpath:/no-such-folder/",
                        "spring.main.banner-mode=off",
                        "server.port=0",
                        "server.address=127.0.0.1",
                        "spring.threads.virtual.enabled=true")
                .run();
        return new OidcProvider(context);
    }

    int port() {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** The issuer: 127.0.0.1, not localhost, so that its cookies are not the console's. */
    String issuer() {
        return "http://127.0.0.1:" + port();
    }

    /** Registers a confidential client that may send people back to {@code redirectUri}. */
    void client(String clientId, String secret, String redirectUri) {
        state.clients.put(
                clientId,
                RegisteredClient.withId(UUID.randomUUID().toString())
                        .clientId(clientId)
                        .clientSecret("{noop}" + secret)
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_POST)
                        .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                        .redirectUri(redirectUri)
                        .scope(OidcScopes.OPENID)
                        .scope(OidcScopes.EMAIL)
                        .scope(OidcScopes.PROFILE)
                        .clientSettings(ClientSettings.builder()
                                .requireAuthorizationConsent(false)
                                .build())
                        .build());
    }

    /** A person who signs in at the provider with {@code username} and {@code password}. */
    void person(String username, String password, @Nullable String email, boolean verified, String name) {
        if (state.users.userExists(username)) state.users.deleteUser(username);
        state.users.createUser(User.withUsername(username)
                .password("{noop}" + password)
                .roles("USER")
                .build());
        var claims = new ConcurrentHashMap<String, Object>();
        if (email != null) claims.put("email", email);
        claims.put("email_verified", verified);
        claims.put("name", name);
        state.claims.put(username, claims);
    }

    @Override
    public void close() {
        context.close();
    }

    // Not a @Configuration: Atrium's own component scan would find it in the tests' classes.
    @EnableWebSecurity
    @ImportAutoConfiguration({
        org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration.class,
        org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration.class,
        org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration.class,
        org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration.class,
        org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration.class,
        org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration.class
    })
    static class ProviderApp {
        @Bean
        State state() {
            return new State();
        }

        @Bean
        SecurityFilterChain provider(HttpSecurity http) throws Exception {
            http.oauth2AuthorizationServer(as -> as.oidc(Customizer.withDefaults()))
                    .authorizeHttpRequests(a -> a.anyRequest().authenticated())
                    .formLogin(Customizer.withDefaults());
            return http.build();
        }

        @Bean
        InMemoryUserDetailsManager users(State state) {
            return state.users;
        }

        @Bean
        RegisteredClientRepository clients(State state) {
            return new RegisteredClientRepository() {
                @Override
                public void save(RegisteredClient client) {
                    state.clients.put(client.getClientId(), client);
                }

                @Override
                public @Nullable RegisteredClient findById(String id) {
                    return state.clients.values().stream()
                            .filter(c -> c.getId().equals(id))
                            .findFirst()
                            .orElse(null);
                }

                @Override
                public @Nullable RegisteredClient findByClientId(String clientId) {
                    return state.clients.get(clientId);
                }
            };
        }

        @Bean
        JWKSource<SecurityContext> keys() throws Exception {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            var pair = generator.generateKeyPair();
            RSAKey key = new RSAKey.Builder((RSAPublicKey) pair.getPublic())
                    .privateKey((RSAPrivateKey) pair.getPrivate())
                    .keyID(UUID.randomUUID().toString())
                    .build();
            return new ImmutableJWKSet<>(new JWKSet(key));
        }

        /** For the user-info endpoint's bearer tokens (not called by Atrium, which reads the ID token). */
        @Bean
        org.springframework.security.oauth2.jwt.JwtDecoder jwtDecoder(JWKSource<SecurityContext> keys) {
            return org.springframework.security.config.annotation.web.configuration
                    .OAuth2AuthorizationServerConfiguration.jwtDecoder(keys);
        }

        @Bean
        AuthorizationServerSettings settings() {
            return AuthorizationServerSettings.builder().build();
        }

        /** The person's email, whether it is verified, and their name, in the ID token. */
        @Bean
        OAuth2TokenCustomizer<JwtEncodingContext> idTokenClaims(State state) {
            return context -> {
                if (OidcParameterNames.ID_TOKEN.equals(context.getTokenType().getValue())) {
                    var claims = state.claims.get(context.getPrincipal().getName());
                    if (claims != null) context.getClaims().claims(c -> c.putAll(claims));
                }
            };
        }
    }
}
