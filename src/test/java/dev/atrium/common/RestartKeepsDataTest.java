package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.AtriumApplication;
import dev.atrium.support.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/** Stopping and starting Atrium on the same data directory keeps every organization, user and token. */
class RestartKeepsDataTest {

    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(AtriumApplication.class)
                .run(
                        "--server.port=0",
                        "--atrium.data-dir=" + dataDir,
                        "--atrium.database.url=",
                        "--atrium.setup-token=atr_setup_restart-test");
    }

    private static Api api(ConfigurableApplicationContext app) {
        return new Api("http://localhost:" + app.getEnvironment().getProperty("local.server.port"), null);
    }

    @Test
    void aRestartOnTheSameDataDirectoryKeepsAllData() throws Exception {
        Path dataDir = Files.createTempDirectory(Path.of("target"), "restart-");
        try {
            String token;
            String orgId;
            String workspaceId;
            try (var first = start(dataDir)) {
                var setup = api(first)
                        .withHeader("X-Setup-Token", "atr_setup_restart-test")
                        .post(
                                "/api/v1/setup",
                                Map.of(
                                        "email", "first@example.com",
                                        "password", "a long enough password",
                                        "name", "First",
                                        "organization_name", "Before Restart"));
                assertThat(setup.status()).as(setup.toString()).isEqualTo(201);
                token = setup.text("token");
                orgId = setup.json().path("organization").path("id").asString();
                var ws = api(first)
                        .as(token)
                        .post(
                                "/api/v1/organizations/" + orgId + "/workspaces",
                                Map.of("name", "Survives", "kind", "client"));
                assertThat(ws.status()).isEqualTo(201);
                workspaceId = ws.text("id");
            }
            assertThat(dataDir.resolve("postgres/PG_VERSION")).exists();

            try (var second = start(dataDir)) {
                Api api = api(second).as(token);
                assertThat(api.get("/api/v1/organizations/" + orgId).text("name"))
                        .isEqualTo("Before Restart");
                assertThat(api.get("/api/v1/organizations/" + orgId + "/workspaces/" + workspaceId)
                                .text("name"))
                        .isEqualTo("Survives");
                var login = api(second)
                        .post(
                                "/api/v1/auth/tokens",
                                Map.of("email", "first@example.com", "password", "a long enough password"));
                assertThat(login.status()).isEqualTo(201);
                var again = api(second)
                        .withHeader("X-Setup-Token", "atr_setup_restart-test")
                        .post(
                                "/api/v1/setup",
                                Map.of(
                                        "email",
                                        "x@example.com",
                                        "password",
                                        "a long enough password",
                                        "name",
                                        "X",
                                        "organization_name",
                                        "X"));
                assertThat(again.status()).isEqualTo(409);
            }
        } finally {
            FileSystemUtils.deleteRecursively(dataDir);
        }
    }
}
