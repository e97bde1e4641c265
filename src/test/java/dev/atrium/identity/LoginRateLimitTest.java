package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Failed sign-ins are limited per account and per client address. Low limits need an application
 * of their own; the window is long enough that no test straddles two windows.
 *
 * <p>Requests go to 127.0.0.1; where the system lets a client bind other loopback addresses
 * (Linux does), they also show that a limit hits only its own account or address.
 */
@IntegrationTest
@TestPropertySource(
        properties = {
            "atrium.login.max-failures-per-account=" + LoginRateLimitTest.PER_ACCOUNT,
            "atrium.login.max-failures-per-address=" + LoginRateLimitTest.PER_ADDRESS,
            "atrium.login.window=P3650D"
        })
class LoginRateLimitTest {
    static final int PER_ACCOUNT = 3;
    static final int PER_ADDRESS = 10;
    private static final String LOOPBACK = "127.0.0.1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    Identity identity;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Environment env;

    /**
     * Every request of these tests comes from the loopback address: each test starts with that
     * address's failures forgotten, as after its window.
     */
    @BeforeEach
    void forgetAddressFailures() {
        jdbc.sql("DELETE FROM login_failures WHERE scope = 'address'").update();
    }

    @Test
    void failuresForOneAccountLockItEvenForTheRightPassword() {
        String email = Fixtures.uniqueEmail("locked");
        identity.createUser(email, Fixtures.PASSWORD, "Locked");
        String other = Fixtures.uniqueEmail("unaffected");
        identity.createUser(other, Fixtures.PASSWORD, "Unaffected");

        // Failures count against the account whatever the casing of its address.
        String[] spellings = {email, email.toUpperCase(Locale.ROOT), " " + email + " "};
        for (int i = 0; i < PER_ACCOUNT; i++) {
            var r = login(null, spellings[i % spellings.length], "wrong password " + i);
            assertThat(r.status()).as(r.toString()).isEqualTo(401);
            assertThat(r.text("code")).isEqualTo("invalid_credentials");
        }
        for (String password : new String[] {Fixtures.PASSWORD, "still wrong password"}) {
            var blocked = login(null, email, password);
            assertThat(blocked.status()).as(blocked.toString()).isEqualTo(429);
            assertThat(blocked.text("code")).isEqualTo("too_many_attempts");
            assertThat(blocked.header("Content-Type")).startsWith("application/problem+json");
            assertThat(blocked.json().has("token")).isFalse();
        }

        // Another account from the same address is not affected.
        assertThat(login(null, other, Fixtures.PASSWORD).status()).isEqualTo(201);
        // The lock is on the account: another address does not lift it.
        InetAddress elsewhere = otherLoopback("127.0.0.2");
        if (elsewhere != null) {
            assertThat(login(elsewhere, email, Fixtures.PASSWORD).status()).isEqualTo(429);
        }

        // An address nobody registered is limited the same way, so the limit reveals no accounts.
        String unknown = Fixtures.uniqueEmail("ghost");
        for (int i = 0; i < PER_ACCOUNT; i++) {
            assertThat(login(null, unknown, "wrong password " + i).status()).isEqualTo(401);
        }
        assertThat(login(null, unknown, "wrong password").status()).isEqualTo(429);
    }

    @Test
    void failuresFromOneAddressBlockItForEveryAccount() {
        String victim = Fixtures.uniqueEmail("victim");
        identity.createUser(victim, Fixtures.PASSWORD, "Victim");
        assertThat(login(null, victim, Fixtures.PASSWORD).status()).isEqualTo(201);

        // One address tries many accounts, each below its own limit, until the address is spent.
        for (int i = 0; i < PER_ADDRESS; i++) {
            var r = login(null, Fixtures.uniqueEmail("spray"), "wrong password");
            assertThat(r.status()).as("failure " + (i + 1) + ": " + r).isEqualTo(401);
        }
        assertThat(addressFailures(LOOPBACK)).isEqualTo(PER_ADDRESS);

        var blocked = login(null, victim, Fixtures.PASSWORD);
        assertThat(blocked.status()).as(blocked.toString()).isEqualTo(429);
        assertThat(blocked.text("code")).isEqualTo("too_many_attempts");
        String fresh = Fixtures.uniqueEmail("fresh");
        identity.createUser(fresh, Fixtures.PASSWORD, "Fresh");
        assertThat(login(null, fresh, Fixtures.PASSWORD).status()).isEqualTo(429);

        // The accounts themselves are not locked: from another address they sign in.
        InetAddress elsewhere = otherLoopback("127.0.0.3");
        if (elsewhere != null) {
            assertThat(login(elsewhere, victim, Fixtures.PASSWORD).status()).isEqualTo(201);
        }
    }

    @Test
    void aBurstOfConcurrentGuessesGetsNoMoreTriesThanTheLimit() throws Exception {
        String email = Fixtures.uniqueEmail("burst");
        identity.createUser(email, Fixtures.PASSWORD, "Burst");
        int n = 24;
        var start = new CountDownLatch(1);
        List<Integer> statuses;
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String guess = "guess number " + i;
                calls.add(pool.submit(() -> {
                    start.await();
                    return login(null, email, guess).status();
                }));
            }
            start.countDown();
            statuses = new ArrayList<>();
            for (var c : calls) statuses.add(c.get());
        }
        assertThat(statuses).containsOnly(401, 429);
        assertThat(statuses.stream().filter(s -> s == 401).count())
                .as("passwords actually checked: " + statuses)
                .isEqualTo(PER_ACCOUNT);
        assertThat(login(null, email, Fixtures.PASSWORD).status()).isEqualTo(429);
        assertThat(addressFailures(LOOPBACK)).isEqualTo(PER_ACCOUNT);
    }

    private int addressFailures(String address) {
        return jdbc.sql("""
                        SELECT COALESCE(max(failures), 0) FROM login_failures
                        WHERE scope = 'address' AND subject = :a
                        """).param("a", address).query(Integer.class).single();
    }

    /** Signs in from {@code from} (the default local address when null) to 127.0.0.1. */
    private Api.Response login(@Nullable InetAddress from, String email, String password) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (from != null) builder.localAddress(from);
        try (HttpClient http = builder.build()) {
            var request = HttpRequest.newBuilder(URI.create(
                            "http://" + LOOPBACK + ":" + env.getProperty("local.server.port") + "/api/v1/auth/tokens"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            JSON.writeValueAsString(Map.of("email", email, "password", password))))
                    .build();
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Api.Response(r.statusCode(), r.body(), r.headers().map());
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    /** Another loopback address this system lets a client bind to, or null. */
    private static @Nullable InetAddress otherLoopback(String address) {
        try (Socket s = new Socket()) {
            InetAddress a = InetAddress.getByName(address);
            s.bind(new InetSocketAddress(a, 0));
            return a;
        } catch (IOException e) {
            return null;
        }
    }
}
