package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Tenant;
import dev.atrium.support.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Keys die with what they belong to: their workspace, or the member they are bound to. */
@IntegrationTest
class KeyRevocationTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Test
    void deletingAWorkspaceRevokesItsKeys() {
        Tenant t = fixtures.tenant("Deletion Org");
        String ws = fixtures.workspace(t, "Campaign");
        var member = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, member, "member");
        var owner = fixtures.api().as(t.owner().token());
        var unbound = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "server"));
        var bound = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "bound", "user_id", member.userId()));
        String primaryKey = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        for (var key : new String[] {unbound.text("key"), bound.text("key")}) {
            assertThat(fixtures.api().as(key).get(t.ws(ws)).status()).isEqualTo(200);
        }

        var deleted = owner.delete(t.ws(ws));
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json().path("keys_revoked").asInt()).isEqualTo(2);

        // The keys are refused as credentials (401), not merely pointed at a missing workspace (404).
        for (var key : new String[] {unbound.text("key"), bound.text("key")}) {
            assertThat(fixtures.api().as(key).get(t.ws(ws)).status()).isEqualTo(401);
            assertThat(fixtures.api().as(key).get(t.path()).status()).isEqualTo(401);
        }
        assertThat(jdbc.sql("SELECT count(*) FROM org_keys WHERE org_id = :org AND workspace_id = :ws"
                                + " AND revoked_at IS NULL")
                        .param("org", t.orgId())
                        .param("ws", ws)
                        .query(Long.class)
                        .single())
                .isZero();
        // Other workspaces' keys are untouched.
        assertThat(fixtures.api()
                        .as(primaryKey)
                        .get(t.ws(t.primaryWorkspaceId()))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void removingAMemberFromTheOrganizationRevokesTheKeysBoundToThem() {
        Tenant t = fixtures.tenant("Removal Org");
        String ws = fixtures.workspace(t, "Department");
        var leaving = fixtures.addMember(t, "member", null);
        var staying = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, leaving, "member");
        fixtures.assign(t, ws, staying, "member");
        var owner = fixtures.api().as(t.owner().token());
        String primary = t.ws(t.primaryWorkspaceId());
        String leavingInPrimary = owner.post(primary + "/api-keys", Map.of("name", "a", "user_id", leaving.userId()))
                .text("key");
        String leavingInWs = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "b", "user_id", leaving.userId()))
                .text("key");
        // A member may issue a key for themselves; it is bound to them.
        var selfIssued = fixtures.api().as(leaving.token()).post(t.ws(ws) + "/api-keys", Map.of("name", "mine"));
        assertThat(selfIssued.status()).as(selfIssued.toString()).isEqualTo(201);
        assertThat(selfIssued.text("user_id")).isEqualTo(leaving.userId());
        String stayingKey = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "c", "user_id", staying.userId()))
                .text("key");
        String unboundKey =
                owner.post(t.ws(ws) + "/api-keys", Map.of("name", "d")).text("key");

        assertThat(fixtures.api().as(leavingInPrimary).get(primary).status()).isEqualTo(200);
        assertThat(fixtures.api().as(leavingInWs).get(t.ws(ws)).status()).isEqualTo(200);

        var removed = owner.delete(t.path() + "/members/" + leaving.userId());
        assertThat(removed.status()).as(removed.toString()).isEqualTo(204);

        assertThat(fixtures.api().as(leavingInPrimary).get(primary).status()).isEqualTo(401);
        assertThat(fixtures.api().as(leavingInWs).get(t.ws(ws)).status()).isEqualTo(401);
        assertThat(fixtures.api().as(selfIssued.text("key")).get(t.ws(ws)).status())
                .isEqualTo(401);
        assertThat(fixtures.api().as(stayingKey).get(t.ws(ws)).status()).isEqualTo(200);
        assertThat(fixtures.api().as(unboundKey).get(t.ws(ws)).status()).isEqualTo(200);
        var listed = owner.get(t.ws(ws) + "/api-keys").json().path("data");
        for (var k : listed) {
            boolean wasLeaving = leaving.userId().equals(k.path("user_id").asString());
            assertThat(k.path("status").asString()).isEqualTo(wasLeaving ? "revoked" : "active");
        }
    }

    @Test
    void unassigningAMemberFromAWorkspaceRevokesTheirKeysThere() {
        Tenant t = fixtures.tenant("Unassign Org");
        String ws = fixtures.workspace(t, "Engagement");
        var member = fixtures.addMember(t, "member", null);
        fixtures.assign(t, ws, member, "member");
        var owner = fixtures.api().as(t.owner().token());
        String inWs = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "ws", "user_id", member.userId()))
                .text("key");
        String primary = t.ws(t.primaryWorkspaceId());
        String inPrimary = owner.post(primary + "/api-keys", Map.of("name", "p", "user_id", member.userId()))
                .text("key");
        assertThat(fixtures.api().as(inWs).get(t.ws(ws)).status()).isEqualTo(200);

        var unassigned = owner.delete(t.ws(ws) + "/members/" + member.userId());
        assertThat(unassigned.status()).as(unassigned.toString()).isEqualTo(204);

        // The key is bound to someone no longer in its workspace: it stops at once.
        assertThat(fixtures.api().as(inWs).get(t.ws(ws)).status()).isEqualTo(401);
        // Their key in a workspace they still belong to keeps working.
        assertThat(fixtures.api().as(inPrimary).get(primary).status()).isEqualTo(200);
    }
}
