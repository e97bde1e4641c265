package dev.atrium.usage;

import dev.atrium.common.OrgId;
import dev.atrium.common.SqlArrays;
import dev.atrium.common.WorkspaceId;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Gateway calls refused by a rate limit or a key's spend limit, per workspace and reason (table {@code rate_limit_refusals}). */
@Component
public class RefusalCounts {
    private final JdbcClient jdbc;

    RefusalCounts(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Workspace id → reason → calls refused in {@code [start, end)}; {@code workspaces} null: all of them. */
    public Map<String, Map<String, Long>> byWorkspace(
            OrgId org, Instant start, Instant end, @Nullable List<WorkspaceId> workspaces) {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        jdbc.sql("""
                        SELECT workspace_id, reason, SUM(refused) FROM rate_limit_refusals
                        WHERE org_id = :org AND minute >= :start AND minute < :end
                          AND (CAST(:all AS boolean) OR workspace_id = ANY (CAST(:ws AS text[])))
                        GROUP BY workspace_id, reason ORDER BY workspace_id, reason
                        """)
                .param("org", org.value())
                .param("start", Timestamp.from(start))
                .param("end", Timestamp.from(end))
                .param("all", workspaces == null)
                .param(
                        "ws",
                        SqlArrays.literal(
                                workspaces == null
                                        ? List.of()
                                        : workspaces.stream()
                                                .map(WorkspaceId::value)
                                                .toList()))
                .query(rs -> {
                    out.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), rs.getLong(3));
                });
        return out;
    }
}
