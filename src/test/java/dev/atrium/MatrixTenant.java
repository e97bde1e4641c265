package dev.atrium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Person;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One organization with a caller of every kind, built through the API: workspaces WA1 (under test)
 * and WA2, members with each org and workspace role, and keys. Remembers every name, email, id and
 * key it creates as {@link #secrets}: none of them may show in an answer that refuses a request.
 */
final class MatrixTenant {
    /** A key: its id (in paths and lists) and its secret (to call with). */
    record Key(String id, String secret) {}

    final String label;
    final Fixtures.Tenant tenant;
    final String name;
    final String ws1;
    final String ws1Name;
    final String ws2;
    final String ws2Name;
    final Person owner;
    final Person admin;
    final Person billing;
    final Person wsAdmin;
    final Person wsMember;
    final Person wsViewer;
    final Person otherWsMember;
    /** A plain org member assigned to WA1: the standing target of member rows. */
    final Person target;
    /** An org member not assigned to WA1: the standing candidate for assignment. */
    final Person candidate;

    final Key adminKey;
    /** An admin key nobody calls with: the standing target of revocation. */
    final Key spareAdminKey;
    /** An unbound key of WA1: the standing target of revocation. */
    final Key ws1Key;
    /** WA1's key issued by its member for themselves (bound to them). */
    final Key ws1BoundKey;

    final Key ws2Key;
    /** A pending invitation: the standing target of revocation and of sending again. */
    final String invitation;

    final Set<String> secrets = new LinkedHashSet<>();
    private final Fixtures fixtures;

    MatrixTenant(Fixtures fixtures, String label) {
        this.fixtures = fixtures;
        this.label = label;
        String tag = UUID.randomUUID().toString().substring(0, 8);
        name = "Org " + label + " " + tag;
        tenant = fixtures.tenant(name);
        owner = tenant.owner();
        ws1Name = "Client " + label + "1 " + tag;
        ws2Name = "Client " + label + "2 " + tag;
        ws1 = fixtures.workspace(tenant, ws1Name);
        ws2 = fixtures.workspace(tenant, ws2Name);
        admin = fixtures.addMember(tenant, "admin", null);
        billing = fixtures.addMember(tenant, "billing", null);
        wsAdmin = fixtures.addMember(tenant, "member", null);
        wsMember = fixtures.addMember(tenant, "member", null);
        wsViewer = fixtures.addMember(tenant, "member", null);
        otherWsMember = fixtures.addMember(tenant, "member", ws2);
        target = fixtures.addMember(tenant, "member", null);
        candidate = fixtures.addMember(tenant, "member", null);
        fixtures.assign(tenant, ws1, wsAdmin, "admin");
        fixtures.assign(tenant, ws1, wsMember, "member");
        fixtures.assign(tenant, ws1, wsViewer, "viewer");
        fixtures.assign(tenant, ws1, target, "member");
        adminKey = issue(owner.token(), tenant.path() + "/admin-keys", Map.of("name", "admin"));
        spareAdminKey = issue(owner.token(), tenant.path() + "/admin-keys", Map.of("name", "spare"));
        ws1Key = issue(owner.token(), tenant.ws(ws1) + "/api-keys", Map.of("name", "unbound"));
        ws1BoundKey = issue(wsMember.token(), tenant.ws(ws1) + "/api-keys", Map.of("name", "mine"));
        ws2Key = issue(owner.token(), tenant.ws(ws2) + "/api-keys", Map.of("name", "ws2"));
        invitation = newInvitation();

        secrets.addAll(Set.of(name, ws1Name, ws2Name, tenant.orgId(), tenant.primaryWorkspaceId(), ws1, ws2));
        for (Person p : Set.of(owner, admin, billing, wsAdmin, wsMember, wsViewer, otherWsMember, target, candidate)) {
            secrets.add(p.email());
            secrets.add(p.userId());
            secrets.add(p.token());
        }
        for (Key k : Set.of(adminKey, spareAdminKey, ws1Key, ws1BoundKey, ws2Key)) {
            secrets.add(k.id());
            secrets.add(k.secret());
        }
    }

    String orgId() {
        return tenant.orgId();
    }

    String path() {
        return tenant.path();
    }

    Api as(@Nullable String token) {
        return fixtures.api().as(token);
    }

    /** A new org member (invited and accepted, no token), assigned to WA1 as member when asked. */
    String newMember(boolean inWs1) {
        String email = Fixtures.uniqueEmail("fresh");
        var invite = as(owner.token()).post(path() + "/invitations", Map.of("email", email, "role", "member"));
        assertThat(invite.status()).as(invite.toString()).isEqualTo(201);
        var accept = as(null).post(
                        "/api/v1/invitations/" + invite.text("token") + "/accept",
                        Map.of("name", "fresh", "password", Fixtures.PASSWORD));
        assertThat(accept.status()).as(accept.toString()).isEqualTo(200);
        String user = accept.json().path("user").path("id").asString();
        secrets.add(email);
        secrets.add(user);
        if (inWs1) {
            var r = as(owner.token()).post(tenant.ws(ws1) + "/members", Map.of("user_id", user, "role", "member"));
            assertThat(r.status()).as(r.toString()).isEqualTo(201);
        }
        return user;
    }

    /** A new pending invitation for a fresh address; returns its id. */
    String newInvitation() {
        String email = Fixtures.uniqueEmail("pending");
        var invite = as(owner.token()).post(path() + "/invitations", Map.of("email", email, "role", "member"));
        assertThat(invite.status()).as(invite.toString()).isEqualTo(201);
        secrets.add(email);
        secrets.add(invite.text("id"));
        return invite.text("id");
    }

    /** A new workspace with WA1's workspace assignments (admin, member, viewer), archived when asked. */
    String newWs1Copy(boolean archived) {
        String copyName = "Copy of WA1 " + UUID.randomUUID().toString().substring(0, 8);
        String id = fixtures.workspace(tenant, copyName);
        secrets.add(copyName);
        secrets.add(id);
        fixtures.assign(tenant, id, wsAdmin, "admin");
        fixtures.assign(tenant, id, wsMember, "member");
        fixtures.assign(tenant, id, wsViewer, "viewer");
        if (archived) {
            var r = as(owner.token()).post(tenant.ws(id) + "/archive", null);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
        return id;
    }

    String newWs1Key() {
        return issue(owner.token(), tenant.ws(ws1) + "/api-keys", Map.of("name", "fresh"))
                .id();
    }

    String newAdminKey() {
        return issue(owner.token(), path() + "/admin-keys", Map.of("name", "fresh"))
                .id();
    }

    private Key issue(String token, String path, Map<String, Object> body) {
        var r = as(token).post(path, new HashMap<>(body));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        Key key = new Key(r.text("id"), r.text("key"));
        secrets.add(key.id());
        secrets.add(key.secret());
        return key;
    }
}
