package dev.atrium.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time spent by this JVM and by the embedded PostgreSQL (postmaster and its children), read
 * from {@code /proc} (Linux; zero elsewhere). Per pair, it is a cost that other load on the
 * machine does not inflate the way it inflates throughput.
 */
final class CpuMeter {
    private static final double TICK_NANOS = 1e9 / 100; // USER_HZ, 100 on Linux
    private final Path postmasterPid;

    CpuMeter(Path postgresDataDir) {
        this.postmasterPid = postgresDataDir.resolve("postmaster.pid");
    }

    record Usage(long javaNanos, long postgresNanos) {
        Usage minus(Usage o) {
            return new Usage(javaNanos - o.javaNanos, postgresNanos - o.postgresNanos);
        }

        String perPair(long pairs) {
            return String.format(
                    "java %.0f µs + postgres %.0f µs = %.0f µs",
                    javaNanos / 1e3 / pairs, postgresNanos / 1e3 / pairs, (javaNanos + postgresNanos) / 1e3 / pairs);
        }
    }

    Usage sample() {
        long java = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return new Usage(Math.max(java, 0), postgres());
    }

    private long postgres() {
        try {
            String pid = Files.readAllLines(postmasterPid).get(0).trim();
            long ticks = 0;
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) procs::iterator) {
                    String name = p.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) continue;
                    String[] f = stat(p);
                    if (f != null && (name.equals(pid) || f[1].equals(pid))) {
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        // The postmaster's children that exited (connections the pool replaced, old
                        // autovacuum workers): their time moves to its cutime and cstime.
                        if (name.equals(pid)) ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
                    }
                }
            }
            return (long) (ticks * TICK_NANOS);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /**
     * Fields of /proc/PID/stat after the command name: state, ppid, … (utime is [11], stime [12],
     * the waited-for children's cutime [13] and cstime [14]).
     */
    private static String[] stat(Path proc) {
        try {
            String s = Files.readString(proc.resolve("stat"));
            return s.substring(s.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return null;
        }
    }
}
