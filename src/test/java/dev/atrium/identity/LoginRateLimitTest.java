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
 * Failed sign-ins are throttled with growing delays per account and per client address, never
 * locked: the right password succeeds once the delay is over, at once from a device the account
 * signed in from before, and a throttled attempt says when to retry. Low allowances and a short
 * base delay need an application of their own.
 *
 * <p>Requests go to 127.0.0.1, which is configured as a trusted proxy; where the system lets a
 * client bind other loopback addresses (Linux does), they also show that a delay hits only its own
 * account or address, and that an untrusted client's {@code X-Forwarded-For} is ignored.
 */
@IntegrationTest
@TestPropertySource(
        properties = {
            "atrium.login.free-failures-per-account=" + LoginRateLimitTest.PER_ACCOUNT,
            "atrium.login.free-failures-per-address=" + LoginRateLimitTest.PER_ADDRESS,
            "atrium.login.base-delay=PT1S",
            "atrium.login.max-delay=PT4S",
            "atrium.login.trusted-proxies=127.0.0.1"
        })
class LoginRateLimitTest {
    static final int PER_ACCOUNT = 3;
    static final int PER_ADDRESS = 10;
    private static final String LOOPBACK = "127.0.0.1";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    Identity identity;

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Environment env;

    /** Every test starts with all sign-in failures forgotten, as after a quiet day. */
    @BeforeEach
    void forgetFailures() {
        jdbc.sql("DELETE FROM login_throttle").update();
    }

    @Test
    void wrongPasswordsDelayTheAccountWithGrowingDelaysAndTheRightPasswordSucceedsAfterThem() throws Exception {
        String email = Fixtures.uniqueEmail("delayed");
        identity.createUser(email, Fixtures.PASSWORD, "Delayed");
        String other = Fixtures.uniqueEmail("unaffected");
        identity.createUser(other, Fixtures.PASSWORD, "Unaffected");

        // Failures count against the account whatever the casing of its address.
        String[] spellings = {email, email.toUpperCase(Locale.ROOT), " " + email + " "};
        for (int i = 0; i < PER_ACCOUNT; i++) {
            var r = login(null, spellings[i % spellings.length], "wrong password " + i, null);
            assertThat(r.status()).as(r.toString()).isEqualTo(401);
            assertThat(r.text("code")).isEqualTo("invalid_credentials");
        }
        // Within the delay nothing is checked, the right password neither; the answer says when to retry.
        for (String password : new String[] {Fixtures.PASSWORD, "still wrong password"}) {
            var delayed = login(null, email, password, null);
            assertThat(delayed.status()).as(delayed.toString()).isEqualTo(429);
            assertThat(delayed.text("code")).isEqualTo("too_many_attempts");
            assertThat(delayed.header("Content-Type")).startsWith("application/problem+json");
            assertThat(delayed.header("Retry-After")).isEqualTo("1");
            assertThat(delayed.json().has("token")).isFalse();
        }
        // Another account from the same address is not affected.
        assertThat(login(null, other, Fixtures.PASSWORD, null).status()).isEqualTo(201);

        // After the delay a password is checked again; another failure doubles the delay.
        Thread.sleep(1100);
        assertThat(login(null, email, "wrong again", null).status()).isEqualTo(401);
        var longer = login(null, email, Fixtures.PASSWORD, null);
        assertThat(longer.status()).isEqualTo(429);
        assertThat(longer.header("Retry-After")).isEqualTo("2");
        Thread.sleep(2100);
        var signedIn = login(null, email, Fixtures.PASSWORD, null);
        assertThat(signedIn.status()).as(signedIn.toString()).isEqualTo(201);
        // A success forgets the account's failures: the allowance is whole again.
        for (int i = 0; i < PER_ACCOUNT; i++) {
            assertThat(login(null, email, "wrong password " + i, null).status()).isEqualTo(401);
        }

        // An address nobody registered is throttled the same way, so the delays reveal no accounts.
        String unknown = Fixtures.uniqueEmail("ghost");
        for (int i = 0; i < PER_ACCOUNT; i++) {
            assertThat(login(null, unknown, "wrong password " + i, null).status())
                    .isEqualTo(401);
        }
        assertThat(login(null, unknown, "wrong password", null).status()).isEqualTo(429);
    }

