package dev.atrium.organization;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

@IntegrationTest
class OrganizationLifecycleTest {
    @Autowired
    Fixtures fixtures;

    @Test
    void creatingAnOrganizationMakesTheCreatorOwnerOfItsPrimaryWorkspace() {
        var owner = fixtures.person("creator");
        var api = fixtures.api().as(owner.token());
        var org = api.post("/api/v1/organizations", Map.of("name", "Acme Agency"));
        assertThat(org.status()).isEqualTo(201);
        String orgId = org.text("id");
        String primary = org.text("primary_workspace_id");

        var me = api.get("/api/v1/me").json();
        assertThat(me.path("organizations").get(0).path("role").asString()).isEqualTo("owner");
        assertThat(me.path("organizations").get(0).path("default_workspace_id").asString())
                .isEqualTo(primary);

        var ws = api.get("/api/v1/organizations/" + orgId + "/workspaces/" + primary)
                .json();
        assertThat(ws.path("primary").asBoolean()).isTrue();
        var members = api.get("/api/v1/organizations/" + orgId + "/workspaces/" + primary + "/members")
                .json();
        assertThat(members.path("data").get(0).path("role").asString()).isEqualTo("admin");
    }
}
