package dev.atrium.console;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.resource.ResourceUrlEncodingFilter;

/**
 * The console's pages link their scripts and stylesheets through the resource chain, whose filter
 * rewrites URLs on every response it wraps. The gateway's answers link nothing: {@code /v1} calls
 * go past it. Replaces Spring Boot's registration of the same filter.
 */
@Configuration(proxyBeanMethods = false)
class PageResources {

    @Bean
    FilterRegistrationBean<ResourceUrlEncodingFilter> resourceUrlEncodingFilter() {
        var registration = new FilterRegistrationBean<ResourceUrlEncodingFilter>(new PagesOnly());
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ERROR);
        return registration;
    }

    /** Resource URL encoding for everything but the gateway. */
    static final class PagesOnly extends ResourceUrlEncodingFilter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (request instanceof HttpServletRequest http && gateway(http.getRequestURI())) {
                chain.doFilter(request, response);
                return;
            }
            super.doFilter(request, response, chain);
        }

        static boolean gateway(String uri) {
            return uri.equals("/v1") || uri.startsWith("/v1/");
        }
    }
}
