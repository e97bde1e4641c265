package dev.atrium.common;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Keeps URLs that tenants set (an organization's provider base URL, a webhook) from reaching the
 * server's own network: a URL whose host resolves to a loopback, link-local (cloud metadata
 * included), private, unique-local, shared (CGNAT), multicast or unspecified address is refused,
 * when it is saved, again when a call is prepared, and once more by the providers' HTTP client
 * as it connects ({@link #addressesFor}: the addresses checked are the ones connected to, so a name
 * that resolves elsewhere between check and connection gains nothing). A name that does not
 * resolve when saved is accepted and refused at connection time if it still does not.
 * The operator may allow named hosts ({@code atrium.outbound.allowed-hosts}, e.g. a local Ollama)
 * or every address ({@code atrium.outbound.allow-private-addresses}). Instance-level settings from
 * the environment are not checked.
 */
@Component
public class OutboundGuard {
    /** Resolves a host name to its addresses (the system's resolver outside tests). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** A URL refused because of where it leads. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private final boolean allowPrivate;
    private final Set<String> allowedHosts;
    private final Resolver resolver;

    @Autowired
    OutboundGuard(
            @Value("${atrium.outbound.allow-private-addresses:false}") boolean allowPrivate,
            @Value("${atrium.outbound.allowed-hosts:}") List<String> allowedHosts) {
        this(allowPrivate, allowedHosts, InetAddress::getAllByName);
    }

    public OutboundGuard(boolean allowPrivate, List<String> allowedHosts, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.allowedHosts = allowedHosts.stream()
                .map(String::strip)
                .filter(h -> !h.isEmpty())
                .map(h -> h.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.resolver = resolver;
    }

    /** At save: the URL is refused with 422 on {@code field} when it leads to a forbidden address. */
    public void requirePublic(String field, URI url) {
        try {
            check(url, true);
        } catch (Refused e) {
            throw ApiException.invalid(field, field + " " + e.getMessage());
        }
    }

    /** Before connecting: throws when the URL's host now resolves to a forbidden address. */
    public void check(URI url) throws Refused {
        check(url, false);
    }

    /**
     * At the moment of connecting: the addresses {@code host} resolves to, to connect to exactly
     * those. Throws when one of them is forbidden, so that a name that resolved to a public address
     * when it was checked cannot lead to a private one now (DNS rebinding).
     */
    public InetAddress[] addressesFor(String host) throws Refused, UnknownHostException {
        String bare = bare(host);
        InetAddress[] addresses = resolver.resolve(bare);
        if (!allowPrivate && !allowedHosts.contains(bare.toLowerCase(Locale.ROOT))) {
            requireAllowed(addresses);
        }
        return addresses;
    }

    private void check(URI url, boolean saving) throws Refused {
        String host = url.getHost();
        if (host == null || host.isBlank()) throw new Refused("has no host.");
        String bare = bare(host);
        if (allowPrivate || allowedHosts.contains(bare.toLowerCase(Locale.ROOT))) return;
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(bare);
        } catch (UnknownHostException e) {
            // A name that resolves nowhere yet reaches nothing; it is checked again at each connection.
            if (saving) return;
            throw new Refused("names a host that does not resolve: " + bare + ".");
        }
        requireAllowed(addresses);
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static void requireAllowed(InetAddress[] addresses) throws Refused {
        for (InetAddress address : addresses) {
            if (forbidden(address)) {
                throw new Refused("leads to " + address.getHostAddress()
                        + ", a loopback, private or link-local address, which this server does not call"
                        + " (the operator may allow it with ATRIUM_OUTBOUND_ALLOWED_HOSTS).");
            }
        }
    }

    /** Whether an address belongs to the server's own or a private network. */
    public static boolean forbidden(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses: judge the IPv4 one.
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff && allZero(b, 0, 10);
            if (mapped || allZero(b, 0, 12)) {
                try {
                    return forbidden(InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
            int first = b[0] & 0xff;
            return v6.isLoopbackAddress()
                    || v6.isAnyLocalAddress()
                    || v6.isLinkLocalAddress()
                    || v6.isSiteLocalAddress()
                    || v6.isMulticastAddress()
                    || (first & 0xfe) == 0xfc; // fc00::/7 unique-local
        }
        if (address instanceof Inet4Address v4) {
            byte[] b = v4.getAddress();
            int a0 = b[0] & 0xff;
            int a1 = b[1] & 0xff;
            return a0 == 0 // "this network"
                    || a0 == 10
                    || a0 == 127
                    || (a0 == 100 && a1 >= 64 && a1 <= 127) // shared address space (CGNAT)
                    || (a0 == 169 && a1 == 254) // link-local, cloud metadata
                    || (a0 == 172 && a1 >= 16 && a1 <= 31)
                    || (a0 == 192 && a1 == 168)
                    || (a0 == 192 && a1 == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    || (a0 == 198 && (a1 == 18 || a1 == 19)) // benchmarking
                    || a0 >= 224; // multicast, reserved, broadcast
        }
        return true;
    }

    private static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] != 0) return false;
        return true;
    }
}
