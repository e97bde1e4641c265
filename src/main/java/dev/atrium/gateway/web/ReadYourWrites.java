package dev.atrium.gateway.web;

import dev.atrium.gateway.settle.SettlementWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gateway calls are settled just after they are answered ({@link SettlementWriter}); a read of the
 * API or the console made after a call waits until what this node answered before it is committed
 * (at most a couple of seconds, typically a few milliseconds, nothing when nothing is pending), so
 * usage, balances, statements and history read right after a call include it.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class ReadYourWrites extends OncePerRequestFilter {
    private static final Duration WAIT = Duration.ofSeconds(2);
    private final SettlementWriter writer;

    ReadYourWrites(SettlementWriter writer) {
        this.writer = writer;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return path.startsWith("/v1/") || path.startsWith("/actuator") || path.startsWith("/assets/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        writer.awaitCommitted(WAIT);
        chain.doFilter(request, response);
    }
}
