package dev.atrium.gateway.internal;

import dev.atrium.common.Credits;
import dev.atrium.pricing.PricedModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.stereotype.Component;

/** Prometheus metrics per provider and model: requests, errors, latency and credits charged. */
@Component
public class GatewayMetrics {
    private final MeterRegistry registry;
    private final Clock clock;

    GatewayMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    public void completed(PricedModel model, String operation, Instant started, Credits charged) {
        Counter.builder("atrium.gateway.requests")
                .tag("provider", model.provider())
                .tag("model", model.id())
                .tag("operation", operation)
                .tag("outcome", "ok")
                .register(registry)
                .increment();
        Timer.builder("atrium.gateway.latency")
                .tag("provider", model.provider())
                .tag("model", model.id())
                .tag("operation", operation)
                .publishPercentileHistogram()
                .register(registry)
                .record(Duration.between(started, clock.instant()));
        Counter.builder("atrium.gateway.credits")
                .tag("provider", model.provider())
                .tag("model", model.id())
                .register(registry)
                .increment(charged.micros() / 1_000_000.0);
    }

    public void failed(PricedModel model, String operation) {
        Counter.builder("atrium.gateway.requests")
                .tag("provider", model.provider())
                .tag("model", model.id())
                .tag("operation", operation)
                .tag("outcome", "error")
                .register(registry)
                .increment();
    }
}
