package dev.atrium.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.AtriumApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * An Atrium of its own whose PostgreSQL sits behind a {@link TcpProxy}, for outage tests: set up with
 * an owner and an organization holding {@code credits}; {@link #proxy()} cuts and restores the
 * database, {@link #database()} reaches it past the proxy.
 */
public final class ProxiedAtrium implements AutoCloseable {
    private final Path dataDir;
    private final EmbeddedPostgres postgres;
    private final TcpProxy proxy;
    private final ConfigurableApplicationContext app;
    private final String base;
    private final String token;
    private final String orgPath;

    public ProxiedAtrium(String name, String credits, String... settings) throws IOException {
        dataDir = Files.createTempDirectory(Path.of("target"), name + "-");
        postgres = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start();
        proxy = new TcpProxy(postgres.getPort());
        String setupToken = "atr_setup_" + name;
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--atrium.data-dir=" + dataDir,
                "--atrium.database.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + "/postgres",
                "--atrium.database.user=postgres",
                "--atrium.database.pool-size=5",
                "--atrium.setup-token=" + setupToken));
        args.addAll(List.of(settings));
        app = new SpringApplicationBuilder(AtriumApplication.class).run(args.toArray(String[]::new));
        base = "http://localhost:" + app.getEnvironment().getProperty("local.server.port");
        var setup = anonymous()
                .withHeader("X-Setup-Token", setupToken)
                .post(
                        "/api/v1/setup",
                        Map.of(
                                "email",
                                name + "@example.com",
                                "password",
                                "a long enough password",
                                "name",
                                "Owner",
                                "organization_name",
                                name));
        assertThat(setup.status()).as(setup.toString()).isEqualTo(201);
        token = setup.text("token");
        orgPath = "/api/v1/organizations/"
                + setup.json().path("organization").path("id").asString();
        assertThat(owner().post(orgPath + "/credits/grants", Map.of("amount", credits, "kind", "promotional"))
                        .status())
                .isEqualTo(201);
    }

    public String base() {
        return base;
    }

    public Api anonymous() {
        return new Api(base, null);
    }

    /** The owner's personal access token, and a client that sends it. */
    public String token() {
        return token;
    }

    public Api owner() {
        return anonymous().as(token);
    }

    /** {@code /api/v1/organizations/{org}}. */
    public String org() {
        return orgPath;
    }

    public TcpProxy proxy() {
        return proxy;
    }

    /** The database itself, past the proxy. */
    public DataSource database() {
        return postgres.getPostgresDatabase();
    }

    @Override
    public void close() throws IOException {
        try {
            app.close();
            proxy.close();
            postgres.close();
        } finally {
            FileSystemUtils.deleteRecursively(dataDir);
        }
    }
}
