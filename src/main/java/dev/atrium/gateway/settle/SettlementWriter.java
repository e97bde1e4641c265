package dev.atrium.gateway.settle;

import dev.atrium.common.DataDirectory;
import dev.atrium.history.HistoryRecorder;
import dev.atrium.ledger.CreditLeases;
import dev.atrium.ledger.LeaseCharge;
import dev.atrium.usage.UsageEvent;
import dev.atrium.usage.UsageRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * How a call is settled: after the upstream answered, the call's charge, its usage event and its
 * history turn go here, and the answer does not wait for the database.
 *
 * <ol>
 *   <li>{@link #submit} appends the settlement to the node's {@link Journal} (in the page cache once
 *       it returns: it survives a killed process) and queues it; that is all the request pays.
 *   <li>One writer thread takes what is queued, up to {@code batch} settlements at a time, and
 *       commits them in one transaction: their usage events first, with one multi-row insert that
 *       skips events already stored (by their reservation id, so a settlement applied twice is
 *       recognised), then the lease captures of those that were new ({@link CreditLeases#capture})
 *       and their history turns. The journal is checkpointed apart, once per sync interval.
 *   <li>A failed commit (the database is down) is retried, in order, until it succeeds; nothing is
 *       dropped, and the journal keeps everything meanwhile.
 *   <li>At start, before the node takes calls, what the journal holds past its checkpoint is
 *       applied the same way: after a kill -9 no settlement is lost, and none is applied twice.
 *   <li>A graceful shutdown drains the queue before the node's leases are returned.
 *   <li>A leased stream journals its progress while it relays ({@link #progress}: nothing to
 *       commit); the journal is not checkpointed past a relaying stream's last progress record, so
 *       that a start after a kill charges the streams it cut what they last recorded, once.
 * </ol>
 *
 * <p>A whole-machine crash can lose what was appended since the journal's last periodic sync
 * ({@code atrium.gateway.journal-sync-interval}, 200 ms by default) and was not yet committed.
 */
@Component
public class SettlementWriter implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(SettlementWriter.class);

    private final SettlementCodec codec;
    private final UsageRecorder usage;
    private final CreditLeases leases;
    private final HistoryRecorder history;
    private final TransactionTemplate tx;
    private final TransactionTemplate nested;
    private final Path directory;
    private final boolean temporary;
    private final Duration syncInterval;
    private final int batch;
    private final int maxPending;

    private final ReentrantLock submitLock = new ReentrantLock();
    private final LinkedBlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock progress = new ReentrantLock();
    private final Condition advanced = progress.newCondition();
    private volatile long submitted;
    private volatile long committed;
    private volatile @Nullable Journal journal;
    private volatile boolean running;
    /** The last attempt to commit failed; cleared by the next commit. */
    private volatile boolean failing;
    /**
     * Checkpoints the journal at what is committed, once per sync interval, off the writer's thread:
     * a checkpoint costs fsyncs (and waits for the journal's own sync), which would otherwise delay
     * the next batch; replaying a few already committed settlements after a kill costs nothing
     * (each is recognised by its reservation id).
     */
    private volatile @Nullable ScheduledExecutorService checkpointer;
    /** When the batch being committed now was started (System.nanoTime()), 0 when none is. */
    private volatile long attemptStarted;

    /** The settlement lag timer (submit to commit); the product promises p99 ≤ 100 ms in normal operation. */
    public static final String LAG_METRIC = "atrium.gateway.settlement.lag";

    private static final long STUCK_NANOS = 500_000_000L;

    private volatile @Nullable Thread writer;
    private final Timer lag;

    /** {@code submittedAt}: System.nanoTime() when the settlement was submitted, for its lag. */
    private record Queued(long sequence, Settlement settlement, long submittedAt) {}

    /**
     * Leased streams still relaying, by reservation id. The journal is never checkpointed past the
     * {@code kept} record of one: its progress record before the last (its only one, at first). The
     * last is in the page cache (a kill loses nothing), the one before it was appended a progress
     * interval (a second) earlier, so the journal's periodic sync (every 200 ms) has made it
     * durable: a machine crash too leaves the stream a record to be charged by. The stream's own
     * settlement (or its end) removes it.
     */
    private final ConcurrentHashMap<String, Pin> streams = new ConcurrentHashMap<>();

    private record Pin(long kept, long latest) {}

    SettlementWriter(
            SettlementCodec codec,
            UsageRecorder usage,
            CreditLeases leases,
            HistoryRecorder history,
            PlatformTransactionManager transactions,
            DataDirectory data,
            @Value("${atrium.gateway.journal-dir:}") String journalDir,
            @Value("${atrium.database.embedded.ephemeral:false}") boolean ephemeralDatabase,
            @Value("${atrium.gateway.journal-sync-interval:PT0.2S}") Duration syncInterval,
            @Value("${atrium.gateway.settle-batch:512}") int batch,
            @Value("${atrium.gateway.settle-max-pending:8192}") int maxPending,
            MeterRegistry metrics) {
        this.lag = Timer.builder(LAG_METRIC)
                .description("From a leased call's settlement being submitted to its commit")
                .publishPercentiles(0.5, 0.99)
                .publishPercentileHistogram()
                // A bucket at the promise itself: the share of settlements committed within 100 ms.
                .serviceLevelObjectives(Duration.ofMillis(100))
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(metrics);
        this.maxPending = Math.max(1, maxPending);
        this.codec = codec;
        this.usage = usage;
        this.leases = leases;
        this.history = history;
        this.tx = new TransactionTemplate(transactions);
        this.nested = new TransactionTemplate(transactions);
        this.nested.setPropagationBehavior(TransactionTemplate.PROPAGATION_NESTED);
        this.syncInterval = syncInterval;
        this.batch = Math.max(1, batch);
        try {
            if (!journalDir.isBlank()) {
                this.directory = Path.of(journalDir).toAbsolutePath();
                this.temporary = false;
            } else if (ephemeralDatabase) {
                // A throw-away database has nothing to replay into after a restart.
                this.directory = Files.createTempDirectory("atrium-journal-");
                this.temporary = true;
            } else {
                this.directory = data.resolve("journal");
                this.temporary = false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Journals and queues a settlement; returns at once. Throws when the journal cannot take it
     * (the disk is full): the caller then settles in the request, as without a writer.
     */
    public void submit(Settlement s) {
        byte[] bytes = codec.write(s);
        Journal j = journal;
        if (j == null || !running) throw new IllegalStateException("the settlement writer is not running");
        // Back-pressure: calls may not run ahead of the database by more than maxPending settlements
        // (bounded lag, bounded memory); under such a load the answer waits for the writer a moment.
        if (queue.size() >= maxPending) {
            progress.lock();
            try {
                while (queue.size() >= maxPending && running && !failing) advanced.await(10, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                progress.unlock();
            }
        }
        submitLock.lock();
        try {
            long seq = j.append(bytes);
            queue.add(new Queued(seq, s, System.nanoTime()));
            submitted = seq;
            streams.remove(s.charge().reservation()); // the settlement itself is journaled now
        } finally {
            submitLock.unlock();
        }
    }

    /**
     * Journals a leased stream's progress; returns at once, nothing is committed. The journal keeps
     * the stream's last two progress records until {@link #submit} journals its settlement or {@link
     * #streamEnded} is called: after a kill, the next start charges the stream what the last one
     * says (see {@link #replay}). Throws when the journal cannot take it.
     */
    public void progress(StreamProgress p) {
        byte[] bytes = codec.write(p);
        Journal j = journal;
        if (j == null || !running) throw new IllegalStateException("the settlement writer is not running");
        // Appended and pinned under the lock that numbers settlements: a batch committed after a
        // settlement appended later than this record sees the pin when it checkpoints.
        submitLock.lock();
        try {
            long seq = j.append(bytes);
            streams.compute(p.reservation(), (r, before) -> new Pin(before == null ? seq : before.latest(), seq));
        } finally {
            submitLock.unlock();
        }
    }

    /** A leased stream ended without a settlement to journal (nothing charged, or settled in the request). */
    public void streamEnded(String reservation) {
        streams.remove(reservation);
    }

    /** The highest sequence the journal may be checkpointed at once {@code committed} is: below every relaying stream's kept progress record. */
    private long checkpointable(long committed) {
        long at = committed;
        for (Pin pin : streams.values()) at = Math.min(at, pin.kept() - 1);
        return at;
    }

    /**
     * Waits (at most {@code max}) until every settlement submitted before this call is committed:
     * a read of usage or history right after a call sees that call. True when it is.
     */
    public boolean awaitCommitted(Duration max) {
        long target = submitted;
        if (committed >= target) return true;
        // While the database refuses the writer's batches, waiting would only delay the answer (an
        // outage answers 503 at once, not after this wait).
        if (failing) return false;
        long deadline = System.nanoTime() + max.toNanos();
        progress.lock();
        try {
            while (committed < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                // A commit taking this long means the database is in trouble: answer now rather than late.
                long attempt = attemptStarted;
                if (failing || (attempt != 0 && System.nanoTime() - attempt > STUCK_NANOS)) return false;
                advanced.awaitNanos(Math.min(left, 50_000_000L));
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            progress.unlock();
        }
    }

    /** Commits one settlement now, on the caller's thread (when {@link #submit} cannot take it). */
    public void applyNow(Settlement s) {
        apply(List.of(s));
    }

    /** Settlements submitted and not yet committed. */
    public int pending() {
        return queue.size();
    }

    private void write() {
        List<Queued> taken = new ArrayList<>(batch);
        long backoff = 50;
        while (running || !queue.isEmpty()) {
            try {
                if (taken.isEmpty()) {
                    Queued first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) continue;
                    taken.add(first);
                    queue.drainTo(taken, batch - 1);
                }
                attemptStarted = System.nanoTime();
                try {
                    apply(taken.stream().map(Queued::settlement).toList());
                } finally {
                    attemptStarted = 0;
                }
                recordLag(taken);
                failing = false;
                advance(taken.getLast().sequence());
                taken.clear();
                backoff = 50;
            } catch (InterruptedException e) {
                if (!running) break;
            } catch (RuntimeException e) {
                // The database is unavailable (or refused the batch): keep the batch, in order, and retry.
                failing = true;
                log.warn(
                        "could not commit {} settlements ({}); retrying in {} ms", taken.size(), e.toString(), backoff);
                sleep(backoff);
                backoff = Math.min(5_000, backoff * 2);
                if (!running && backoff >= 5_000) {
                    log.error(
                            "stopping with {} settlements uncommitted; they stay in the journal for the next start",
                            taken.size() + queue.size());
                    return;
                }
            }
        }
    }

    /** Commits settlements: those already applied (by reservation id) are skipped. */
    void apply(List<Settlement> settlements) {
        if (settlements.isEmpty()) return;
        tx.executeWithoutResult(status -> {
            List<UsageEvent> events =
                    settlements.stream().map(Settlement::event).toList();
            Set<String> fresh = usage.recordNew(events);
            List<LeaseCharge> charges = new ArrayList<>();
            for (Settlement s : settlements) {
                if (fresh.contains(s.event().holdId())) charges.add(s.charge());
            }
            List<LeaseCharge> unpaid = leases.capture(charges);
            if (!unpaid.isEmpty())
                log.warn("{} late charges found their lease closed and were not taken", unpaid.size());
            for (Settlement s : settlements) {
                if (s.turn() == null || !fresh.contains(s.event().holdId())) continue;
                try {
                    // A savepoint each: history never fails a charge.
                    nested.executeWithoutResult(t -> history.recordChat(s.turn()));
                } catch (RuntimeException e) {
                    log.warn(
                            "could not record the history turn of {}", s.event().holdId(), e);
                }
            }
        });
        leases.committed(settlements.stream().map(Settlement::charge).toList());
    }

    /** Each settlement's lag: from its submit to the commit of its batch. */
    private void recordLag(List<Queued> committedNow) {
        long now = System.nanoTime();
        for (Queued q : committedNow) lag.record(now - q.submittedAt(), TimeUnit.NANOSECONDS);
    }

    /** Publishes a commit: waiting readers go on at once. The journal is checkpointed apart ({@link #checkpointer}). */
    private void advance(long sequence) {
        progress.lock();
        try {
            committed = sequence;
            advanced.signalAll();
        } finally {
            progress.unlock();
        }
    }

    private void checkpoint(long sequence) {
        Journal j = journal;
        if (j == null) return;
        try {
            // Never past a relaying stream's last progress record but one (see checkpointable).
            j.checkpoint(checkpointable(sequence));
        } catch (IOException | RuntimeException e) {
            log.warn("could not checkpoint the settlement journal at {}: {}", sequence, e.toString());
        }
    }

    /**
     * Applies what the journal holds past its checkpoint: the settlements, in order, then, for each
     * leased stream whose settlement is not among them, its last progress record (a stream the
     * killed process was relaying: charged what it had delivered, as a {@code partial} call). All
     * idempotent by reservation id: a settlement or stream already committed is skipped.
     */
    private void replay(Journal j) {
        List<Settlement> found = new ArrayList<>();
        Map<String, StreamProgress> unfinished = new LinkedHashMap<>();
        Set<String> settled = new HashSet<>();
        long[] last = {0};
        j.replay((seq, bytes) -> {
            try {
                switch (codec.read(bytes)) {
                    case Settlement s -> {
                        found.add(s);
                        settled.add(s.charge().reservation());
                        unfinished.remove(s.charge().reservation());
                    }
                    case StreamProgress p -> {
                        if (!settled.contains(p.reservation())) unfinished.put(p.reservation(), p);
                    }
                }
            } catch (RuntimeException e) {
                log.error("settlement journal record {} cannot be read; it is skipped", seq, e);
            }
            last[0] = seq;
        });
        if (!unfinished.isEmpty()) {
            log.info("charging {} streams cut by the stop of the node what they last recorded", unfinished.size());
            for (StreamProgress p : unfinished.values()) found.add(p.asSettlement());
        }
        if (found.isEmpty()) return;
        log.info("applying {} settlements from the journal (the node stopped before committing them)", found.size());
        for (int from = 0; from < found.size(); from += batch) {
            List<Settlement> part = found.subList(from, Math.min(found.size(), from + batch));
            for (int attempt = 1; ; attempt++) {
                try {
                    apply(part);
                    break;
                } catch (RuntimeException e) {
                    if (attempt >= 30) throw e;
                    log.warn("could not apply journaled settlements ({}); retrying", e.toString());
                    sleep(1_000);
                }
            }
        }
        try {
            j.checkpoint(last[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        committed = last[0];
        submitted = last[0];
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void start() {
        if (running) return;
        try {
            Journal j = Journal.open(directory, Journal.Options.defaults().withSyncInterval(syncInterval));
            replay(j);
            // Everything the journal holds is applied now; the sequences of this run follow its last
            // one. A writer started again must not keep the committed sequence of its earlier run:
            // the journal may number anew, and a read would then not wait for what is not committed.
            long last = j.lastSequence();
            committed = last;
            submitted = last;
            streams.clear(); // the streams replay found are charged; those of this run record anew
            journal = j;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the settlement journal in " + directory, e);
        }
        running = true;
        writer = Thread.ofPlatform().daemon().name("settlement-writer").start(this::write);
        ScheduledExecutorService c = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("settlement-checkpoint").factory());
        long every = Math.max(1, syncInterval.toMillis());
        c.scheduleWithFixedDelay(() -> checkpoint(committed), every, every, TimeUnit.MILLISECONDS);
        checkpointer = c;
    }

    @Override
    public synchronized void stop() {
        if (!running) return;
        running = false;
        Thread t = writer;
        if (t != null) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ScheduledExecutorService c = checkpointer;
        checkpointer = null;
        if (c != null) {
            c.shutdown();
            try {
                c.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (committed > 0) checkpoint(committed);
        Journal j = journal;
        journal = null;
        if (j != null) {
            try {
                j.close();
            } catch (IOException e) {
                log.warn("could not close the settlement journal: {}", e.toString());
            }
        }
        if (temporary) deleteQuietly(directory);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it up eventually
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // Starts before the web server takes calls (replaying the journal first); stops after it
        // (draining what the last calls submitted), before the node returns its leases.
        return Integer.MAX_VALUE - 3072;
    }
}
