package dev.atrium.organization;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** docs/domain.md: creating an organization atomically creates its Primary Workspace and the owner's membership. */
@IntegrationTest
class ConcurrentOrganizationCreationTest {
    private static final int THREADS = 20;

    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    record Created(Fixtures.Person owner, String orgId, String primary) {}

    @Test
    void twentyConcurrentCreationsBySameUserEachGetExactlyOnePrimaryWorkspace() throws Exception {
        var owner = fixtures.person("same-owner");
        List<Fixtures.Person> owners = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) owners.add(owner);
        List<Created> created = createConcurrently(owners);

        var me = fixtures.api().as(owner.token()).get("/api/v1/me");
        assertThat(me.status()).isEqualTo(200);
        Map<String, String> defaults = new HashMap<>();
        for (var m : me.json().path("organizations")) {
            assertThat(m.path("role").asString()).isEqualTo("owner");
            defaults.put(m.path("id").asString(), m.path("default_workspace_id").asString());
        }
        assertThat(defaults).hasSize(THREADS);
        for (Created c : created) {
            assertThat(defaults.get(c.orgId())).isEqualTo(c.primary());
        }
        assertEachHasOnePrimaryWorkspace(created);
    }

    @Test
    void twentyConcurrentCreationsByDistinctUsersEachGetExactlyOnePrimaryWorkspace() throws Exception {
        List<Fixtures.Person> owners = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) owners.add(fixtures.person("owner" + i));
        List<Created> created = createConcurrently(owners);

        for (Created c : created) {
            var me = fixtures.api().as(c.owner().token()).get("/api/v1/me").json();
            assertThat(me.path("organizations")).hasSize(1);
            assertThat(me.path("organizations").get(0).path("id").asString()).isEqualTo(c.orgId());
            assertThat(me.path("organizations").get(0).path("role").asString()).isEqualTo("owner");
            assertThat(me.path("organizations")
                            .get(0)
                            .path("default_workspace_id")
                            .asString())
                    .isEqualTo(c.primary());
        }
        assertEachHasOnePrimaryWorkspace(created);
    }

    private List<Created> createConcurrently(List<Fixtures.Person> owners) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Created>> futures = new ArrayList<>();
            for (int i = 0; i < owners.size(); i++) {
                Fixtures.Person owner = owners.get(i);
                String name = "Concurrent " + i;
                futures.add(pool.submit(() -> {
                    start.await();
                    var r = fixtures.api().as(owner.token()).post("/api/v1/organizations", Map.of("name", name));
                    assertThat(r.status()).as(r.toString()).isEqualTo(201);
                    return new Created(owner, r.text("id"), r.text("primary_workspace_id"));
                }));
            }
            start.countDown();
            List<Created> created = new ArrayList<>();
            for (var f : futures) created.add(f.get(60, TimeUnit.SECONDS));
            assertThat(created.stream().map(Created::orgId).distinct()).hasSize(owners.size());
            return created;
        } finally {
            pool.shutdownNow();
        }
    }

    private void assertEachHasOnePrimaryWorkspace(List<Created> created) {
        Map<String, Long> primaries = new HashMap<>();
        jdbc.sql("SELECT org_id, count(*) AS n FROM workspaces WHERE is_primary GROUP BY org_id")
                .query(rs -> {
                    primaries.put(rs.getString("org_id"), rs.getLong("n"));
                });
        // Every organization in the database, not only ours, has exactly one Primary Workspace.
        List<String> orgs =
                jdbc.sql("SELECT id FROM organizations").query(String.class).list();
        for (String org : orgs) {
            assertThat(primaries.get(org)).as("primary workspaces of " + org).isEqualTo(1L);
        }

        for (Created c : created) {
            assertThat(primaries.get(c.orgId())).isEqualTo(1L);
            Api api = fixtures.api().as(c.owner().token());
            String path = "/api/v1/organizations/" + c.orgId();

            var org = api.get(path);
            assertThat(org.status()).isEqualTo(200);
            assertThat(org.text("primary_workspace_id")).isEqualTo(c.primary());

            var workspaces = api.get(path + "/workspaces").json().path("data");
            assertThat(workspaces).hasSize(1);
            assertThat(workspaces.get(0).path("id").asString()).isEqualTo(c.primary());
            assertThat(workspaces.get(0).path("primary").asBoolean()).isTrue();
            assertThat(workspaces.get(0).path("status").asString()).isEqualTo("active");

            var members = api.get(path + "/members").json().path("data");
            assertThat(members).hasSize(1);
            assertThat(members.get(0).path("user_id").asString())
                    .isEqualTo(c.owner().userId());
            assertThat(members.get(0).path("role").asString()).isEqualTo("owner");
            assertThat(members.get(0).path("default_workspace_id").asString()).isEqualTo(c.primary());

            var wsMembers = api.get(path + "/workspaces/" + c.primary() + "/members")
                    .json()
                    .path("data");
            assertThat(wsMembers).hasSize(1);
            assertThat(wsMembers.get(0).path("user_id").asString())
                    .isEqualTo(c.owner().userId());
            assertThat(wsMembers.get(0).path("role").asString()).isEqualTo("admin");
        }
    }
}
