package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.AtriumApplication;
import dev.atrium.support.Api;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.util.FileSystemUtils;

/**
 * {@code ATRIUM_DATABASE_URL} mode against the machine's PostgreSQL (127.0.0.1:5432, database
 * {@code test}) in a schema of its own. Skipped, with a message saying so, when that server is not
 * reachable: the default test run never depends on it.
 */
class ExternalDatabaseTest {
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String USER = System.getProperty("atrium.test.external-user", "postgres");

    @Test
    void anExternalPostgresqlIsMigratedAndUsedInsteadOfTheEmbeddedOne() throws Exception {
        String schema =
                "atrium_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = connect()) {
            admin.createStatement().execute("CREATE SCHEMA " + schema);
        }
        Path dataDir = Files.createTempDirectory(Path.of("target"), "external-");
        try (var app = new SpringApplicationBuilder(AtriumApplication.class)
                .run(
                        "--server.port=0",
                        "--atrium.data-dir=" + dataDir,
                        "--atrium.database.url=" + SERVER + "?currentSchema=" + schema,
                        "--atrium.database.user=" + USER,
                        "--atrium.setup-token=atr_setup_external-test")) {
            assertThat(app.getBeanNamesForType(EmbeddedPostgres.class)).isEmpty();
            assertThat(dataDir.resolve("postgres")).doesNotExist();

            Api api = new Api("http://localhost:" + app.getEnvironment().getProperty("local.server.port"), null);
            var setup = api.withHeader("X-Setup-Token", "atr_setup_external-test")
                    .post(
                            "/api/v1/setup",
                            Map.of(
                                    "email",
                                    "ext@example.com",
                                    "password",
                                    "a long enough password",
                                    "name",
                                    "Ext",
                                    "organization_name",
                                    "External Co"));
            assertThat(setup.status()).as(setup.toString()).isEqualTo(201);

            try (Connection c = connect();
                    var rs = c.createStatement().executeQuery("SELECT name FROM " + schema + ".organizations")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("External Co");
            }
        } finally {
            try (Connection admin = connect()) {
                admin.createStatement().execute("DROP SCHEMA " + schema + " CASCADE");
            }
            FileSystemUtils.deleteRecursively(dataDir);
        }
    }

    private static Connection connect() {
        try {
            return DriverManager.getConnection(SERVER, USER, "");
        } catch (SQLException e) {
            Assumptions.abort("External PostgreSQL at 127.0.0.1:5432/test is not reachable (" + e.getMessage()
                    + "): external-database mode not exercised in this run.");
            throw new IllegalStateException(e);
        }
    }
}
