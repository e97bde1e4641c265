package dev.atrium.ledger.internal;

import dev.atrium.ledger.Hold;
import dev.atrium.ledger.internal.decide.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;

/**
 * Combines concurrent holds, captures and voids into one transaction, so that one durable commit
 * and a handful of set-based statements serve many operations on the same hot accounts (the pool
 * of a busy organization) instead of one commit and several statements each.
 *
 * <p>Callers (outside any transaction: {@code Ledger.hold}, {@code capture}, {@code release})
 * queue their call and wait for its own outcome; worker threads drain the queue in batches and
 * apply each batch with {@link BatchApplier}. When nothing is queued and no batch is being
 * applied, a caller applies its call itself as a batch of one: at low load, handing it to a worker
 * and back would only add two thread wake-ups. With combining off ({@code atrium.ledger.combine=false})
 * or the workers stopped, every call is such a batch of one. A call is answered only after its
 * batch committed. A batch that fails as a whole on a lock conflict (a deadlock with another node)
 * is retried; one that fails for any other reason is re-run one call per transaction, so a call's
 * failure never fails another's.
 *
 * <p>Calls that must commit with a caller's own transaction (for example with an idempotency
 * record) do not come here: {@code Ledger.holdInTransaction} and the like apply them with {@link
 * BatchApplier#applyInTransaction}. Both take the same locks in the same order, so they may run
 * side by side on any number of nodes.
 */
@Component
public class Combiner implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(Combiner.class);
    private static final int RETRIES = 5;

    /** A call waiting for its batch, and where its outcome goes. */
    private record Queued(Call call, CompletableFuture<Hold> done) {}

    private final BatchApplier applier;
    private final boolean enabled;
    private final int maxBatch;
    private final int workerCount;
    private final LinkedBlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;
    /** Batches being applied now, by workers or by a caller on the idle path. */
    private final AtomicInteger applying = new AtomicInteger();

    Combiner(
            BatchApplier applier,
            @Value("${atrium.ledger.combine:true}") boolean enabled,
            @Value("${atrium.ledger.combine-max-batch:256}") int maxBatch,
            @Value("${atrium.ledger.combine-workers:1}") int workers) {
        this.applier = applier;
        this.enabled = enabled;
        this.maxBatch = Math.max(1, maxBatch);
        this.workerCount = Math.max(1, workers);
    }

    /**
     * Applies the call in a transaction of its own, combined with concurrent calls when combining
     * is on, and returns the hold it made or settled once that transaction committed; throws its
     * refusal. Call it outside any transaction.
     */
    public Hold submit(Call call) {
        Queued op = new Queued(call, new CompletableFuture<>());
        if (!enabled || !running) {
            runAlone(op);
            return result(op);
        }
        if (queue.isEmpty() && applying.compareAndSet(0, 1)) {
            // Nothing queued and no batch being applied: a batch of one, on this thread, without
            // handing it to a worker and back (two thread wake-ups, most of the wait when idle).
            try {
                runAlone(op);
            } finally {
                applying.decrementAndGet();
            }
            return result(op);
        }
        queue.add(op);
        if (!running && queue.remove(op)) {
            // Stopped while queueing, and no worker took it: run it here (removing it made it ours alone).
            runAlone(op);
        }
        return result(op);
    }

    private static Hold result(Queued op) {
        try {
            return op.done().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                r.addSuppressed(new Exception("waited for the ledger batch here"));
                throw r;
            }
            throw e;
        }
    }

    private void work() {
        List<Queued> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Queued first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                applying.incrementAndGet();
                try {
                    apply(batch);
                } finally {
                    applying.decrementAndGet();
                }
            } catch (InterruptedException e) {
                if (!running) break;
            } catch (RuntimeException | Error e) {
                log.error("ledger batch worker failed; failing its operations", e);
                for (Queued op : batch) op.done().completeExceptionally(e);
            } finally {
                batch.clear();
            }
        }
    }

    private void apply(List<Queued> batch) {
        RuntimeException failure = attempt(batch);
        if (failure == null) return;
        if (batch.size() == 1) {
            batch.getFirst().done().completeExceptionally(failure);
            return;
        }
        log.debug("ledger batch of {} failed ({}); applying its operations one by one", batch.size(), failure);
        for (Queued op : batch) runAlone(op);
    }

    private void runAlone(Queued op) {
        if (op.done().isDone()) return;
        RuntimeException failure = attempt(List.of(op));
        if (failure != null) op.done().completeExceptionally(failure);
    }

    /**
     * Applies the calls in one transaction and completes them; returns why it failed as a
     * whole (nothing written, nothing completed), after retrying lock conflicts.
     */
    private @Nullable RuntimeException attempt(List<Queued> ops) {
        RuntimeException failure = null;
        for (int attempt = 0; attempt < RETRIES; attempt++) {
            try {
                complete(ops, applier.apply(ops.stream().map(Queued::call).toList()));
                return null;
            } catch (TransientDataAccessException e) {
                failure = e; // a deadlock or serialization failure rolled it back: try again
            } catch (RuntimeException e) {
                return e;
            }
        }
        return failure;
    }

    private static void complete(List<Queued> batch, List<Outcome> outcomes) {
        for (int i = 0; i < batch.size(); i++) {
            CompletableFuture<Hold> done = batch.get(i).done();
            switch (outcomes.get(i)) {
                case Outcome.Decided d -> done.complete(d.hold());
                case Outcome.Refused r -> done.completeExceptionally(r.refusal());
            }
        }
    }

    @Override
    public synchronized void start() {
        if (running || !enabled) return;
        running = true;
        for (int i = 0; i < workerCount; i++) {
            workers.add(
                    Thread.ofPlatform().name("ledger-batch-" + i).daemon(true).start(this::work));
        }
    }

    @Override
    public synchronized void stop() {
        if (!running) return;
        running = false;
        for (Thread t : workers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        workers.clear();
        // Whatever is still queued (a caller that raced the stop) runs on its own.
        for (Queued op; (op = queue.poll()) != null; ) runAlone(op);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // Stop after the web server (which stops at a higher phase) so in-flight requests settle.
        return Integer.MAX_VALUE - 4096;
    }
}
