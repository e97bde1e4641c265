package dev.atrium.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

/** Without {@code ATRIUM_REPORTS_DATABASE_URL} nothing changes: one pool, and reports say nothing of staleness. */
@IntegrationTest
class ReportReadsWithoutReplicaTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    DataSource dataSource;

    @Autowired
    ApplicationContext context;

    @Autowired
    ReportReads reads;

    @Test
    void reportsAreReadFromTheOnlyDatabaseWithoutStalenessHeaders() {
        assertThat(reads.replicaConfigured()).isFalse();
        assertThat(dataSource).isInstanceOf(HikariDataSource.class);
        assertThat(context.getBeanNamesForType(ReportsReplica.class)).isEmpty();
        var t = fixtures.tenant("No Replica");
        var owner = fixtures.api().as(t.owner().token());
        String range = "start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z";
        for (String path : List.of(
                t.path() + "/usage?" + range,
                t.path() + "/usage?" + range + "&format=csv",
                t.path() + "/usage/summary?" + range,
                t.path() + "/forecast",
                t.path() + "/credits/entries",
                t.ws(t.primaryWorkspaceId()) + "/conversations?q=anything")) {
            var r = owner.get(path);
            assertThat(r.status()).as(path + ": " + r).isEqualTo(200);
            assertThat(r.header(ReportReads.DATA_AS_OF)).as(path).isNull();
            assertThat(r.header(ReportReads.DATA_SOURCE)).as(path).isNull();
        }
    }
}
