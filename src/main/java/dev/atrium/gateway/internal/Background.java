package dev.atrium.gateway.internal;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.MDC;

/** Work a request runs beside itself on a virtual thread, with the request's logging context (its id). */
final class Background {
    private Background() {}

    static Thread start(String name, Runnable work) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        return Thread.ofVirtual().name(name).start(() -> {
            if (context != null) MDC.setContextMap(context);
            try {
                work.run();
            } finally {
                MDC.clear();
            }
        });
    }

    /** Starts computing a value beside the request. */
    static <T> CompletableFuture<T> supply(String name, Supplier<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        start(name, () -> {
            try {
                result.complete(work.get());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** The value, or what computing it threw. */
    static <T> T get(CompletableFuture<T> value) {
        try {
            return value.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw e;
        }
    }

    /** Waits for it to end, keeping the caller's interrupt status. */
    static void join(Thread thread) {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
