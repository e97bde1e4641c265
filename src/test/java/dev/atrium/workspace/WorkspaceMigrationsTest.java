package dev.atrium.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Migrations that bring existing data under the workspace rules, each run on data written as it
 * could be before it, in a transaction that is rolled back: active workspace names made unique
 * (the Primary, then the oldest, keeps a name; later ones get a free numbered suffix), and
 * members whose default workspace was archived moved to the Primary.
 */
@IntegrationTest
class WorkspaceMigrationsTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    JdbcTemplate jdbcTemplate;

    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void existingDuplicatesGetAFreeNumberedSuffix() throws Exception {
        var t = fixtures.tenant("Duplicates Org");
        var other = fixtures.tenant("Other Duplicates Org");
        String script = new String(
                new ClassPathResource("db/migration/V110__workspaces_unique_active_names.sql")
                        .getInputStream()
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        String longName = "L".repeat(200);
        Map<String, String> names = new LinkedHashMap<>();
        new TransactionTemplate(transactions).executeWithoutResult(tx -> {
            jdbc.sql("DROP INDEX workspaces_active_name_key").update();
            names.put(insert(t.orgId(), "ws_dup_a", "Acme", "active", 1), "Acme");
            names.put(insert(t.orgId(), "ws_dup_b", "ACME", "active", 2), "ACME (3)");
            names.put(insert(t.orgId(), "ws_dup_c", "acme", "active", 3), "acme (4)");
            names.put(insert(t.orgId(), "ws_dup_d", "Acme (2)", "active", 0), "Acme (2)");
            names.put(insert(t.orgId(), "ws_dup_e", "Acme", "archived", 4), "Acme");
            names.put(insert(t.orgId(), "ws_dup_f", "primary workspace", "active", -1), "primary workspace (2)");
            names.put(insert(t.orgId(), "ws_dup_g", longName, "active", 5), longName);
            names.put(insert(t.orgId(), "ws_dup_h", longName, "active", 6), "L".repeat(196) + " (2)");
            names.put(insert(other.orgId(), "ws_dup_i", "Acme", "active", 7), "Acme");

            jdbcTemplate.execute(script);

            names.forEach((id, expected) -> assertThat(jdbc.sql("SELECT name FROM workspaces WHERE id = :id")
                            .param("id", id)
                            .query(String.class)
                            .single())
                    .as(id)
                    .isEqualTo(expected));
            assertThat(jdbc.sql("SELECT name FROM workspaces WHERE id = :id")
                            .param("id", t.primaryWorkspaceId())
                            .query(String.class)
                            .single())
                    .isEqualTo("Primary Workspace");
            assertThat(jdbc.sql("SELECT count(*) FROM pg_indexes WHERE indexname = 'workspaces_active_name_key'")
                            .query(Long.class)
                            .single())
                    .isEqualTo(1);
            tx.setRollbackOnly();
        });
    }

    @Test
    void membersWhoseDefaultWasArchivedBeforeMoveToThePrimary() throws Exception {
        var t = fixtures.tenant("Stranded Org");
        String ws = fixtures.workspace(t, "Archived long ago");
        var stranded = fixtures.addMember(t, "member", ws);
        var elsewhere = fixtures.addMember(t, "member", null);
        String script = new String(
                new ClassPathResource("db/migration/V111__members_off_archived_defaults.sql")
                        .getInputStream()
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        new TransactionTemplate(transactions).executeWithoutResult(tx -> {
            // As archiving left it before the rule: the workspace archived, the default unchanged.
            jdbc.sql("UPDATE workspaces SET status = 'archived', archived_at = now() WHERE id = :ws")
                    .param("ws", ws)
                    .update();

            jdbcTemplate.execute(script);

            assertThat(defaultOf(t.orgId(), stranded.userId())).isEqualTo(t.primaryWorkspaceId());
            assertThat(defaultOf(t.orgId(), elsewhere.userId())).isEqualTo(t.primaryWorkspaceId());
            assertThat(jdbc.sql("""
                                    SELECT role FROM workspace_members
                                    WHERE org_id = :org AND workspace_id = :ws AND user_id = :user
                                    """)
                            .param("org", t.orgId())
                            .param("ws", t.primaryWorkspaceId())
                            .param("user", stranded.userId())
                            .query(String.class)
                            .single())
                    .isEqualTo("member");
            // Still assigned to the archived workspace: its history stays theirs.
            assertThat(jdbc.sql("SELECT count(*) FROM workspace_members WHERE workspace_id = :ws AND user_id = :user")
                            .param("ws", ws)
                            .param("user", stranded.userId())
                            .query(Long.class)
                            .single())
                    .isEqualTo(1);
            jdbc.sql("SET CONSTRAINTS ALL IMMEDIATE").update();
            tx.setRollbackOnly();
        });
    }

    private String defaultOf(String org, String user) {
        return jdbc.sql("SELECT default_workspace_id FROM org_members WHERE org_id = :org AND user_id = :user")
                .param("org", org)
                .param("user", user)
                .query(String.class)
                .single();
    }

    private String insert(String org, String id, String name, String status, int minutes) {
        jdbc.sql("""
                        INSERT INTO workspaces (org_id, id, name, kind, description, is_primary, status, created_by,
                                                created_at, archived_at)
                        VALUES (:org, :id, :name, 'other', '', false, :status, 'usr_test', :at,
                                CASE WHEN :status = 'archived' THEN CAST(:at AS timestamptz) END)
                        """)
                .param("org", org)
                .param("id", id)
                .param("name", name)
                .param("status", status)
                .param(
                        "at",
                        Timestamp.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(60L * minutes)))
                .update();
        return id;
    }
}
