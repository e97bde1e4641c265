package dev.atrium.bench;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;

/** Counts the JDBC calls that reach the database (statements executed, commits, rollbacks), by kind. */
final class StatementCounter implements BeanPostProcessor {
    static final Map<String, AtomicLong> COUNTS = new ConcurrentHashMap<>();
    static final Map<String, AtomicLong> SQL = new ConcurrentHashMap<>();

    static void count(String kind) {
        COUNTS.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }

    static void reset() {
        COUNTS.clear();
        SQL.clear();
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String name) {
        if (!(bean instanceof DataSource ds)) return bean;
        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, a) -> {
            Object r = invoke(ds, m, a);
            if (r instanceof Connection c) return connection(c);
            return r;
        });
    }

    private static Object invoke(Object target, java.lang.reflect.Method m, Object[] a) throws Throwable {
        try {
            return m.invoke(target, a);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static Connection connection(Connection c) {
        InvocationHandler h = (p, m, a) -> {
            switch (m.getName()) {
                case "commit" -> count("commit");
                case "rollback" -> count("rollback");
                case "setAutoCommit" -> count("setAutoCommit(" + a[0] + ")");
                case "setReadOnly" -> count("setReadOnly(" + a[0] + ")");
                case "setTransactionIsolation" -> count("setTransactionIsolation");
                default -> {}
            }
            Object r = invoke(c, m, a);
            if (r instanceof Statement s) {
                String sql = a != null && a.length > 0 && a[0] instanceof String q ? q : "?";
                return statement(s, sql, m.getReturnType());
            }
            return r;
        };
        return (Connection)
                Proxy.newProxyInstance(StatementCounter.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
    }

    private static Statement statement(Statement s, String prepared, Class<?> type) {
        InvocationHandler h = (p, m, a) -> {
            if (m.getName().startsWith("execute")) {
                count("execute");
                String sql = a != null && a.length > 0 && a[0] instanceof String q ? q : prepared;
                String key = sql.replaceAll("\\s+", " ").strip();
                SQL.computeIfAbsent(key.length() > 110 ? key.substring(0, 110) : key, k -> new AtomicLong())
                        .incrementAndGet();
            }
            return invoke(s, m, a);
        };
        return (Statement) Proxy.newProxyInstance(StatementCounter.class.getClassLoader(), new Class<?>[] {type}, h);
    }
}
