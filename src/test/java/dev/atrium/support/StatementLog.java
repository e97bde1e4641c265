package dev.atrium.support;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Records every SQL statement an application runs through its {@link DataSource}, in order: for
 * tests that count what a request asks of the database. Add it to a node with {@link
 * #initializer()} (see {@link Nodes.Builder#initializer}).
 */
public final class StatementLog implements BeanPostProcessor {
    private final List<String> statements = new CopyOnWriteArrayList<>();

    /** Installs this log on a context before it is refreshed. */
    public ApplicationContextInitializer<ConfigurableApplicationContext> initializer() {
        return context -> context.getBeanFactory().addBeanPostProcessor(this);
    }

    public void reset() {
        statements.clear();
    }

    /** The statements run since the last {@link #reset}, whitespace collapsed. */
    public List<String> snapshot() {
        return List.copyOf(statements);
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String name) {
        if (!(bean instanceof DataSource ds)) return bean;
        return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class}, (p, m, a) -> {
            Object r = invoke(ds, m, a);
            return r instanceof Connection c ? connection(c) : r;
        });
    }

    private Connection connection(Connection c) {
        InvocationHandler h = (p, m, a) -> {
            Object r = invoke(c, m, a);
            if (r instanceof Statement s) {
                String sql = a != null && a.length > 0 && a[0] instanceof String q ? q : null;
                return statement(s, sql, m.getReturnType());
            }
            return r;
        };
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, h);
    }

    private Statement statement(Statement s, String prepared, Class<?> type) {
        InvocationHandler h = (p, m, a) -> {
            if (m.getName().startsWith("execute")) {
                String sql = a != null && a.length > 0 && a[0] instanceof String q ? q : prepared;
                statements.add(sql == null ? "?" : sql.replaceAll("\\s+", " ").strip());
            }
            return invoke(s, m, a);
        };
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, h);
    }

    private static Object invoke(Object target, Method m, Object[] a) throws Throwable {
        try {
            return m.invoke(target, a);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
