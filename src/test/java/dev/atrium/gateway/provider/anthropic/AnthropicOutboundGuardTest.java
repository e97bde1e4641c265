package dev.atrium.gateway.provider.anthropic;

import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.JSON;
import static dev.atrium.gateway.provider.anthropic.FakeAnthropic.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.OutboundGuard;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.ProviderException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** An organization's Anthropic endpoint is held to the outbound guard as the connection is made. */
class AnthropicOutboundGuardTest {
    private static final ObjectNode HELLO =
            (ObjectNode) JSON.readTree("{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    FakeAnthropic upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = new FakeAnthropic();
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    @Test
    void anEndpointThatRebindsToLoopbackAfterItsCheckIsNeverCalled() throws Exception {
        upstream.reply(json(
                200,
                AnthropicChatTest.message(
                        "end_turn",
                        "[{\"type\":\"text\",\"text\":\"Hi\"}]",
                        "{\"input_tokens\":1,\"output_tokens\":1}")));
        var resolutions = new AtomicInteger();
        OutboundGuard.Resolver rebinding = host -> resolutions.getAndIncrement() == 0
                ? new InetAddress[] {InetAddress.getByAddress(host, new byte[] {93, (byte) 184, (byte) 216, 34})}
                : new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        var guard = new OutboundGuard(false, List.of(), rebinding);
        String own = upstream.baseUrl().replace("127.0.0.1", "localhost");
        guard.check(URI.create(own)); // as the gateway does when it prepares the call
        var call = new ProviderCall(
                FakeAnthropic.MODEL,
                "sk-ant-org",
                own,
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        var settings =
                new AnthropicSettings("https://api.anthropic.com", "", "2023-06-01", 4096, 3, Duration.ofMillis(5));

        try (var provider = new AnthropicProvider(settings, FakeAnthropic.CLOCK, guard)) {
            assertThatThrownBy(() -> provider.chat(call, HELLO))
                    .isInstanceOf(ProviderException.class)
                    .hasMessageContaining("refused")
                    .satisfies(
                            e -> assertThat(((ProviderException) e).retryable()).isFalse());
        }
        assertThat(upstream.requests).isEmpty();

        // Allowed by the operator, the same endpoint answers: the refusal was the guard's.
        var allowed = new OutboundGuard(false, List.of("localhost"), rebinding);
        try (var provider = new AnthropicProvider(settings, FakeAnthropic.CLOCK, allowed)) {
            assertThat(provider.chat(call, HELLO).path("object").asString()).isEqualTo("chat.completion");
        }
        assertThat(upstream.requests).hasSize(1);
    }
}
