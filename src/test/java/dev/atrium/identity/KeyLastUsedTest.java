package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Tenant;
import dev.atrium.support.IntegrationTest;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Authentication reads the credential on every request (so revocation is immediate) and writes
 * {@code last_used_at} at most once a minute, for personal tokens and organization keys alike.
 */
@IntegrationTest
class KeyLastUsedTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    Identity identity;

    @Autowired
    JdbcClient jdbc;

    @Test
    void lastUsedIsRecordedOnFirstUseThenAtMostOnceAMinute() {
        Tenant t = fixtures.tenant("Last Used Org");
        String wsKey = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        String adminKey = fixtures.adminKey(t);
        for (String token : new String[] {wsKey, adminKey, t.owner().token()}) {
            String table = token.startsWith("atr_pat_") ? "personal_tokens" : "org_keys";
            String id = identity.resolve(token).orElseThrow().credential().value();
            Instant first = lastUsed(table, id).orElseThrow();

            // Used again within the minute: no write.
            set(table, id, Instant.now().minusSeconds(30));
            Instant recent = lastUsed(table, id).orElseThrow();
            assertThat(identity.resolve(token)).isPresent();
            assertThat(lastUsed(table, id)).contains(recent);

            // Used after more than a minute: recorded again.
            set(table, id, Instant.now().minusSeconds(120));
            assertThat(identity.resolve(token)).isPresent();
            assertThat(lastUsed(table, id).orElseThrow()).isAfterOrEqualTo(first.truncatedTo(ChronoUnit.SECONDS));
            assertThat(lastUsed(table, id).orElseThrow()).isAfter(Instant.now().minusSeconds(60));
        }
    }

    @Test
    void aTokenOfOneKindIsNeverLookedUpAsAnother() {
        Tenant t = fixtures.tenant("Prefix Org");
        String wsKey = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        assertThat(identity.resolve(wsKey)).isPresent();
        // The same secret under another type prefix is another digest: unknown.
        assertThat(identity.resolve("atr_pat_" + wsKey.substring("atr_ws_".length())))
                .isEmpty();
        assertThat(identity.resolve("atr_adm_" + wsKey.substring("atr_ws_".length())))
                .isEmpty();
    }

    private Optional<Instant> lastUsed(String table, String id) {
        return jdbc.sql("SELECT last_used_at FROM " + table + " WHERE id = :id")
                .param("id", id)
                .query((rs, n) -> Optional.ofNullable(rs.getTimestamp(1)).map(Timestamp::toInstant))
                .single();
    }

    private void set(String table, String id, Instant at) {
        jdbc.sql("UPDATE " + table + " SET last_used_at = :at WHERE id = :id")
                .param("at", Timestamp.from(at))
                .param("id", id)
                .update();
    }
}
