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
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's security: stateless bearer credentials, problem+json for 401 and 403. The console's
 * session-based chain ({@link ConsoleSecurityConfiguration}) takes every other path.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    // Before the console's chain, which matches every other path.
    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http, Identity identity, JsonMapper json) throws Exception {
        http.securityMatcher(
                        "/api/**",
                        "/v1/**",
                        "/actuator/**",
                        "/v3/api-docs/**",
                        "/swagger-ui/**",
                        "/swagger-ui.html",
                        "/error")
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
                .addFilterBefore(new BearerAuthentication(identity, json), AnonymousAuthenticationFilter.class)
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
