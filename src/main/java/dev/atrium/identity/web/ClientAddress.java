package dev.atrium.identity.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The client address sign-ins are throttled by. {@code X-Forwarded-For} is believed only from the
 * proxies listed in {@code atrium.login.trusted-proxies} (exact addresses, comma separated; none by
 * default): the client is the last address of the chain that is not one of them. Without that
 * setting the header is ignored, since any client could write it to escape its address's delays.
 */
@Component
public class ClientAddress {
    private final Set<String> trusted;

    ClientAddress(@Value("${atrium.login.trusted-proxies:}") String trustedProxies) {
        this.trusted = Arrays.stream(trustedProxies.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    public String of(HttpServletRequest request) {
        String peer = request.getRemoteAddr();
        if (peer == null) return "unknown";
        if (!trusted.contains(peer)) return peer;
        List<String> chain = request.getHeaders("X-Forwarded-For") == null
                ? List.of()
                : java.util.Collections.list(request.getHeaders("X-Forwarded-For")).stream()
                        .flatMap(h -> Arrays.stream(h.split(",")))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList();
        // From the nearest hop outwards: the first address not of a trusted proxy is the client.
        for (int i = chain.size() - 1; i >= 0; i--) {
            String hop = chain.get(i);
            if (!trusted.contains(hop)) return hop.length() > 100 ? hop.substring(0, 100) : hop;
        }
        return chain.isEmpty() ? peer : chain.getFirst();
    }
}
