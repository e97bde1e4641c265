package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * After issuing every kind of secret, no table holds any of them in plain text: not the token,
 * not its random part, not that part's bytes, nor the passwords.
 */
@IntegrationTest
class NoPlaintextSecretsTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    @Test
    void noTableHoldsAnIssuedSecretOrAPassword() {
        var t = fixtures.tenant("Plaintext Scan");
        var owner = fixtures.api().as(t.owner().token());
        String ws = fixtures.workspace(t, "Scanned");
        Map<String, String> secrets = new LinkedHashMap<>();

        // A user with a password of their own, through an invitation.
        String password = "plaintext-probe " + UUID.randomUUID();
        var invitation = owner.post(
                t.path() + "/invitations",
                Map.of("email", Fixtures.uniqueEmail("scan"), "role", "member", "workspace_id", ws));
        assertThat(invitation.status()).as(invitation.toString()).isEqualTo(201);
        secrets.put("accepted invitation", invitation.text("token"));
        var accepted = fixtures.api()
                .post(
                        "/api/v1/invitations/" + invitation.text("token") + "/accept",
                        Map.of("name", "Scan", "password", password));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(200);
        String memberId = accepted.json().path("user").path("id").asString();
        var pending = owner.post(t.path() + "/invitations", Map.of("email", Fixtures.uniqueEmail("pending")));
        assertThat(pending.status()).isEqualTo(201);
        secrets.put("pending invitation", pending.text("token"));

        // Personal tokens: the fixture's, one with an expiry, one revoked.
        secrets.put("fixture personal token", t.owner().token());
        var member = fixtures.api()
                .post(
                        "/api/v1/auth/tokens",
                        Map.of("email", invitation.text("email"), "password", password, "name", "scan"));
        assertThat(member.status()).isEqualTo(201);
        secrets.put("member personal token", member.text("token"));
        var expiring = fixtures.api()
                .post(
                        "/api/v1/auth/tokens",
                        Map.of(
                                "email",
                                t.owner().email(),
                                "password",
                                Fixtures.PASSWORD,
                                "expires_at",
                                "2099-01-01T00:00:00Z"));
        assertThat(expiring.status()).isEqualTo(201);
        secrets.put("expiring personal token", expiring.text("token"));
        var revokedPat = fixtures.api()
                .post("/api/v1/auth/tokens", Map.of("email", t.owner().email(), "password", Fixtures.PASSWORD));
        secrets.put("revoked personal token", revokedPat.text("token"));
        assertThat(fixtures.api()
                        .as(revokedPat.text("token"))
                        .delete("/api/v1/auth/tokens/" + revokedPat.text("id"))
                        .status())
                .isEqualTo(204);

        // Admin keys, one revoked, one used (so that its last use is recorded).
        var adm = owner.post(t.path() + "/admin-keys", Map.of("name", "scan"));
        secrets.put("admin key", adm.text("key"));
        assertThat(fixtures.api().as(adm.text("key")).get(t.path()).status()).isEqualTo(200);
        var revokedAdm = owner.post(t.path() + "/admin-keys", Map.of("name", "scan-revoked"));
        secrets.put("revoked admin key", revokedAdm.text("key"));
        owner.delete(t.path() + "/admin-keys/" + revokedAdm.text("id"));

        // Workspace keys: unbound, bound, issued by an admin key, revoked, and in a deleted workspace.
        var wsKey = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "scan"));
        secrets.put("workspace key", wsKey.text("key"));
        assertThat(fixtures.api().as(wsKey.text("key")).get(t.ws(ws)).status()).isEqualTo(200);
        var bound = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "bound", "user_id", memberId));
        assertThat(bound.status()).as(bound.toString()).isEqualTo(201);
        secrets.put("bound workspace key", bound.text("key"));
        var byAdminKey = fixtures.api()
                .as(adm.text("key"))
                .post(t.ws(t.primaryWorkspaceId()) + "/api-keys", Map.of("name", "by-admin-key"));
        assertThat(byAdminKey.status()).as(byAdminKey.toString()).isEqualTo(201);
        secrets.put("workspace key issued by an admin key", byAdminKey.text("key"));
        var revokedWs = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "scan-revoked"));
        secrets.put("revoked workspace key", revokedWs.text("key"));
        owner.delete(t.ws(ws) + "/api-keys/" + revokedWs.text("id"));
        String doomed = fixtures.workspace(t, "Doomed");
        secrets.put("key of a deleted workspace", fixtures.workspaceKey(t, doomed));
        assertThat(owner.delete(t.ws(doomed)).status()).isEqualTo(200);

        secrets.values().forEach(s -> assertThat(s).isNotBlank());
        List<String> needles = new ArrayList<>(List.of(password, Fixtures.PASSWORD));
        secrets.values().forEach(s -> needles.addAll(Secrets.needles(s)));

        List<String> tables = jdbc.sql("""
                        SELECT table_name FROM information_schema.tables
                        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name
                        """).query(String.class).list();
        assertThat(tables).contains("users", "personal_tokens", "org_keys", "invitations", "audit_events");
        int rowsScanned = 0;
        boolean sawMember = false;
        List<String> leaks = new ArrayList<>();
        for (String table : tables) {
            String quoted = "\"" + table.replace("\"", "\"\"") + "\"";
            List<String> rows = jdbc.sql("SELECT CAST(t AS text) FROM public." + quoted + " t")
                    .query(String.class)
                    .list();
            rowsScanned += rows.size();
            for (String row : rows) {
                if (table.equals("users") && row.contains(memberId)) sawMember = true;
                for (String needle : needles) {
                    if (row.contains(needle)) leaks.add(table + " holds '" + needle + "': " + row);
                }
            }
        }
        assertThat(leaks).isEmpty();
        // The scan does read the rows: it finds what is stored in plain text, such as user ids.
        assertThat(sawMember).isTrue();
        assertThat(rowsScanned).isGreaterThan(secrets.size());

        // The scan sees what is stored: each token's digest is there, in the table it belongs to.
        for (var e : secrets.entrySet()) {
            String table = switch (Secrets.typePrefix(e.getValue())) {
                case "atr_pat_" -> "personal_tokens";
                case "atr_inv_" -> "invitations";
                default -> "org_keys";
            };
            String column = table.equals("invitations") ? "token_hash" : "secret_hash";
            assertThat(jdbc.sql("SELECT count(*) FROM " + table + " WHERE " + column + " = :hash")
                            .param("hash", Secrets.sha256(e.getValue()))
                            .query(Long.class)
                            .single())
                    .as(e.getKey())
                    .isEqualTo(1);
        }
    }
}
