package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The live schema, as every migration leaves it, is laid out to be distributed by organization
 * (a sharded PostgreSQL such as Citus, with {@code org_id} as the distribution column): every
 * table holding an organization's data has {@code org_id} as the first column of its primary key,
 * and every foreign key between two such tables pairs {@code org_id} with {@code org_id}, so that
 * no constraint ever crosses from one organization's shard to another's.
 *
 * <p>The few tables that are not an organization's data are named here with the reason; a new
 * table must either carry {@code org_id} or be added to that list on purpose.
 */
@IntegrationTest
class SchemaDistributionTest {
    /** Tables that belong to no one organization (reference tables when distributed). */
    private static final Map<String, String> GLOBAL_TABLES = Map.ofEntries(
            Map.entry("organizations", "the distribution root: its primary key `id` is the organization id itself"),
            Map.entry("users", "a person may belong to several organizations"),
            Map.entry("personal_tokens", "a person's own sign-in tokens, across organizations"),
            Map.entry("known_devices", "a person's devices, across organizations"),
            Map.entry("user_two_factor", "a person's second sign-in factor, across organizations"),
            Map.entry("user_recovery_codes", "a person's two-factor recovery codes, across organizations"),
            Map.entry("login_throttle", "sign-in throttling by address and e-mail, before any organization is known"),
            Map.entry("media_blob_sweeps", "content-addressed media shared by hash, swept across organizations"),
            Map.entry("spring_session", "console sessions belong to a person, who may belong to several organizations"),
            Map.entry("spring_session_attributes", "the attributes of those sessions"),
            Map.entry("flyway_schema_history", "the migration log"));

    @Autowired
    JdbcClient jdbc;

    @Test
    void everyTableIsAnOrganizationsDataOrNamedAsGlobal() {
        List<String> unexplained = tables().stream()
                .filter(t -> !hasOrgId(t) && !GLOBAL_TABLES.containsKey(t))
                .toList();
        assertThat(unexplained)
                .as("tables without org_id that are not named as global; give them org_id or say why they are global")
                .isEmpty();
        assertThat(GLOBAL_TABLES.keySet())
                .as("every table named as global exists and has no org_id")
                .allSatisfy(t -> {
                    assertThat(tables()).contains(t);
                    assertThat(hasOrgId(t)).isFalse();
                });
    }

    @Test
    void everyTenantTablesPrimaryKeyStartsWithOrgId() {
        List<String> wrong = new ArrayList<>();
        for (String table : tables()) {
            if (!hasOrgId(table)) continue;
            List<String> key = jdbc.sql("""
                            SELECT a.attname
                            FROM pg_constraint k
                            CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS c(attnum, position)
                            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.attnum
                            WHERE k.conrelid = to_regclass(:table) AND k.contype = 'p'
                            ORDER BY c.position
                            """)
                    .param("table", "public." + table)
                    .query(String.class)
                    .list();
            if (key.isEmpty()) wrong.add(table + ": no primary key");
            else if (!key.getFirst().equals("org_id")) wrong.add(table + ": primary key " + key);
        }
        assertThat(wrong)
                .as("tenant tables whose primary key does not start with org_id")
                .isEmpty();
    }

    @Test
    void everyForeignKeyBetweenTenantTablesPairsOrgIdWithOrgId() {
        record ForeignKey(String name, String from, String to, List<String> columns, List<String> referenced) {}
        List<ForeignKey> keys = jdbc.sql("""
                        SELECT k.conname, c.relname AS from_table, r.relname AS to_table,
                               ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
                                     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i)
                                 AS columns,
                               ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
                                     JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)
                                 AS referenced
                        FROM pg_constraint k
                        JOIN pg_class c ON c.oid = k.conrelid
                        JOIN pg_class r ON r.oid = k.confrelid
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE k.contype = 'f' AND n.nspname = 'public'
                        ORDER BY 1
                        """)
                .query((rs, i) -> new ForeignKey(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        List.of((String[]) rs.getArray(4).getArray()),
                        List.of((String[]) rs.getArray(5).getArray())))
                .list();
        assertThat(keys).as("the schema has foreign keys to check").isNotEmpty();
        List<String> wrong = new ArrayList<>();
        for (ForeignKey key : keys) {
            boolean fromTenant = hasOrgId(key.from());
            if (!fromTenant) continue;
            if (key.to().equals("organizations")) {
                // The root: org_id references organizations.id, the distribution column itself.
                int at = key.columns().indexOf("org_id");
                if (at < 0 || !key.referenced().get(at).equals("id"))
                    wrong.add(key.name() + " " + key.from() + key.columns() + " → organizations" + key.referenced());
                continue;
            }
            if (!hasOrgId(key.to())) continue; // to a global (reference) table
            int at = key.columns().indexOf("org_id");
            if (at < 0 || !key.referenced().get(at).equals("org_id"))
                wrong.add(key.name() + " " + key.from() + key.columns() + " → " + key.to() + key.referenced());
        }
        assertThat(wrong)
                .as("foreign keys between tenant tables that do not pair org_id with org_id")
                .isEmpty();
    }

    private Set<String> tables() {
        return new TreeSet<>(jdbc.sql("""
                        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                        """).query(String.class).list());
    }

    private boolean hasOrgId(String table) {
        return jdbc.sql("""
                        SELECT EXISTS (SELECT 1 FROM pg_attribute
                                       WHERE attrelid = to_regclass(:table) AND attname = 'org_id'
                                         AND NOT attisdropped AND attnum > 0)
                        """)
                .param("table", "public." + table)
                .query(Boolean.class)
                .single();
    }
}
