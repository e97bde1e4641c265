package dev.atrium.identity.web;

import dev.atrium.common.KeyId;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.SsoPerson;
import dev.atrium.identity.TwoFactor;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.endpoint.RestClientAuthorizationCodeTokenResponseClient;
import org.springframework.security.oauth2.client.oidc.authentication.OidcAuthorizationCodeAuthenticationProvider;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserRequest;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.userinfo.OAuth2UserService;
import org.springframework.security.oauth2.client.web.DefaultOAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestCustomizers;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestResolver;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.endpoint.OAuth2AuthorizationRequest;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.util.matcher.RequestHeaderRequestMatcher;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The console's security: a session established by the sign-in form (through {@link
 * Identity#authenticate}, so the same rate limits apply), CSRF tokens on every form and htmx
 * request, and a strict content security policy. The session cookie is HttpOnly and SameSite=Lax
 * (application.properties); the servlet container marks it Secure whenever the request arrived over
 * HTTPS (directly, or through a proxy when {@code server.forward-headers-strategy} is set).
 *
 * <p>Single sign-on (OIDC, authorization code with PKCE and nonce) runs in this chain too, with the
 * organizations' client registrations and the user service of {@code dev.atrium.sso}: its success
 * ends in the same {@link Caller.User} principal and session as a password sign-in. The session
 * remembers how it was signed in ({@link #METHOD}): a password session of a person whose
 * organization requires two-factor sign-in reaches only /account/2fa until they enrol; an SSO
 * session is exempt (the identity provider stands for the second factor).
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurityConfiguration {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ConsoleSecurityConfiguration.class);
    static final String SIGN_IN = "/sign-in";
    /** The session attribute saying how the session was signed in: {@code password} or {@code sso}. */
    static final String METHOD = "atrium.sign-in.method";
    /** Where the page of a refused single sign-on is. */
    static final String SSO_REFUSED = "/sso/refused";

    @Bean
    @Order(2)
    SecurityFilterChain consoleSecurity(
            HttpSecurity http,
            Identity identity,
            TwoFactor twoFactor,
            ClientAddress addresses,
            Clock clock,
            ObjectProvider<ClientRegistrationRepository> registrations,
            ObjectProvider<OAuth2UserService<OidcUserRequest, OidcUser>> oidcUsers,
            ObjectProvider<JwtDecoderFactory<ClientRegistration>> idTokenDecoders)
            throws Exception {
        ClientRegistrationRepository repository = registrations.getIfAvailable();
        OAuth2UserService<OidcUserRequest, OidcUser> users = oidcUsers.getIfAvailable();
        boolean sso = repository != null && users != null;
        List<AuthenticationProvider> providers = new ArrayList<>();
        providers.add(new ConsoleAuthentication(identity, twoFactor, clock));
        if (sso) {
            // The provider's answer: the code exchanged for tokens (with the PKCE verifier), the ID
            // token checked (signature, issuer, audience, expiry, nonce), then the person decided.
            var oidc = new OidcAuthorizationCodeAuthenticationProvider(
                    new RestClientAuthorizationCodeTokenResponseClient(), users);
            JwtDecoderFactory<ClientRegistration> decoders = idTokenDecoders.getIfAvailable();
            if (decoders != null) oidc.setJwtDecoderFactory(decoders);
            providers.add(oidc);
        }
        var signIn = new LoginUrlAuthenticationEntryPoint(SIGN_IN);
        var success = new SavedRequestAwareAuthenticationSuccessHandler();
        success.setDefaultTargetUrl("/");
        http.securityMatcher("/**")
                // A manager of its own, with no parent: the form signs in through Identity only, and
                // single sign-on through the organizations' providers.
                .authenticationManager(new ProviderManager(providers))
                .authorizeHttpRequests(auth -> auth.requestMatchers(
                                SIGN_IN,
                                "/setup",
                                "/invitations/accept",
                                "/sso/start",
                                SSO_REFUSED,
                                "/css/**",
                                "/js/**",
                                "/webjars/**",
                                "/favicon.ico")
                        .permitAll()
                        .anyRequest()
                        .authenticated())
                .formLogin(form -> form.loginPage(SIGN_IN)
                        .loginProcessingUrl(SIGN_IN)
                        .usernameParameter("email")
                        .passwordParameter("password")
                        .authenticationDetailsSource(req -> new ConsoleAuthentication.Client(
                                addresses.of(req), DeviceCookie.read(req), req.getParameter("code"), pending(req)))
                        .successHandler((req, res, auth) -> {
                            HttpSession session = req.getSession(false);
                            if (session != null) session.removeAttribute(ConsoleAuthentication.PENDING);
                            req.getSession().setAttribute(METHOD, "password");
                            if (auth.getDetails() instanceof ConsoleAuthentication.SignedIn signedIn
                                    && auth instanceof BearerAuthentication.CallerAuthentication a) {
                                DeviceCookie.write(req, res, signedIn.deviceToken());
                                a.setDetails(null); // the session keeps no device secret
                            }
                            success.onAuthenticationSuccess(req, res, auth);
                        })
                        .failureHandler((req, res, ex) -> {
                            String to = SIGN_IN + "?error=invalid";
                            if (ex instanceof ConsoleAuthentication.SecondFactorNeeded needed) {
                                req.getSession().setAttribute(ConsoleAuthentication.PENDING, needed.pending());
                                to = SIGN_IN + "?step=code";
                            } else if (ex instanceof ConsoleAuthentication.SecondFactorWrong) {
                                to = SIGN_IN + "?step=code&error=code";
                            } else if (ex instanceof ConsoleAuthentication.SsoRequired) {
                                to = SIGN_IN + "?error=sso";
                            } else if (ex instanceof ConsoleAuthentication.Throttled t) {
                                long seconds = t.retryAfter().toSeconds();
                                res.setHeader("Retry-After", Long.toString(seconds));
                                to = SIGN_IN + "?error=locked&retry-after=" + seconds;
                            }
                            res.sendRedirect(req.getContextPath() + to);
                        }))
                .addFilterAfter(new EnrolmentRequired(identity, twoFactor), AuthorizationFilter.class)
                .logout(out -> out.logoutUrl("/sign-out")
                        .logoutSuccessUrl(SIGN_IN + "?signed-out")
                        .deleteCookies("JSESSIONID"))
                .sessionManagement(s -> s.sessionFixation(f -> f.changeSessionId()))
                .headers(h -> h.contentSecurityPolicy(
                                csp -> csp.policyDirectives(
                                        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                                                + " object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN))
                        .frameOptions(f -> f.deny()))
                .exceptionHandling(e -> e
                        // An htmx request whose session ended: tell htmx to load the sign-in page as a whole.
                        .defaultAuthenticationEntryPointFor(
                                (req, res, ex) -> {
                                    res.setHeader("HX-Redirect", req.getContextPath() + SIGN_IN);
                                    res.setStatus(HttpStatus.UNAUTHORIZED.value());
                                },
                                new RequestHeaderRequestMatcher("HX-Request", "true"))
                        .defaultAuthenticationEntryPointFor(signIn, req -> true));
        if (sso) singleSignOn(http, repository, users, success);
        return http.build();
    }

    /**
     * OIDC sign-in: {@code /oauth2/authorization/{org}} sends the browser to the organization's
     * provider (PKCE, nonce and state kept in the session until it returns), {@code
     * /login/oauth2/code/{org}} takes the answer; the ID token's signature, issuer, audience, expiry
     * and nonce are checked by Spring Security, the person by the SSO user service. No access or
     * refresh token is kept.
     */
    private static void singleSignOn(
            HttpSecurity http,
            ClientRegistrationRepository repository,
            OAuth2UserService<OidcUserRequest, OidcUser> users,
            SavedRequestAwareAuthenticationSuccessHandler success)
            throws Exception {
        var resolver = new DefaultOAuth2AuthorizationRequestResolver(repository, "/oauth2/authorization");
        resolver.setAuthorizationRequestCustomizer(OAuth2AuthorizationRequestCustomizers.withPkce());
        var contexts = new HttpSessionSecurityContextRepository();
        http.oauth2Login(o -> o.loginPage(SIGN_IN)
                .clientRegistrationRepository(repository)
                .authorizationEndpoint(a -> a.authorizationRequestResolver(new KnownOnly(resolver)))
                .authorizedClientRepository(new NoAuthorizedClients())
                .userInfoEndpoint(u -> u.oidcUserService(users))
                .successHandler((req, res, auth) -> {
                    if (!(auth.getPrincipal() instanceof SsoPerson person)) {
                        res.sendRedirect(req.getContextPath() + SSO_REFUSED + "?reason=failed");
                        return;
                    }
                    // The same principal as a password sign-in; the provider's tokens are not kept.
                    var result = new BearerAuthentication.CallerAuthentication(
                            new Caller.User(person.atriumUser(), KeyId.next()));
                    SecurityContext context = SecurityContextHolder.createEmptyContext();
                    context.setAuthentication(result);
                    SecurityContextHolder.setContext(context);
                    contexts.saveContext(context, req, res);
                    HttpSession session = req.getSession();
                    session.removeAttribute(ConsoleAuthentication.PENDING);
                    session.setAttribute(METHOD, "sso");
                    success.onAuthenticationSuccess(req, res, result);
                })
                .failureHandler((req, res, ex) -> {
                    String reason = ex instanceof OAuth2AuthenticationException oauth
                            ? oauth.getError().getErrorCode()
                            : "failed";
                    log.info("single sign-on refused ({}): {}", reason, ex.toString());
                    res.sendRedirect(req.getContextPath() + SSO_REFUSED + "?reason="
                            + URLEncoder.encode(reason, StandardCharsets.UTF_8));
                }));
    }

    /** An unknown organization (or one whose provider cannot be reached) is not a server error. */
    private record KnownOnly(OAuth2AuthorizationRequestResolver resolver)
            implements OAuth2AuthorizationRequestResolver {
        @Override
        public @Nullable OAuth2AuthorizationRequest resolve(HttpServletRequest request) {
            try {
                return resolver.resolve(request);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        @Override
        public @Nullable OAuth2AuthorizationRequest resolve(HttpServletRequest request, String registrationId) {
            try {
                return resolver.resolve(request, registrationId);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    /** The console keeps no provider tokens: single sign-on only signs the person in. */
    private static final class NoAuthorizedClients implements OAuth2AuthorizedClientRepository {
        @Override
        public <T extends OAuth2AuthorizedClient> @Nullable T loadAuthorizedClient(
                String clientRegistrationId,
                org.springframework.security.core.Authentication principal,
                HttpServletRequest request) {
            return null;
        }

        @Override
        public void saveAuthorizedClient(
                OAuth2AuthorizedClient authorizedClient,
                org.springframework.security.core.Authentication principal,
                HttpServletRequest request,
                HttpServletResponse response) {}

        @Override
        public void removeAuthorizedClient(
                String clientRegistrationId,
                org.springframework.security.core.Authentication principal,
                HttpServletRequest request,
                HttpServletResponse response) {}
    }

    /**
     * A password session of a person whose organization requires two-factor sign-in, who has not
     * enrolled, reaches only the enrolment page (and sign-out, and static files) until they do.
     */
    static final class EnrolmentRequired extends OncePerRequestFilter {
        static final String ENROL = "/account/2fa";
        private final Identity identity;
        private final TwoFactor twoFactor;

        EnrolmentRequired(Identity identity, TwoFactor twoFactor) {
            this.identity = identity;
            this.twoFactor = twoFactor;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
                throws ServletException, IOException {
            HttpSession session = req.getSession(false);
            var auth = SecurityContextHolder.getContext().getAuthentication();
            if (session != null
                    && "password".equals(session.getAttribute(METHOD))
                    && auth != null
                    && auth.getPrincipal() instanceof Caller.User person
                    && !allowed(
                            req.getRequestURI().substring(req.getContextPath().length()))
                    && identity.rules().twoFactorRequired(person.user())
                    && !twoFactor.enabled(person.user())) {
                String to = req.getContextPath() + ENROL + "?required";
                if ("true".equals(req.getHeader("HX-Request"))) {
                    res.setHeader("HX-Redirect", to);
                    res.setStatus(HttpStatus.FORBIDDEN.value());
                } else {
                    res.sendRedirect(to);
                }
                return;
            }
            chain.doFilter(req, res);
        }

        private static boolean allowed(String path) {
            return path.equals(ENROL)
                    || path.startsWith(ENROL + "/")
                    || path.equals("/sign-out")
                    || path.equals(SIGN_IN)
                    || path.equals("/error")
                    || path.equals("/favicon.ico")
                    || path.startsWith("/css/")
                    || path.startsWith("/js/")
                    || path.startsWith("/webjars/");
        }
    }

    /** The sign-in waiting for its second factor in this request's session, if any. */
    static ConsoleAuthentication.@Nullable PendingSecondFactor pending(HttpServletRequest req) {
        HttpSession session = req.getSession(false);
        return session != null
                        && session.getAttribute(ConsoleAuthentication.PENDING)
                                instanceof ConsoleAuthentication.PendingSecondFactor p
                ? p
                : null;
    }
}
