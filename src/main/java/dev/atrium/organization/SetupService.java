package dev.atrium.organization;

import dev.atrium.common.ApiException;
import dev.atrium.common.DataDirectory;
import dev.atrium.identity.Caller;
import dev.atrium.identity.Identity;
import dev.atrium.identity.IssuedToken;
import dev.atrium.identity.TokenCodec;
import dev.atrium.identity.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * First-run setup: while no user exists, the holder of the setup token creates the first user and
 * organization. The token is {@code ATRIUM_SETUP_TOKEN}, or one generated at start, printed and
 * written to {@code data/setup-token}.
 */
@Service
public class SetupService {
    private static final Logger log = LoggerFactory.getLogger(SetupService.class);
    private static final long SETUP_LOCK = 0x41545249554dL; // serialises concurrent setup attempts across nodes

    private final Identity identity;
    private final OrganizationService organizations;
    private final JdbcClient jdbc;
    private final Path tokenFile;
    private final String configuredToken;
    private volatile @Nullable String token;

    SetupService(
            Identity identity,
            OrganizationService organizations,
            JdbcClient jdbc,
            DataDirectory data,
            @Value("${atrium.setup-token:}") String configuredToken) {
        this.identity = identity;
        this.organizations = organizations;
        this.jdbc = jdbc;
        this.tokenFile = data.resolve("setup-token");
        this.configuredToken = configuredToken;
    }

    /** The result of setup: the first user, their organization and a personal token. */
    public record Result(User user, Organization organization, IssuedToken token) {}

    @EventListener(ApplicationReadyEvent.class)
    void announce(ApplicationReadyEvent event) throws IOException {
        if (identity.anyUser()) {
            Files.deleteIfExists(tokenFile);
            return;
        }
        String value = currentToken();
        Environment env = event.getApplicationContext().getEnvironment();
        String port = env.getProperty("local.server.port", env.getProperty("server.port", "8080"));
        log.info(
                """

                ================================================================
                 Atrium is ready for first-run setup.
                 Setup URL:   http://localhost:{}/setup
                 Setup token: {}
                 {}
                 API: curl -X POST http://localhost:{}/api/v1/setup -H 'X-Setup-Token: {}' \\
                        -H 'Content-Type: application/json' \\
                        -d '{"email":"you@example.com","password":"a long password","name":"You","organization_name":"Acme"}'
                ================================================================""",
                port,
                value,
                configuredToken.isBlank() ? "(also written to " + tokenFile + ")" : "(from ATRIUM_SETUP_TOKEN)",
                port,
                value);
    }

    /** The token that currently unlocks setup. */
    public synchronized String currentToken() throws IOException {
        if (token != null) return token;
        if (!configuredToken.isBlank()) {
            token = configuredToken.strip();
            return token;
        }
        if (Files.exists(tokenFile)) {
            token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            if (!token.isEmpty()) return token;
        }
        token = TokenCodec.generate("atr_setup_");
        Files.writeString(tokenFile, token + "\n", StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(
                    tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        return token;
    }

    @Transactional
    public Result setup(
            @Nullable String presentedToken, String email, String password, String name, String organizationName)
            throws IOException {
        String expected = currentToken();
        if (presentedToken == null
                || !MessageDigest.isEqual(
                        expected.getBytes(StandardCharsets.UTF_8),
                        presentedToken.strip().getBytes(StandardCharsets.UTF_8))) {
            throw ApiException.unauthorized();
        }
        jdbc.sql("SELECT pg_advisory_xact_lock(:key)")
                .param("key", SETUP_LOCK)
                .query(Object.class)
                .single();
        if (identity.anyUser()) {
            throw ApiException.conflict("setup_complete", "Setup has already been completed.");
        }
        OrganizationService.requireName(organizationName, "organization_name");
        User user = identity.createUser(email, password, name);
        IssuedToken pat = identity.issuePersonalToken(user.id(), "setup", null);
        Organization org = organizations.create(user.id(), new Caller.User(user.id(), pat.id()), organizationName);
        Files.deleteIfExists(tokenFile);
        return new Result(user, org, pat);
    }
}
