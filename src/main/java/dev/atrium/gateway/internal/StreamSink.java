package dev.atrium.gateway.internal;

import dev.atrium.gateway.ChatOutcome;
import tools.jackson.databind.node.ObjectNode;

/**
 * The wire format a relayed chat stream is written in: {@link ChatService#stream} hands each chunk
 * the provider produced (an OpenAI {@code chat.completion.chunk}, already with the public model
 * name) to the sink, which writes what its clients expect through {@link SseOut} (possibly nothing).
 * What the chunk's deltas carry is counted as delivered once the sink returns, so a sink writes a
 * chunk's output as it gets it, never holding it back. The OpenAI chat format ({@link
 * ChatService#openAiSink}) is the default; {@code /v1/messages} and {@code /v1/responses} have theirs.
 *
 * <p>Nothing written, nothing started: the status and headers go with the first write, so a
 * provider failure before it still answers with an error status (in the endpoint's error shape).
 */
public interface StreamSink {

    /** One chunk from the provider; it may carry {@code usage} (the provider's last one, usually). */
    void chunk(ObjectNode chunk, SseOut out);

    /** The stream ended properly and is settled: what it consumed and was charged. */
    void completed(ChatOutcome outcome, SseOut out);

    /** The stream was cut (by the provider) after output was delivered; it was charged that output. */
    void interrupted(ChatOutcome outcome, SseOut out);

    /** Writes to the client's event stream; throws {@link java.io.UncheckedIOException} once the client has gone. */
    interface SseOut {
        /** Writes these bytes (whole events, with their blank line) and flushes them. */
        void write(String text);
    }
}
