package dev.atrium.identity.web;

import dev.atrium.identity.Identity;
import dev.atrium.identity.TwoFactor;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.time.Clock;
import org.jspecify.annotations.Nullable;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.util.matcher.RequestHeaderRequestMatcher;

/**
 * The console's security: a session established by the sign-in form (through {@link
 * Identity#authenticate}, so the same rate limits apply), CSRF tokens on every form and htmx
 * request, and a strict content security policy. The session cookie is HttpOnly and SameSite=Lax
 * (application.properties); the servlet container marks it Secure whenever the request arrived over
 * HTTPS (directly, or through a proxy when {@code server.forward-headers-strategy} is set).
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurityConfiguration {
    static final String SIGN_IN = "/sign-in";

    @Bean
    @Order(2)
    SecurityFilterChain consoleSecurity(
            HttpSecurity http, Identity identity, TwoFactor twoFactor, ClientAddress addresses, Clock clock)
            throws Exception {
        var signIn = new LoginUrlAuthenticationEntryPoint(SIGN_IN);
        var success = new SavedRequestAwareAuthenticationSuccessHandler();
        success.setDefaultTargetUrl("/");
        http.securityMatcher("/**")
                // A manager of its own, with no parent: the form signs in through Identity only.
                .authenticationManager(new ProviderManager(new ConsoleAuthentication(identity, twoFactor, clock)))
                .authorizeHttpRequests(auth -> auth.requestMatchers(
                                SIGN_IN,
                                "/setup",
                                "/invitations/accept",
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
                            } else if (ex instanceof ConsoleAuthentication.Throttled t) {
                                long seconds = t.retryAfter().toSeconds();
                                res.setHeader("Retry-After", Long.toString(seconds));
                                to = SIGN_IN + "?error=locked&retry-after=" + seconds;
                            }
                            res.sendRedirect(req.getContextPath() + to);
                        }))
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
        return http.build();
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
