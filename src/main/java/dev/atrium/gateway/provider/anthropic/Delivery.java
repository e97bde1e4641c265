package dev.atrium.gateway.provider.anthropic;

import dev.atrium.gateway.provider.AiProvider.ChunkSink;
import tools.jackson.databind.node.ObjectNode;

/**
 * Hands chunks to the gateway's sink and remembers whether any got there (after which nothing is
 * retried). A sink that throws means the client is gone: its exception travels as {@link ClientGone}
 * so that no retry loop mistakes it for an upstream failure, and the upstream is closed on the way.
 */
final class Delivery {
    private final ChunkSink sink;
    private boolean started;

    Delivery(ChunkSink sink) {
        this.sink = sink;
    }

    void accept(ObjectNode chunk) {
        try {
            sink.accept(chunk);
        } catch (RuntimeException e) {
            throw new ClientGone(e);
        }
        started = true;
    }

    /** Whether at least one chunk reached the sink. */
    boolean started() {
        return started;
    }

    /** The sink's own exception, carried unchanged to the caller of {@code streamChat}. */
    static final class ClientGone extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient RuntimeException sinkFailure;

        ClientGone(RuntimeException sinkFailure) {
            super(sinkFailure.getMessage(), sinkFailure, false, false);
            this.sinkFailure = sinkFailure;
        }

        RuntimeException sinkFailure() {
            return sinkFailure;
        }
    }
}
