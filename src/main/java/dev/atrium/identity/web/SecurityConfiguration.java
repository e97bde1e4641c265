package dev.atrium.identity.web;

import dev.atrium.common.ProblemDetails;
import dev.atrium.identity.Identity;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.web.DefaultSecurityFilterChain;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.header.writers.CacheControlHeadersWriter;
import org.springframework.security.web.header.writers.XContentTypeOptionsHeaderWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's security: stateless bearer credentials, problem+json for 401 and 403. The console's
 * session-based chain ({@link ConsoleSecurityConfiguration}) takes every other path.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    /**
     * The gateway's chain, first of all: every {@code /v1} call needs a bearer credential and nothing
     * else of Spring Security runs for it. Two headers, then {@link BearerAuthentication} (from the
     * node's credential cache), which answers 401 itself and puts the caller in the security context
     * for the call's duration. No session is created or read, no security context stored, no CSRF
     * token, no saved request, no anonymous user, no authorization rules to match.
     */
    @Bean
    @Order(0)
    SecurityFilterChain gatewaySecurity(Identity identity, JsonMapper json) {
        var headers = new HeaderWriterFilter(
                java.util.List.of(new XContentTypeOptionsHeaderWriter(), new CacheControlHeadersWriter()));
        headers.setShouldWriteHeadersEagerly(true); // no response wrapper
        return new DefaultSecurityFilterChain(
                PathPatternRequestMatcher.withDefaults().matcher("/v1/**"),
                headers,
                new BearerAuthentication(identity, json, true));
    }

    // Before the console's chain, which matches every other path.
    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http, Identity identity, JsonMapper json) throws Exception {
        http.securityMatcher(
                        "/api/**", "/actuator/**", "/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html", "/error")
                .csrf(csrf -> csrf.disable())
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(
                        auth -> auth.requestMatchers(HttpMethod.POST, "/api/v1/setup", "/api/v1/auth/tokens")
                                .permitAll()
                                .requestMatchers(HttpMethod.POST, "/api/v1/invitations/*/accept")
                                .permitAll()
                                .requestMatchers(
                                        "/actuator/health",
                                        "/actuator/health/**",
                                        "/v3/api-docs",
                                        "/v3/api-docs/**",
                                        "/swagger-ui/**",
                                        "/swagger-ui.html",
                                        "/error")
                                .permitAll()
                                .anyRequest()
                                .authenticated())
                .addFilterBefore(new BearerAuthentication(identity, json, false), AnonymousAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(
                                (req, res, ex) -> BearerAuthentication.writeUnauthorized(req, res, json))
                        .accessDeniedHandler((req, res, ex) -> {
                            res.setStatus(HttpStatus.FORBIDDEN.value());
                            res.setContentType("application/problem+json");
                            json.writeValue(
                                    res.getOutputStream(),
                                    ProblemDetails.of(HttpStatus.FORBIDDEN, "forbidden", "Not allowed."));
                        }));
        return http.build();
    }

    /** No username/password store for HTTP Basic or form login on the API: only bearer credentials. */
    @Bean
    UserDetailsService noUserDetails() {
        return username -> {
            throw new UsernameNotFoundException("not supported");
        };
    }
}
