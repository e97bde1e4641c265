package dev.atrium.gateway.provider.openai;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * A response body read piece by piece with a deadline on every read. The JDK's blocking body
 * readers cannot time out between pieces, so the body is subscribed to here and handed over
 * through a queue, one piece requested at a time. Closing it before the end cancels the
 * subscription, which makes the HTTP client drop the connection rather than pool it.
 */
final class UpstreamBody implements Flow.Subscriber<List<ByteBuffer>>, AutoCloseable {
    private static final Object END = new Object();

    private final BlockingQueue<Object> items = new LinkedBlockingQueue<>();
    private Flow.@Nullable Subscription subscription; // guarded by this
    private boolean closed; // guarded by this
    private volatile boolean ended;

    private record Piece(List<ByteBuffer> buffers) {}

    @Override
    public void onSubscribe(Flow.Subscription s) {
        boolean cancel;
        synchronized (this) {
            cancel = closed || subscription != null;
            if (!cancel) {
                subscription = s;
            }
        }
        if (cancel) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        items.add(new Piece(buffers));
    }

    @Override
    public void onError(Throwable error) {
        items.add(error);
    }

    @Override
    public void onComplete() {
        items.add(END);
    }

    /**
     * The next piece of the body, or {@code null} at its end.
     *
     * @param deadline a {@link System#nanoTime()} by which a piece must have arrived
     * @throws HttpTimeoutException when nothing arrived by the deadline
     */
    @Nullable
    List<ByteBuffer> next(long deadline) throws IOException {
        if (ended) {
            return null;
        }
        Object item;
        try {
            item = items.poll(Math.max(0, deadline - System.nanoTime()), NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the upstream response");
        }
        if (item == null) {
            throw new HttpTimeoutException("timed out waiting for the upstream response");
        }
        if (item == END) {
            ended = true;
            return null;
        }
        if (item instanceof Throwable error) {
            ended = true;
            throw error instanceof IOException io ? io : new IOException(error.getMessage(), error);
        }
        Flow.Subscription s;
        synchronized (this) {
            s = subscription;
        }
        if (s != null) {
            s.request(1);
        }
        return ((Piece) item).buffers();
    }

    /** Stops the body if it has not ended; idempotent. */
    @Override
    public void close() {
        Flow.Subscription s;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            s = subscription;
        }
        if (s != null && !ended) {
            s.cancel();
        }
    }
}
