package dev.atrium.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.AtriumApplication;
import dev.atrium.common.ChangeFeed;
import dev.atrium.identity.Identity;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * Several Atrium nodes in this JVM, sharing one embedded PostgreSQL, as a cluster behind a load
 * balancer would: each is a whole application (its own Spring context, HTTP port, connection pool,
 * change feed and data directory under {@code target/}). For what must hold across nodes (a change
 * on one honoured by the others, a ledger no number of nodes can overspend).
 *
 * <pre>{@code
 * try (Nodes nodes = Nodes.builder().count(3).property("atrium.providers.demo.token-delay", "PT0S").start()) {
 *     Nodes.Owner owner = nodes.organization("Acme", "100"); // through node 0's API
 *     nodes.node(1).api().as(owner.token()).get("/v1/models"); // any node
 *     nodes.node(2).bean(ChangeFeed.class);                    // any bean of any node
 *     nodes.restart(1);                                        // a node stopped and started again
 * }
 * }</pre>
 *
 * Every node starts with the setup token {@link #SETUP_TOKEN}, background jobs on (as in production; switch them off
 * with {@code property("atrium.jobs.enabled", "false")}), 127.0.0.1 allowed as an outbound address
 * (local upstreams), one {@link #SECRET_KEY}, and a pool of {@code atrium.database.pool-size} (default here 5) connections.
 * {@link #start} returns once every node's change feed listens.
 */
public final class Nodes implements AutoCloseable {
    public static final String SETUP_TOKEN = "atr_setup_nodes";
    /** The key every node seals stored provider keys with (base64 of 32 bytes), as a cluster shares one. */
    public static final String SECRET_KEY = java.util.Base64.getEncoder().encodeToString(new byte[32]);

    private final EmbeddedPostgres postgres;
    private final Path root;
    private final Map<String, String> properties;
    private final List<ApplicationContextInitializer<ConfigurableApplicationContext>> initializers;
    private final List<@Nullable Node> nodes = new ArrayList<>();

    /** One running node: its base URL and its application context. */
    public record Node(int index, String baseUrl, ConfigurableApplicationContext context) {
        /** A client of this node's HTTP API, without credentials. */
        public Api api() {
            return new Api(baseUrl, null);
        }

        /** A bean of this node. */
        public <T> T bean(Class<T> type) {
            return context.getBean(type);
        }
    }

    /** An organization's owner (their user and personal token), the organization and its Primary Workspace. */
    public record Owner(Fixtures.Person person, String orgId, String primaryWorkspaceId) {
        /** The owner's personal access token. */
        public String token() {
            return person.token();
        }

        /** {@code /api/v1/organizations/{org}}. */
        public String orgPath() {
            return "/api/v1/organizations/" + orgId;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How many nodes, with which extra settings. */
    public static final class Builder {
        private int count = 2;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final List<ApplicationContextInitializer<ConfigurableApplicationContext>> initializers =
                new ArrayList<>();
        private String name = "nodes";

        public Builder count(int count) {
            if (count < 1) throw new IllegalArgumentException("at least one node");
            this.count = count;
            return this;
        }

        /** A setting every node starts with (as {@code --name=value}); overrides the defaults above. */
        public Builder property(String name, String value) {
            properties.put(name, value);
            return this;
        }

        /** Runs on each node's context before it is refreshed, e.g. to add a bean post-processor. */
        public Builder initializer(ApplicationContextInitializer<ConfigurableApplicationContext> initializer) {
            initializers.add(initializer);
            return this;
        }

        /** Names the data directories under {@code target/} (default {@code nodes}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Nodes start() throws IOException {
            return new Nodes(this);
        }
    }

    private Nodes(Builder b) throws IOException {
        this.properties = new LinkedHashMap<>(b.properties);
        this.initializers = List.copyOf(b.initializers);
        Files.createDirectories(Path.of("target"));
        this.root = Files.createTempDirectory(Path.of("target"), b.name + "-");
        this.postgres = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "300")
                .start();
        try {
            for (int i = 0; i < b.count; i++) nodes.add(launch(i));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    private Node launch(int index) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("server.port", "0");
        settings.put("atrium.data-dir", root.resolve("node-" + index).toString());
        settings.put("atrium.database.url", jdbcUrl());
        settings.put("atrium.database.user", "postgres");
        settings.put("atrium.database.pool-size", "5");
        settings.put("atrium.setup-token", SETUP_TOKEN);
        settings.put("atrium.login.free-failures-per-address", "100000");
        settings.put("atrium.outbound.allowed-hosts", "127.0.0.1");
        settings.put("atrium.secret-key", SECRET_KEY); // one cluster: one key for stored provider keys
        settings.putAll(properties);
        List<String> args = new ArrayList<>();
        settings.forEach((k, v) -> args.add("--" + k + "=" + v));
        SpringApplication app = new SpringApplication(AtriumApplication.class);
        initializers.forEach(app::addInitializers);
        ConfigurableApplicationContext context = app.run(args.toArray(String[]::new));
        ChangeFeed feed = context.getBean(ChangeFeed.class);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(feed::listening);
        String port = context.getEnvironment().getProperty("local.server.port");
        return new Node(index, "http://localhost:" + port, context);
    }

    /** Node {@code index} (from 0). */
    public Node node(int index) {
        Node node = nodes.get(index);
        if (node == null) throw new IllegalStateException("node " + index + " is stopped");
        return node;
    }

    /** The running nodes, in index order. */
    public List<Node> all() {
        return nodes.stream().filter(n -> n != null).map(n -> (Node) n).toList();
    }

    public int size() {
        return nodes.size();
    }

    /** Runs {@code action} on every running node. */
    public void each(Consumer<Node> action) {
        all().forEach(action);
    }

    /** Stops node {@code index} (a clean shutdown); its data directory stays for {@link #restart}. */
    public void stop(int index) {
        Node node = nodes.get(index);
        if (node != null) {
            node.context().close();
            nodes.set(index, null);
        }
    }

    /** Stops node {@code index} if it runs, and starts it again on the same data directory (a new port). */
    public Node restart(int index) {
        stop(index);
        Node node = launch(index);
        nodes.set(index, node);
        return node;
    }

    /** The shared database's JDBC URL. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
    }

    /** The shared database, outside every node. */
    public DataSource database() {
        return postgres.getPostgresDatabase();
    }

    /** A new user (made through node 0's identity facade) and a personal token of theirs. */
    public Fixtures.Person person(String hint) {
        String email = Fixtures.uniqueEmail(hint);
        var user = node(0).bean(Identity.class).createUser(email, Fixtures.PASSWORD, hint);
        var token = node(0).api()
                .post("/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD, "name", "test"));
        assertThat(token.status()).as(token.toString()).isEqualTo(201);
        return new Fixtures.Person(user.id().value(), email, token.text("token"));
    }

    /**
     * A new organization, owned by a new user, created through node 0's API and granted {@code
     * credits} (a decimal string; none when null).
     */
    public Owner organization(String name, @Nullable String credits) {
        Fixtures.Person person = person("owner");
        Api api = node(0).api().as(person.token());
        var org = api.post("/api/v1/organizations", Map.of("name", name));
        assertThat(org.status()).as(org.toString()).isEqualTo(201);
        Owner owner = new Owner(person, org.text("id"), org.text("primary_workspace_id"));
        if (credits != null) {
            var grant = api.post(owner.orgPath() + "/credits/grants", Map.of("amount", credits, "kind", "promotional"));
            assertThat(grant.status()).as(grant.toString()).isEqualTo(201);
        }
        return owner;
    }

    /**
     * A new person who joins the owner's organization with {@code role} (through an invitation, as
     * people do), and a personal token of theirs; they are in the Primary Workspace.
     */
    public Fixtures.Person member(Owner owner, String role) {
        String email = Fixtures.uniqueEmail(role);
        Api api = node(0).api();
        var invite = api.as(owner.token()).post(owner.orgPath() + "/invitations", Map.of("email", email, "role", role));
        assertThat(invite.status()).as(invite.toString()).isEqualTo(201);
        var accept = api.post(
                "/api/v1/invitations/" + invite.text("token") + "/accept",
                Map.of("name", role, "password", Fixtures.PASSWORD));
        assertThat(accept.status()).as(accept.toString()).isEqualTo(200);
        var token = api.post("/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD));
        assertThat(token.status()).as(token.toString()).isEqualTo(201);
        return new Fixtures.Person(accept.json().path("user").path("id").asString(), email, token.text("token"));
    }

    /** Stops every node, then the database, and removes the data directories. */
    @Override
    public void close() {
        try {
            for (int i = nodes.size() - 1; i >= 0; i--) {
                try {
                    stop(i);
                } catch (RuntimeException e) {
                    // the others still stop
                }
            }
            try {
                postgres.close();
            } catch (IOException e) {
                // the directories go anyway
            }
        } finally {
            FileSystemUtils.deleteRecursively(root.toFile());
        }
    }
}
