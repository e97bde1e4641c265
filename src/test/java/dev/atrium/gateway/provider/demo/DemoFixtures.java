package dev.atrium.gateway.provider.demo;

import dev.atrium.gateway.provider.ProviderCall;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A demo provider without delays and a fixed clock, and request bodies from JSON text. */
final class DemoFixtures {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

    private DemoFixtures() {}

    static DemoProvider provider() {
        return new DemoProvider(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ZERO);
    }

    static ProviderCall call(String model) {
        return new ProviderCall(
                model, null, null, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    static ObjectNode body(String json) {
        return (ObjectNode) JSON.readTree(json);
    }
}