    @Test
    void aDeviceThatSignedInBeforeSignsInWhileTheAccountIsDelayed() {
        String email = Fixtures.uniqueEmail("device");
        identity.createUser(email, Fixtures.PASSWORD, "Device");
        var first = login(null, email, Fixtures.PASSWORD, null);
        assertThat(first.status()).isEqualTo(201);
        String cookie = deviceCookie(first);
        assertThat(cookie).startsWith("atrium_device=atr_dev_");

        // Someone else guesses the password until the account is delayed.
        for (int i = 0; i < PER_ACCOUNT; i++) {
            assertThat(login(null, email, "guess " + i, null).status()).isEqualTo(401);
        }
        assertThat(login(null, email, Fixtures.PASSWORD, null).status()).isEqualTo(429);
        // The owner's device is not held up by the account's delay.
        var owner = login(null, email, Fixtures.PASSWORD, cookie);
        assertThat(owner.status()).as(owner.toString()).isEqualTo(201);
        // Its cookie is of no use for another account.
        String other = Fixtures.uniqueEmail("other");
        identity.createUser(other, Fixtures.PASSWORD, "Other");
        for (int i = 0; i < PER_ACCOUNT; i++) {
            assertThat(login(null, other, "guess " + i, cookie).status()).isEqualTo(401);
        }
        assertThat(login(null, other, Fixtures.PASSWORD, cookie).status()).isEqualTo(429);
    }

    @Test
    void failuresFromOneAddressDelayItButLockNobodyOut() throws Exception {
        String victim = Fixtures.uniqueEmail("victim");
        identity.createUser(victim, Fixtures.PASSWORD, "Victim");
        var known = login(null, victim, Fixtures.PASSWORD, null);
        assertThat(known.status()).isEqualTo(201);
        String fresh = Fixtures.uniqueEmail("fresh");
        identity.createUser(fresh, Fixtures.PASSWORD, "Fresh");

        // One address tries many accounts, each below its own allowance, until the address is delayed.
        for (int i = 0; i < PER_ADDRESS; i++) {
            var r = login(null, Fixtures.uniqueEmail("spray"), "wrong password", null);
            assertThat(r.status()).as("failure " + (i + 1) + ": " + r).isEqualTo(401);
        }
        var delayed = login(null, fresh, Fixtures.PASSWORD, null);
        assertThat(delayed.status()).as(delayed.toString()).isEqualTo(429);
        assertThat(delayed.header("Retry-After")).isEqualTo("1");
        // A device that signed in before is not held up by its address.
        assertThat(login(null, victim, Fixtures.PASSWORD, deviceCookie(known)).status())
                .isEqualTo(201);
        // The accounts themselves are not delayed: from another address they sign in.
        InetAddress elsewhere = otherLoopback("127.0.0.3");
        if (elsewhere != null) {
            assertThat(login(elsewhere, fresh, Fixtures.PASSWORD, null).status())
                    .isEqualTo(201);
        }
        // And after the delay, from this address too.
        Thread.sleep(1100);
        assertThat(login(null, fresh, Fixtures.PASSWORD, null).status()).isEqualTo(201);
    }

