package dev.atrium.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.identity.Identity;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.test.context.TestComponent;
import org.springframework.core.env.Environment;

/**
 * Builds tenants through the public API. Users are created with the identity facade (the only
 * other way in is an invitation, which {@link #addMember} exercises).
 */
@TestComponent
public class Fixtures {
    public static final String PASSWORD = "correct horse battery staple";
    private final Identity identity;
    private final Environment env;

    Fixtures(Identity identity, Environment env) {
        this.identity = identity;
        this.env = env;
    }

    public Api api() {
        return new Api("http://localhost:" + env.getProperty("local.server.port"), null);
    }

    public String baseUrl() {
        return "http://localhost:" + env.getProperty("local.server.port");
    }

    /** A person with a personal access token. */
    public record Person(String userId, String email, String token) {}

    /** An organization with its owner. */
    public record Tenant(String orgId, String primaryWorkspaceId, Person owner) {
        public String path() {
            return "/api/v1/organizations/" + orgId;
        }

        public String ws(String workspaceId) {
            return path() + "/workspaces/" + workspaceId;
        }
    }

    public static String uniqueEmail(String hint) {
        return hint + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
    }

    public Person person(String hint) {
        String email = uniqueEmail(hint);
        var user = identity.createUser(email, PASSWORD, hint);
        var token = api().post("/api/v1/auth/tokens", Map.of("email", email, "password", PASSWORD, "name", "test"));
        assertThat(token.status()).as(token.toString()).isEqualTo(201);
        return new Person(user.id().value(), email, token.text("token"));
    }

    public Tenant tenant(String name) {
        Person owner = person("owner");
        var org = api().as(owner.token()).post("/api/v1/organizations", Map.of("name", name));
        assertThat(org.status()).as(org.toString()).isEqualTo(201);
        return new Tenant(org.text("id"), org.text("primary_workspace_id"), owner);
    }

    /** Creates a workspace as the owner; returns its id. */
    public String workspace(Tenant t, String name) {
        var ws = api().as(t.owner().token()).post(t.path() + "/workspaces", Map.of("name", name, "kind", "client"));
        assertThat(ws.status()).as(ws.toString()).isEqualTo(201);
        return ws.text("id");
    }

    /** Invites a new person with an org role (and optional workspace) and has them accept. */
    public Person addMember(Tenant t, String role, @Nullable String workspaceId) {
        String email = uniqueEmail(role);
        var body = new java.util.HashMap<String, Object>(Map.of("email", email, "role", role));
        if (workspaceId != null) body.put("workspace_id", workspaceId);
        var invite = api().as(t.owner().token()).post(t.path() + "/invitations", body);
        assertThat(invite.status()).as(invite.toString()).isEqualTo(201);
        var accept = api().post(
                        "/api/v1/invitations/" + invite.text("token") + "/accept",
                        Map.of("name", role, "password", PASSWORD));
        assertThat(accept.status()).as(accept.toString()).isEqualTo(200);
        var token = api().post("/api/v1/auth/tokens", Map.of("email", email, "password", PASSWORD));
        assertThat(token.status()).as(token.toString()).isEqualTo(201);
        return new Person(accept.json().path("user").path("id").asString(), email, token.text("token"));
    }

    /** Assigns an org member to a workspace with a workspace role, as the owner. */
    public void assign(Tenant t, String workspaceId, Person p, String role) {
        var r = api().as(t.owner().token())
                .post(t.ws(workspaceId) + "/members", Map.of("user_id", p.userId(), "role", role));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    public String workspaceKey(Tenant t, String workspaceId) {
        var r = api().as(t.owner().token()).post(t.ws(workspaceId) + "/api-keys", Map.of("name", "key"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.text("key");
    }

    public String adminKey(Tenant t) {
        var r = api().as(t.owner().token()).post(t.path() + "/admin-keys", Map.of("name", "admin"));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.text("key");
    }
}
