package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which addresses a tenant's URL may lead to, at save and again at connect time. */
class OutboundGuardTest {

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void loopbackPrivateLinkLocalUniqueLocalAndMetadataAddressesAreForbidden() {
        for (String address : List.of(
                "127.0.0.1",
                "127.1.2.3",
                "0.0.0.0",
                "10.0.0.5",
                "172.16.0.1",
                "172.31.255.254",
                "192.168.1.10",
                "169.254.169.254",
                "100.64.0.1",
                "224.0.0.1",
                "255.255.255.255",
                "::1",
                "::",
                "fe80::1",
                "fc00::1",
                "fd00:ec2::254",
                "::ffff:127.0.0.1",
                "::ffff:10.1.2.3",
                "::ffff:169.254.169.254")) {
            assertThat(OutboundGuard.forbidden(ip(address))).as(address).isTrue();
        }
        for (String address : List.of("8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111")) {
            assertThat(OutboundGuard.forbidden(ip(address))).as(address).isFalse();
        }
    }

    @Test
    void aNameThatResolvesToAPrivateAddressIsRefusedWithTheFieldNamed() {
        var guard = new OutboundGuard(false, List.of(), host -> new InetAddress[] {ip("8.8.8.8"), ip("10.0.0.7")});
        assertThatThrownBy(() -> guard.requirePublic("base_url", URI.create("https://api.example.com/v1")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status().value()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("base_url").contains("10.0.0.7");
                });
    }

    @Test
    void aNameThatRebindsToLoopbackAfterSavingIsRefusedAtConnectTime() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        var guard = new OutboundGuard(false, List.of(), host ->
                new InetAddress[] {lookups.getAndIncrement() == 0 ? ip("93.184.216.34") : ip("127.0.0.1")});
        URI url = URI.create("https://rebind.example.com/v1");
        assertThatCode(() -> guard.requirePublic("base_url", url)).doesNotThrowAnyException();
        assertThatThrownBy(() -> guard.check(url))
                .isInstanceOf(OutboundGuard.Refused.class)
                .hasMessageContaining("127.0.0.1");
    }

    @Test
    void theOperatorMayAllowNamedHostsOrEveryAddress() throws Exception {
        OutboundGuard.Resolver loopback = host -> new InetAddress[] {ip("127.0.0.1")};
        var named = new OutboundGuard(false, List.of(" ollama.local ", "[::1]", "::1"), loopback);
        named.check(URI.create("http://ollama.local:11434/v1"));
        named.check(URI.create("http://OLLAMA.local:11434/v1"));
        named.check(URI.create("http://[::1]:11434/v1"));
        assertThatThrownBy(() -> named.check(URI.create("http://other.local/v1")))
                .isInstanceOf(OutboundGuard.Refused.class);
        new OutboundGuard(true, List.of(), loopback).check(URI.create("http://anything.local/v1"));
    }

    @Test
    void aHostThatDoesNotResolveIsSavedButRefusedAtConnectTime() {
        var guard = new OutboundGuard(false, List.of(), host -> {
            throw new UnknownHostException(host);
        });
        assertThatCode(() -> guard.requirePublic("url", URI.create("https://nowhere.invalid/")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> guard.check(URI.create("https://nowhere.invalid/")))
                .isInstanceOf(OutboundGuard.Refused.class)
                .hasMessageContaining("does not resolve");
    }
}
