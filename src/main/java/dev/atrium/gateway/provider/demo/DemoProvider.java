package dev.atrium.gateway.provider.demo;

import dev.atrium.gateway.provider.AiProvider;
import dev.atrium.gateway.provider.ProviderCall;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The built-in offline provider {@code demo}: no network, no keys. Chat replies are deterministic
 * text ({@link DemoChat}), streamed one token at a time with {@code atrium.providers.demo.token-delay}
 * (default 20 ms) between tokens so that interfaces visibly stream; images are real PNGs
 * ({@link DemoImages}); speech is a real WAV ({@link DemoSpeech}) that carries its text, which
 * transcription ({@link DemoTranscription}) gives back exactly; embeddings are deterministic unit
 * vectors ({@link DemoEmbeddings}).
 */
@Component
class DemoProvider implements AiProvider {
    static final String ID = "demo";

    private final Clock clock;
    private final DemoChat chat;

    DemoProvider(Clock clock, @Value("${atrium.providers.demo.token-delay:20ms}") Duration tokenDelay) {
        this.clock = clock;
        this.chat = new DemoChat(clock, tokenDelay);
    }

    @Override
    public boolean configured() {
        return true; // built in: nothing to configure
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public JsonNode chat(ProviderCall call, ObjectNode request) {
        return chat.complete(call, request);
    }

    @Override
    public void streamChat(ProviderCall call, ObjectNode request, ChunkSink sink) {
        chat.stream(call, request, sink);
    }

    @Override
    public JsonNode images(ProviderCall call, ObjectNode request) {
        return DemoImages.generate(request, clock.instant().getEpochSecond());
    }

    @Override
    public Audio speech(ProviderCall call, ObjectNode request) {
        return DemoSpeech.speak(request);
    }

    @Override
    public JsonNode embeddings(ProviderCall call, ObjectNode request) {
        return DemoEmbeddings.embed(call.upstreamModel(), request);
    }

    @Override
    public JsonNode transcribe(ProviderCall call, Upload file, Map<String, String> fields) {
        return DemoTranscription.transcribe(file, fields);
    }
}
