package dev.atrium.gateway.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.OutboundGuard;
import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.gateway.provider.http.UpstreamHttp;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The provider as Spring builds it from {@code atrium.providers.anthropic.*}. */
class AnthropicConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(context ->
                    context.getBeanFactory().setConversionService(ApplicationConversionService.getSharedInstance()))
            .withBean(Clock.class, () -> FakeAnthropic.CLOCK)
            .withBean(OutboundGuard.class, () -> new OutboundGuard(false, List.of(), InetAddress::getAllByName))
            .withUserConfiguration(UpstreamHttp.class, AnthropicProvider.class);

    @Test
    void defaultsNeedNoConfiguration() {
        runner.run(context -> {
            AnthropicProvider provider = context.getBean(AnthropicProvider.class);
            assertThat(context.getBean(AiProvider.class).id()).isEqualTo("anthropic");
            AnthropicSettings settings = provider.settings();
            assertThat(settings.baseUrl()).isEqualTo("https://api.anthropic.com");
            assertThat(settings.apiKey()).isEqualTo(System.getenv().getOrDefault("ANTHROPIC_API_KEY", ""));
            assertThat(settings.version()).isEqualTo("2023-06-01");
            assertThat(settings.defaultMaxTokens()).isEqualTo(4096);
            assertThat(settings.maxAttempts()).isEqualTo(3);
            assertThat(settings.retryBackoff()).isEqualTo(Duration.ofMillis(500));
        });
    }

    @Test
    void propertiesOverrideTheDefaults() {
        runner.withPropertyValues(
                        "atrium.providers.anthropic.base-url=http://anthropic.internal:8080",
                        "atrium.providers.anthropic.api-key=sk-ant-configured",
                        "atrium.providers.anthropic.default-max-tokens=1024",
                        "atrium.providers.anthropic.max-attempts=1",
                        "atrium.providers.anthropic.retry-backoff=250ms")
                .run(context -> {
                    AnthropicSettings settings =
                            context.getBean(AnthropicProvider.class).settings();
                    assertThat(settings.baseUrl()).isEqualTo("http://anthropic.internal:8080");
                    assertThat(settings.apiKey()).isEqualTo("sk-ant-configured");
                    assertThat(settings.defaultMaxTokens()).isEqualTo(1024);
                    assertThat(settings.maxAttempts()).isEqualTo(1);
                    assertThat(settings.retryBackoff()).isEqualTo(Duration.ofMillis(250));
                });
    }
}
