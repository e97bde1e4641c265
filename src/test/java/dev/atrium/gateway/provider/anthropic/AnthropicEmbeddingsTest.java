package dev.atrium.gateway.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atrium.common.ApiException;
import dev.atrium.common.OutboundGuard;
import dev.atrium.gateway.provider.ProviderCall;
import dev.atrium.gateway.provider.http.UpstreamHttp;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import tools.jackson.databind.node.JsonNodeFactory;

/** Anthropic offers no embeddings: a model routed there is refused with a 400 before any request is sent. */
class AnthropicEmbeddingsTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(context ->
                    context.getBeanFactory().setConversionService(ApplicationConversionService.getSharedInstance()))
            .withBean(Clock.class, () -> FakeAnthropic.CLOCK)
            .withBean(OutboundGuard.class, () -> new OutboundGuard(false, List.of(), InetAddress::getAllByName))
            .withPropertyValues("atrium.providers.anthropic.base-url=http://127.0.0.1:9")
            .withUserConfiguration(UpstreamHttp.class, AnthropicProvider.class);

    @Test
    void embeddingsAreRefusedWithA400NamingTheProvider() {
        runner.run(context -> {
            AnthropicProvider provider = context.getBean(AnthropicProvider.class);
            var call = new ProviderCall(
                    "claude-haiku-4-5",
                    "sk-ant",
                    null,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1));
            var request = JsonNodeFactory.instance
                    .objectNode()
                    .put("model", "claude-haiku-4-5")
                    .put("input", "hi");
            assertThatThrownBy(() -> provider.embeddings(call, request))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.status().value()).isEqualTo(400);
                        assertThat(e.code()).isEqualTo("unsupported_by_provider");
                        assertThat(e.getMessage()).isEqualTo("Anthropic does not offer embeddings.");
                    });
        });
    }
}
