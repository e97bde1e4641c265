package dev.atrium.common;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the embedded PostgreSQL from outliving the Atrium that started it. PostgreSQL runs as a
 * daemon of its own: if the JVM is killed (kill -9, out of memory) it keeps running, holding the
 * data directory's {@code postmaster.pid}, and the next start could not use the directory.
 *
 * <p>Two defences. Before a start, {@link #stopLeftover} finds a server an earlier run left on the
 * same data directory and stops it (fast shutdown; killed if it does not answer). After a start,
 * {@link #watch} runs a small shell process that ends the server once the JVM is gone, so a
 * leftover lives about a second. The watchdog needs {@code /bin/sh} (Linux, macOS); elsewhere only
 * the check at start applies.
 */
final class EmbeddedPostgresGuard {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresGuard.class);
    /** zonky's lock file: held by the JVM whose embedded server owns the data directory. */
    private static final String OWNER_LOCK = "epg-lock";

    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    /** Ends the server when the JVM is gone, unless the server stopped first or is no longer the same. */
    private static final String WATCHDOG = """
            jvm=$1; pg=$2; pidfile=$3
            while kill -0 "$jvm" 2>/dev/null && kill -0 "$pg" 2>/dev/null; do sleep 1; done
            kill -0 "$pg" 2>/dev/null || exit 0
            [ "$(head -n 1 "$pidfile" 2>/dev/null)" = "$pg" ] || exit 0
            kill -INT "$pg"
            i=0
            while kill -0 "$pg" 2>/dev/null && [ "$i" -lt 30 ]; do sleep 1; i=$((i+1)); done
            kill -0 "$pg" 2>/dev/null && kill -KILL "$pg"
            exit 0
            """;

    private EmbeddedPostgresGuard() {}

    /**
     * Stops a server an earlier run left on {@code dataDir}: one whose {@code postmaster.pid} names a
     * live PostgreSQL of this directory while no running Atrium holds the directory. A pid file
     * whose process is gone is removed. Nothing is done while another live process owns the directory.
     */
    static void stopLeftover(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) return;
        try (FileChannel channel =
                FileChannel.open(dataDir.resolve(OWNER_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                log.warn("The embedded database in {} is in use by another running process; not touching it", dataDir);
                return;
            }
            try {
                stopOrphan(dataDir, pidFile);
            } finally {
                lock.release();
            }
        }
    }

    private static void stopOrphan(Path dataDir, Path pidFile) throws IOException {
        long pid = pid(pidFile);
        if (pid <= 0) return;
        Optional<ProcessHandle> found = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (found.isEmpty() || !isPostgresOf(found.get(), dataDir, pidFile)) {
            if (found.isEmpty()) {
                log.warn("Removing the stale {} of process {}, which is gone", pidFile, pid);
                Files.deleteIfExists(pidFile);
            }
            // A live process that is not our server (the pid was reused): PostgreSQL's own start decides.
            return;
        }
        ProcessHandle postmaster = found.get();
        log.warn("PostgreSQL (pid {}) was left running on {} by an earlier run; stopping it", pid, dataDir);
        List<ProcessHandle> backends = new ArrayList<>(postmaster.descendants().toList());
        signal(postmaster, "INT"); // fast shutdown: rolls back open transactions, checkpoints, exits
        if (!awaitExit(postmaster, STOP_WAIT)) {
            log.warn("PostgreSQL (pid {}) did not stop within {}; killing it", pid, STOP_WAIT);
            backends.addAll(postmaster.descendants().toList());
            postmaster.destroyForcibly();
            awaitExit(postmaster, KILL_WAIT);
        }
        // Backends of a killed server end by themselves; none may keep its shared memory in use.
        for (ProcessHandle backend : backends) {
            if (backend.isAlive()) backend.destroyForcibly();
        }
        for (ProcessHandle backend : backends) awaitExit(backend, KILL_WAIT);
        if (postmaster.isAlive()) {
            throw new IllegalStateException("PostgreSQL (pid " + pid + ") left on " + dataDir + " cannot be stopped");
        }
        Files.deleteIfExists(pidFile); // gone after a clean stop; stale after a kill
        log.info("Stopped the leftover PostgreSQL (pid {}) on {}", pid, dataDir);
    }

    /**
     * Starts the watchdog of the server now running on {@code dataDir}; null where it cannot run.
     * The process is the caller's to destroy on a clean shutdown.
     */
    static @Nullable Process watch(Path dataDir) {
        Path sh = Path.of("/bin/sh");
        if (!Files.isExecutable(sh)) {
            log.info("No /bin/sh: the embedded database is not watched for this process's end");
            return null;
        }
        Path pidFile = dataDir.resolve("postmaster.pid");
        try {
            long pg = pid(pidFile);
            if (pg <= 0) return null;
            Process watchdog = new ProcessBuilder(
                            sh.toString(),
                            "-c",
                            WATCHDOG,
                            "atrium-db-watchdog",
                            Long.toString(ProcessHandle.current().pid()),
                            Long.toString(pg),
                            pidFile.toString())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            log.debug("Embedded PostgreSQL {} watched by process {}", pg, watchdog.pid());
            return watchdog;
        } catch (IOException | RuntimeException e) {
            log.warn("Could not start the embedded database's watchdog; a crash may leave it running", e);
            return null;
        }
    }

    /** The first line of {@code postmaster.pid}, or 0 when unreadable. */
    static long pid(Path pidFile) {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? 0 : Long.parseLong(lines.getFirst().trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Whether {@code process} is a PostgreSQL server of {@code dataDir}: its program is
     * {@code postgres} and, where its command line can be read ({@code /proc}), its {@code -D}
     * names this directory; else the pid file's second line (the directory the server was started on).
     */
    private static boolean isPostgresOf(ProcessHandle process, Path dataDir, Path pidFile) {
        Path cmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
        List<String> args = new ArrayList<>();
        try {
            if (Files.isReadable(cmdline)) {
                for (String arg : new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).split("\0")) {
                    args.add(arg);
                }
            }
        } catch (IOException e) {
            args.clear();
        }
        String program =
                !args.isEmpty() ? args.getFirst() : process.info().command().orElse("");
        if (!Path.of(program.isEmpty() ? "?" : program).getFileName().toString().startsWith("postgres")) {
            return false;
        }
        int d = args.indexOf("-D");
        if (d >= 0 && d + 1 < args.size()) return sameDirectory(Path.of(args.get(d + 1)), dataDir);
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.size() > 1 && sameDirectory(Path.of(lines.get(1).trim()), dataDir);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    /** Sends a signal with {@code kill}; without it, the JVM's termination request (SIGTERM, a smart shutdown). */
    private static void signal(ProcessHandle process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (kill.waitFor() == 0) return;
        } catch (IOException e) {
            // no kill command: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroy();
    }

    private static boolean awaitExit(ProcessHandle process, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.isAlive();
            }
        }
        return !process.isAlive();
    }
}
