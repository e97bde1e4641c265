package dev.atrium.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.util.FileSystemUtils;

/**
 * A PostgreSQL primary and a streaming hot standby of it, built from the machine's PostgreSQL
 * binaries ({@code /usr/lib/postgresql/<version>/bin}, the newest present, or the directory named
 * by {@code -Datrium.test.postgres-bin}): {@code initdb} of a primary in a temporary directory
 * ({@code wal_level=replica}, replication allowed from 127.0.0.1 without a password), {@code
 * pg_basebackup -R} of it into a second directory, started on another free port as a hot standby.
 * The machine's own cluster is never touched. When the JVM runs as root (initdb refuses root), the
 * binaries run as the {@code postgres} user ({@code runuser}) on directories it owns.
 *
 * <p>{@link #available()} says why not when the binaries are absent. Both servers are stopped
 * ({@code pg_ctl stop -m immediate}) and their directories removed by {@link #close}, and by a JVM
 * shutdown hook should the test never get there.
 */
public final class StreamingReplica implements AutoCloseable {
    private static final String[] TOOLS = {"initdb", "pg_ctl", "pg_basebackup", "postgres"};

    private final Path bin;
    private final List<String> asUser;
    private final Path root;
    private final Path primaryDir;
    private final Path standbyDir;
    private final int primaryPort;
    private final int standbyPort;
    private final Thread hook;
    private boolean closed;

    /** The binaries' directory, or the reason there is none. */
    public record Binaries(@Nullable Path bin, String why) {}

    public static Binaries available() {
        String configured = System.getProperty("atrium.test.postgres-bin");
        if (configured != null) {
            Path bin = Path.of(configured);
            return complete(bin)
                    ? new Binaries(bin, "")
                    : new Binaries(
                            null, "-Datrium.test.postgres-bin=" + configured + " lacks initdb/pg_ctl/pg_basebackup");
        }
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return new Binaries(
                    null,
                    "no PostgreSQL binaries in /usr/lib/postgresql (install postgresql, or set -Datrium.test.postgres-bin)");
        }
        try (Stream<Path> versions = Files.list(base)) {
            Optional<Path> newest = versions.map(v -> v.resolve("bin"))
                    .filter(StreamingReplica::complete)
                    .max(Comparator.comparingInt(StreamingReplica::version));
            return newest.map(b -> new Binaries(b, ""))
                    .orElseGet(() -> new Binaries(
                            null, "no complete PostgreSQL binaries (initdb, pg_ctl, pg_basebackup) under " + base));
        } catch (IOException e) {
            return new Binaries(null, "cannot list " + base + ": " + e.getMessage());
        }
    }

    private static boolean complete(Path bin) {
        return Stream.of(TOOLS).allMatch(t -> Files.isExecutable(bin.resolve(t)));
    }

    private static int version(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Builds and starts both servers; the standby streams from the primary when this returns. */
    public static StreamingReplica start(Path bin) throws IOException, InterruptedException {
        return new StreamingReplica(bin);
    }

    private StreamingReplica(Path bin) throws IOException, InterruptedException {
        this.bin = bin;
        boolean root = "0".equals(run(List.of("id", "-u"), null).strip());
        this.asUser = root ? List.of("runuser", "-u", "postgres", "--") : List.of();
        this.root = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "atrium-replica-");
        this.primaryDir = this.root.resolve("primary");
        this.standbyDir = this.root.resolve("standby");
        this.primaryPort = freePort();
        this.standbyPort = freePort();
        this.hook = new Thread(this::stopQuietly, "streaming-replica-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (root) run(List.of("chown", "postgres:postgres", this.root.toString()), null);
            pg(List.of(
                    "initdb",
                    "-D",
                    primaryDir.toString(),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync"));
            append(primaryDir.resolve("postgresql.conf"), """
                    listen_addresses = '127.0.0.1'
                    port = %d
                    unix_socket_directories = '%s'
                    wal_level = replica
                    max_wal_senders = 5
                    max_connections = 100
                    hot_standby_feedback = on
                    fsync = off
                    """.formatted(primaryPort, this.root));
            append(primaryDir.resolve("pg_hba.conf"), "host replication all 127.0.0.1/32 trust\n");
            pgCtl(primaryDir, "start");
            pg(List.of(
                    "pg_basebackup",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    String.valueOf(primaryPort),
                    "-U",
                    "postgres",
                    "-D",
                    standbyDir.toString(),
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast"));
            // Later lines win: the standby listens on a port of its own.
            append(standbyDir.resolve("postgresql.conf"), "port = %d\nhot_standby = on\n".formatted(standbyPort));
            pgCtl(standbyDir, "start");
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    public String primaryUrl() {
        return "jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres";
    }

    public String standbyUrl() {
        return "jdbc:postgresql://127.0.0.1:" + standbyPort + "/postgres";
    }

    public Connection primary() throws SQLException {
        return DriverManager.getConnection(primaryUrl(), "postgres", "");
    }

    public Connection standby() throws SQLException {
        return DriverManager.getConnection(standbyUrl(), "postgres", "");
    }

    /** Stops the standby's replay (WAL is still received): its data stays as it is. */
    public void pauseReplay() throws SQLException {
        try (Connection c = standby()) {
            c.createStatement().execute("SELECT pg_wal_replay_pause()");
        }
    }

    public void resumeReplay() throws SQLException {
        try (Connection c = standby()) {
            c.createStatement().execute("SELECT pg_wal_replay_resume()");
        }
    }

    /** The primary's current WAL position. */
    public String primaryLsn() throws SQLException {
        try (Connection c = primary();
                var rs = c.createStatement().executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Whether the standby has received the WAL up to {@code lsn} (replayed or not). */
    public boolean received(String lsn) throws SQLException {
        try (Connection c = standby();
                var st = c.prepareStatement("SELECT pg_last_wal_receive_lsn() >= CAST(? AS pg_lsn)")) {
            st.setString(1, lsn);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Stops the standby at once, as a crash would. */
    public void stopStandby() throws IOException, InterruptedException {
        pgCtl(standbyDir, "stop", "-m", "immediate");
    }

    public void startStandby() throws IOException, InterruptedException {
        pgCtl(standbyDir, "start");
    }

    private void pgCtl(Path dir, String action, String... more) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("pg_ctl", "-D", dir.toString(), "-w", "-t", "60"));
        if (action.equals("start")) args.addAll(List.of("-l", dir + ".log"));
        args.add(action);
        args.addAll(List.of(more));
        pg(args);
    }

    private void pg(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(asUser);
        full.add(bin.resolve(command.getFirst()).toString());
        full.addAll(command.subList(1, command.size()));
        run(full, root);
    }

    /** Root appends as root: the file keeps its owner. */
    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    }

    private static String run(List<String> command, @Nullable Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within 120 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void stopQuietly() {
        for (Path dir : List.of(standbyDir, primaryDir)) {
            if (!Files.exists(dir.resolve("postmaster.pid"))) continue;
            try {
                pgCtl(dir, "stop", "-m", "immediate");
            } catch (IOException | InterruptedException | RuntimeException e) {
                // the other server still stops
            }
        }
        FileSystemUtils.deleteRecursively(root.toFile());
    }

    /** Stops both servers at once and removes their directories. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway, and finds nothing left
        }
    }
}
