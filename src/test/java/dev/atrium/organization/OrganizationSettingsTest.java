package dev.atrium.organization;

import static dev.atrium.common.Problems.assertInvalid;
import static dev.atrium.common.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@IntegrationTest
class OrganizationSettingsTest {
    @Autowired
    Fixtures fixtures;

    @Test
    void membersReadTheOrganizationAndOutsidersGetNotFound() {
        var t = fixtures.tenant("Readable Org");
        var member = fixtures.addMember(t, "member", null);
        var outsider = fixtures.person("outsider");

        var asMember = fixtures.api().as(member.token()).get(t.path());
        assertThat(asMember.status()).isEqualTo(200);
        assertThat(asMember.text("id")).isEqualTo(t.orgId());
        assertThat(asMember.text("name")).isEqualTo("Readable Org");
        assertThat(asMember.text("primary_workspace_id")).isEqualTo(t.primaryWorkspaceId());
        assertThat(asMember.text("created_at")).isNotBlank();

        assertProblem(fixtures.api().as(outsider.token()).get(t.path()), 404, "not_found");
        assertProblem(fixtures.api().get(t.path()), 401, "unauthorized");
    }

    @Test
    void renamingIsAuditedWithBeforeAndAfter() {
        var t = fixtures.tenant("Old Name");
        var api = fixtures.api().as(t.owner().token());

        var renamed = api.patch(t.path(), Map.of("name", "  New Name  "));
        assertThat(renamed.status()).as(renamed.toString()).isEqualTo(200);
        assertThat(renamed.text("name")).isEqualTo("New Name");
        assertThat(api.get(t.path()).text("name")).isEqualTo("New Name");

        var events = api.get(t.path() + "/audit-events?action=organization.updated")
                .json()
                .path("data");
        assertThat(events).hasSize(1);
        var e = events.get(0);
        assertThat(e.path("actor_type").asString()).isEqualTo("user");
        assertThat(e.path("actor_id").asString()).isEqualTo(t.owner().userId());
        assertThat(e.path("target_type").asString()).isEqualTo("organization");
        assertThat(e.path("target_id").asString()).isEqualTo(t.orgId());
        assertThat(e.path("before").path("name").asString()).isEqualTo("Old Name");
        assertThat(e.path("after").path("name").asString()).isEqualTo("New Name");
    }

    @Test
    void adminsMayRenameButPlainMembersMayNot() {
        var t = fixtures.tenant("Guarded Name");
        var admin = fixtures.addMember(t, "admin", null);
        var member = fixtures.addMember(t, "member", null);
        var billing = fixtures.addMember(t, "billing", null);

        assertProblem(fixtures.api().as(member.token()).patch(t.path(), Map.of("name", "Hijacked")), 403, "forbidden");
        assertProblem(fixtures.api().as(billing.token()).patch(t.path(), Map.of("name", "Hijacked")), 403, "forbidden");
        var byAdmin = fixtures.api().as(admin.token()).patch(t.path(), Map.of("name", "By Admin"));
        assertThat(byAdmin.status()).isEqualTo(200);
        assertThat(byAdmin.text("name")).isEqualTo("By Admin");
    }

    @Test
    void blankOrOverlongNamesAreRefusedNamingTheField() {
        var t = fixtures.tenant("Valid Name");
        var api = fixtures.api().as(t.owner().token());
        String tooLong = "x".repeat(201);

        for (String bad : new String[] {"", "   ", tooLong}) {
            assertInvalid(api.post("/api/v1/organizations", Map.of("name", bad)), "name");
            assertInvalid(api.patch(t.path(), Map.of("name", bad)), "name");
        }
        var missing = new HashMap<String, Object>();
        missing.put("name", null);
        assertInvalid(api.post("/api/v1/organizations", missing), "name");
        assertInvalid(api.post("/api/v1/organizations", Map.of()), "name");

        var exactly200 = api.post("/api/v1/organizations", Map.of("name", "y".repeat(200)));
        assertThat(exactly200.status()).isEqualTo(201);
        assertThat(api.get(t.path()).text("name")).isEqualTo("Valid Name");
    }

    @Test
    void organizationsAreCreatedOnlyWithAPersonalToken() {
        var t = fixtures.tenant("Key Holder");
        String adminKey = fixtures.adminKey(t);
        String wsKey = fixtures.workspaceKey(t, t.primaryWorkspaceId());

        assertProblem(
                fixtures.api().as(adminKey).post("/api/v1/organizations", Map.of("name", "Via key")), 403, "forbidden");
        assertProblem(
                fixtures.api().as(wsKey).post("/api/v1/organizations", Map.of("name", "Via key")), 403, "forbidden");
        assertProblem(fixtures.api().post("/api/v1/organizations", Map.of("name", "Anonymous")), 401, "unauthorized");
    }
}