    @Test
    void aBurstOfConcurrentGuessesGetsNoMoreTriesThanTheAllowance() throws Exception {
        String email = Fixtures.uniqueEmail("burst");
        identity.createUser(email, Fixtures.PASSWORD, "Burst");
        int n = 24;
        var start = new CountDownLatch(1);
        List<Api.Response> responses;
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<Api.Response>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String guess = "guess number " + i;
                calls.add(pool.submit(() -> {
                    start.await();
                    return login(null, email, guess, null);
                }));
            }
            start.countDown();
            responses = new ArrayList<>();
            for (var c : calls) responses.add(c.get());
        }
        List<Integer> statuses = responses.stream().map(Api.Response::status).toList();
        assertThat(statuses).containsOnly(401, 429);
        assertThat(statuses.stream().filter(s -> s == 401).count())
                .as("passwords actually checked: " + statuses)
                .isEqualTo(PER_ACCOUNT);
        assertThat(responses.stream().filter(r -> r.status() == 429))
                .allSatisfy(r -> assertThat(r.header("Retry-After")).isNotBlank());
        // The last checked guess put the account under a delay (it may be over by now on a slow machine).
        assertThat(jdbc.sql("SELECT count(*) FROM login_throttle WHERE scope = 'account' AND subject = :s"
                                + " AND blocked_until IS NOT NULL")
                        .param("s", email)
                        .query(Long.class)
                        .single())
                .isEqualTo(1L);
        assertThat(failures("address", LOOPBACK)).isEqualTo(PER_ACCOUNT);
    }

    @Test
    void aDelayIsRecordedInTheAuditLogOfTheUsersOrganizations() {
        var t = fixtures.tenant("Delay Audit Org");
        for (int i = 0; i < PER_ACCOUNT; i++) {
            assertThat(login(null, t.owner().email(), "guess " + i, null).status())
                    .isEqualTo(401);
        }
        var events = fixtures.api()
                .as(t.owner().token())
                .get(t.path() + "/audit-events?action=user.sign_in_delayed")
                .json()
                .path("data");
        assertThat(events).hasSize(1);
        var event = events.get(0);
        assertThat(event.path("target_id").asString()).isEqualTo(t.owner().userId());
        assertThat(event.path("actor_type").asString()).isEqualTo("client");
        assertThat(event.path("actor_id").asString()).isEqualTo(LOOPBACK);
        assertThat(event.path("after").path("scope").asString()).isEqualTo("account");
        assertThat(event.path("after").path("failures").asInt()).isEqualTo(PER_ACCOUNT);
    }

    @Test
    void forwardedForCountsOnlyFromATrustedProxy() {
        // 127.0.0.1 is a trusted proxy: the client it names is the address throttled.
        for (int i = 0; i < PER_ADDRESS; i++) {
            assertThat(login(null, Fixtures.uniqueEmail("spray"), "wrong", null, "198.51.100.7")
                            .status())
                    .isEqualTo(401);
        }
        assertThat(failures("address", "198.51.100.7")).isEqualTo(PER_ADDRESS);
        assertThat(failures("address", LOOPBACK)).isZero();
        String user = Fixtures.uniqueEmail("behind-proxy");
        identity.createUser(user, Fixtures.PASSWORD, "Behind");
        assertThat(login(null, user, Fixtures.PASSWORD, null, "198.51.100.7").status())
                .isEqualTo(429);
        assertThat(login(null, user, Fixtures.PASSWORD, null, "198.51.100.8").status())
                .isEqualTo(201);
        // Another client cannot pick the address it is throttled by.
        InetAddress untrusted = otherLoopback("127.0.0.4");
        if (untrusted != null) {
            assertThat(login(untrusted, Fixtures.uniqueEmail("spoof"), "wrong", null, "198.51.100.9")
                            .status())
                    .isEqualTo(401);
            assertThat(failures("address", "127.0.0.4")).isEqualTo(1);
            assertThat(failures("address", "198.51.100.9")).isZero();
        }
    }

    private int failures(String scope, String subject) {
        return jdbc.sql("""
                        SELECT COALESCE(max(failures), 0) FROM login_throttle
                        WHERE scope = :scope AND subject = :s
                        """)
                .param("scope", scope)
                .param("s", subject)
                .query(Integer.class)
                .single();
    }

    /** The device cookie a successful sign-in set, as a request's Cookie header. */
    private static String deviceCookie(Api.Response r) {
        String set = r.header("Set-Cookie");
        assertThat(set).as(r.toString()).isNotNull();
        return set.substring(0, set.indexOf(';'));
    }

    private Api.Response login(@Nullable InetAddress from, String email, String password, @Nullable String cookie) {
        return login(from, email, password, cookie, null);
    }

    /** Signs in from {@code from} (the default local address when null) to 127.0.0.1. */
    private Api.Response login(
            @Nullable InetAddress from,
            String email,
            String password,
            @Nullable String cookie,
            @Nullable String forwardedFor) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (from != null) builder.localAddress(from);
        try (HttpClient http = builder.build()) {
            var request = HttpRequest.newBuilder(URI.create(
                            "http://" + LOOPBACK + ":" + env.getProperty("local.server.port") + "/api/v1/auth/tokens"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            JSON.writeValueAsString(Map.of("email", email, "password", password))));
            if (cookie != null) request.header("Cookie", cookie);
            if (forwardedFor != null) request.header("X-Forwarded-For", forwardedFor);
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
