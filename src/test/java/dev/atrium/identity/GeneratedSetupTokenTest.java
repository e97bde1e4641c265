package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With no {@code atrium.setup-token} configured, the server generates one at start and writes it
 * to {@code <data-dir>/setup-token}; that file's content unlocks setup, once.
 */
@IntegrationTest
class GeneratedSetupTokenTest {
    private static final Path DATA_DIR =
            Path.of("target", "test-data-setup-" + UUID.randomUUID()).toAbsolutePath();

    @DynamicPropertySource
    static void freshDataDirectoryAndNoConfiguredToken(DynamicPropertyRegistry registry) {
        registry.add("atrium.data-dir", DATA_DIR::toString);
        registry.add("atrium.setup-token", () -> "");
    }

    @Autowired
    Fixtures fixtures;

    @Test
    void theGeneratedTokenIsWrittenUnderTheDataDirectoryAndUnlocksSetupOnce() throws Exception {
        Path file = DATA_DIR.resolve("setup-token");
        assertThat(file).exists();
        String token = Files.readString(file, StandardCharsets.UTF_8).strip();
        assertThat(token).startsWith("atr_setup_");
        assertThat(Secrets.randomBytes(token).length).as("random bytes").isGreaterThanOrEqualTo(16);
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertThat(Files.getPosixFilePermissions(file))
                    .as("readable by the server's user only")
                    .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        }

        // The test suite's configured token means nothing here, nor does a wrong one.
        for (String wrong : new String[] {IntegrationTest.SETUP_TOKEN, "atr_setup_" + "A".repeat(32), ""}) {
            var r = fixtures.api()
                    .withHeader("X-Setup-Token", wrong)
                    .post("/api/v1/setup", SetupTest.body("owner@example.com"));
            assertThat(r.status()).as("'" + wrong + "': " + r).isEqualTo(401);
        }

        var setup = fixtures.api()
                .withHeader("X-Setup-Token", token)
                .post("/api/v1/setup", SetupTest.body("Owner@Example.com"));
        assertThat(setup.status()).as(setup.toString()).isEqualTo(201);
        assertThat(setup.json().path("user").path("email").asString()).isEqualTo("owner@example.com");
        var me = fixtures.api().as(setup.text("token")).get("/api/v1/me");
        assertThat(me.status()).isEqualTo(200);
        assertThat(me.json().path("organizations").get(0).path("role").asString())
                .isEqualTo("owner");

        // Used up: the file is gone and the token now meets a completed setup.
        assertThat(file).doesNotExist();
        var again = fixtures.api()
                .withHeader("X-Setup-Token", token)
                .post("/api/v1/setup", SetupTest.body(Fixtures.uniqueEmail("second")));
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.text("code")).isEqualTo("setup_complete");
    }
}
