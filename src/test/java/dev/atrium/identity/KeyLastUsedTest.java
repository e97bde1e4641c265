package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.atrium.common.NodeCaches;
import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Tenant;
import dev.atrium.support.IntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Authentication writes {@code last_used_at} at most once a minute per credential (and node), off the
 * request's path, for personal tokens and organization keys alike.
 */
@IntegrationTest
class KeyLastUsedTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    Identity identity;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    NodeCaches caches;

    @Test
    void lastUsedIsRecordedOnFirstUseThenAtMostOnceAMinute() throws InterruptedException {
        Tenant t = fixtures.tenant("Last Used Org");
        String wsKey = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        String adminKey = fixtures.adminKey(t);
        for (String token : new String[] {wsKey, adminKey, t.owner().token()}) {
            String table = token.startsWith("atr_pat_") ? "personal_tokens" : "org_keys";
            String id = identity.resolve(token).orElseThrow().credential().value();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> lastUsed(table, id).isPresent());
            Instant first = lastUsed(table, id).orElseThrow();

            // Used again within the minute: no write.
            set(table, id, Instant.now().minusSeconds(30));
            Instant recent = lastUsed(table, id).orElseThrow();
            assertThat(identity.resolve(token)).isPresent();
            Thread.sleep(300);
            assertThat(lastUsed(table, id)).contains(recent);

            // Read afresh (as a node that has not seen it yet does) after more than a minute: recorded again.
            set(table, id, Instant.now().minusSeconds(120));
            caches.clearAll();
            assertThat(identity.resolve(token)).isPresent();
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> lastUsed(table, id)
                            .orElseThrow()
                            .isAfter(Instant.now().minusSeconds(60)));
            assertThat(lastUsed(table, id).orElseThrow()).isAfterOrEqualTo(first.truncatedTo(ChronoUnit.SECONDS));
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
