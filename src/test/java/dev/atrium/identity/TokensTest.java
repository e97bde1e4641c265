package dev.atrium.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.ChangeFeed;
import dev.atrium.common.UserId;
import dev.atrium.identity.internal.CredentialCache;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Personal access tokens, organization admin keys and workspace keys: each with its type prefix,
 * at least 128 random bits, shown once, stored only as a SHA-256 digest, revocable at once, and
 * rejected in exactly one way whether unknown, revoked or expired.
 */
@IntegrationTest
class TokensTest {
    private static final Pattern TOKEN = Pattern.compile("atr_(pat|adm|ws)_[A-Za-z0-9_-]+");

    @Autowired
    Fixtures fixtures;

    @Autowired
    Identity identity;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    ChangeFeed changes;

    // --- personal access tokens ---------------------------------------------------------------

    @Test
    void passwordIsExchangedForAPersonalTokenThatIdentifiesTheUser() {
        var t = fixtures.tenant("Pat Org");
        var issued = fixtures.api()
                .post(
                        "/api/v1/auth/tokens",
                        Map.of("email", t.owner().email(), "password", Fixtures.PASSWORD, "name", "laptop"));
        assertThat(issued.status()).as(issued.toString()).isEqualTo(201);
        assertThat(issued.text("id")).startsWith("key_");
        String token = issued.text("token");
        assertThat(token).startsWith("atr_pat_").matches(TOKEN);

        var me = fixtures.api().as(token).get("/api/v1/me");
        assertThat(me.status()).as(me.toString()).isEqualTo(200);
        assertThat(me.json().path("user").path("id").asString())
                .isEqualTo(t.owner().userId());
        assertThat(me.json().path("user").path("email").asString())
                .isEqualTo(t.owner().email());
        assertThat(me.json().path("user").has("password_hash")).isFalse();
        var orgs = me.json().path("organizations");
        assertThat(orgs.size()).isEqualTo(1);
        assertThat(orgs.get(0).path("id").asString()).isEqualTo(t.orgId());
        assertThat(orgs.get(0).path("name").asString()).isEqualTo("Pat Org");
        assertThat(orgs.get(0).path("role").asString()).isEqualTo("owner");
        assertThat(orgs.get(0).path("default_workspace_id").asString()).isEqualTo(t.primaryWorkspaceId());
    }

    @Test
    void wrongPasswordAndUnknownEmailGetTheSame401() {
        var p = fixtures.person("wrongpw");
        var api = fixtures.api().withHeader("X-Request-Id", "login-probe");
        var wrongPassword =
                api.post("/api/v1/auth/tokens", Map.of("email", p.email(), "password", "not the password at all"));
        var unknownEmail = api.post(
                "/api/v1/auth/tokens",
                Map.of("email", Fixtures.uniqueEmail("nobody"), "password", "not the password at all"));
        assertThat(wrongPassword.status()).isEqualTo(401);
        assertThat(wrongPassword.text("code")).isEqualTo("invalid_credentials");
        assertThat(Secrets.observe(unknownEmail)).isEqualTo(Secrets.observe(wrongPassword));
        assertThat(unknownEmail.body()).isEqualTo(wrongPassword.body());
    }

    @Test
    void personalTokensAreListedWithoutSecretsAndRevokedAtOnce() {
        var p = fixtures.person("patrevoke");
        var second = fixtures.api()
                .post("/api/v1/auth/tokens", Map.of("email", p.email(), "password", Fixtures.PASSWORD, "name", "ci"));
        assertThat(second.status()).isEqualTo(201);
        String other = second.text("token");

        var list = fixtures.api().as(p.token()).get("/api/v1/auth/tokens");
        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        assertThat(list.json().path("data").size()).isEqualTo(2);
        assertThat(list.body())
                .doesNotContain(p.token(), other, Secrets.randomPart(p.token()), Secrets.randomPart(other));
        for (var k : list.json().path("data")) {
            assertThat(k.has("token")).isFalse();
            assertThat(k.has("key")).isFalse();
            assertThat(k.has("secret_hash")).isFalse();
            assertThat(k.path("prefix").asString()).startsWith("atr_pat_");
            assertThat(k.path("status").asString()).isEqualTo("active");
        }

        var revoke = fixtures.api().as(p.token()).delete("/api/v1/auth/tokens/" + second.text("id"));
        assertThat(revoke.status()).as(revoke.toString()).isEqualTo(204);
        assertThat(fixtures.api().as(other).get("/api/v1/me").status()).isEqualTo(401);
        assertThat(fixtures.api().as(p.token()).get("/api/v1/me").status()).isEqualTo(200);

        // Another person's token is out of reach: the same 404 as an unknown id.
        var stranger = fixtures.person("stranger");
        var foreign = fixtures.api().as(stranger.token()).delete("/api/v1/auth/tokens/" + second.text("id"));
        assertThat(foreign.status()).isEqualTo(404);
        String ownId = list.json().path("data").get(0).path("id").asString().equals(second.text("id"))
                ? list.json().path("data").get(1).path("id").asString()
                : list.json().path("data").get(0).path("id").asString();
        assertThat(fixtures.api()
                        .as(stranger.token())
                        .delete("/api/v1/auth/tokens/" + ownId)
                        .status())
                .isEqualTo(404);
        assertThat(fixtures.api().as(p.token()).get("/api/v1/me").status()).isEqualTo(200);

        // A token can revoke itself; its very next request is refused.
        assertThat(fixtures.api()
                        .as(p.token())
                        .delete("/api/v1/auth/tokens/" + ownId)
                        .status())
                .isEqualTo(204);
        assertThat(fixtures.api().as(p.token()).get("/api/v1/me").status()).isEqualTo(401);
    }

    @Test
    void personalTokenStopsWorkingWhenItExpires() throws InterruptedException {
        var p = fixtures.person("expiring");
        Instant expiresAt = Instant.now().plusMillis(1500).truncatedTo(ChronoUnit.MILLIS);
        var issued = fixtures.api()
                .post(
                        "/api/v1/auth/tokens",
                        Map.of(
                                "email",
                                p.email(),
                                "password",
                                Fixtures.PASSWORD,
                                "name",
                                "short-lived",
                                "expires_at",
                                expiresAt.toString()));
        assertThat(issued.status()).as(issued.toString()).isEqualTo(201);
        assertThat(Instant.parse(issued.text("expires_at"))).isEqualTo(expiresAt);
        String token = issued.text("token");
        assertThat(fixtures.api().as(token).get("/api/v1/me").status()).isEqualTo(200);
        Thread.sleep(Math.max(0, expiresAt.toEpochMilli() - System.currentTimeMillis()) + 200);
        assertThat(fixtures.api().as(token).get("/api/v1/me").status()).isEqualTo(401);
    }

    // --- organization admin keys ----------------------------------------------------------------

    @Test
    void adminKeysAreIssuedShownOnceListedAndRevokedAtOnce() {
        var t = fixtures.tenant("Admin Key Org");
        var owner = fixtures.api().as(t.owner().token());
        var created = owner.post(t.path() + "/admin-keys", Map.of("name", "ci"));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String id = created.text("id");
        String key = created.text("key");
        assertThat(id).startsWith("key_");
        assertThat(key).startsWith("atr_adm_").matches(TOKEN);
        assertThat(key).startsWith(created.text("prefix"));
        assertThat(created.text("created_at")).isNotEmpty();

        // The key acts as an admin of its own organization and nowhere else.
        var asKey = fixtures.api().as(key);
        assertThat(asKey.get(t.path()).status()).isEqualTo(200);
        assertThat(asKey.get(t.path() + "/workspaces").status()).isEqualTo(200);
        var other = fixtures.tenant("Other Org");
        assertThat(asKey.get(other.path()).status()).isEqualTo(404);

        var list = owner.get(t.path() + "/admin-keys");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(key).doesNotContain(Secrets.randomPart(key));
        var listed = list.json().path("data");
        assertThat(listed.size()).isEqualTo(1);
        assertThat(listed.get(0).path("id").asString()).isEqualTo(id);
        assertThat(listed.get(0).path("name").asString()).isEqualTo("ci");
        assertThat(listed.get(0).path("status").asString()).isEqualTo("active");
        assertThat(listed.get(0).has("key")).isFalse();
        assertThat(listed.get(0).has("secret_hash")).isFalse();
        String prefix = listed.get(0).path("prefix").asString();
        assertThat(key).startsWith(prefix);
        // What the list shows leaves at least 128 secret bits (6 bits per base64url character shown).
        int shownBits = (prefix.length() - "atr_adm_".length()) * 6;
        assertThat(Secrets.randomBytes(key).length * 8 - shownBits).isGreaterThanOrEqualTo(128);

        // Neither the audit trail nor any later read shows the key.
        var audit = owner.get(t.path() + "/audit-events?limit=1000");
        assertThat(audit.status()).isEqualTo(200);
        assertThat(audit.body()).contains("admin_key.created").doesNotContain(Secrets.randomPart(key));

        var revoke = owner.delete(t.path() + "/admin-keys/" + id);
        assertThat(revoke.status()).as(revoke.toString()).isEqualTo(204);
        assertThat(asKey.get(t.path()).status()).isEqualTo(401);
        var after = owner.get(t.path() + "/admin-keys").json().path("data");
        assertThat(after.get(0).path("status").asString()).isEqualTo("revoked");
        assertThat(after.get(0).path("revoked_at").asString()).isNotEmpty();

        // Unknown ids and another organization's keys are a 404.
        assertThat(owner.delete(t.path() + "/admin-keys/key_00000000000000000000000000")
                        .status())
                .isEqualTo(404);
        String otherKeyId = fixtures.api()
                .as(other.owner().token())
                .post(other.path() + "/admin-keys", Map.of("name", "theirs"))
                .text("id");
        assertThat(owner.delete(t.path() + "/admin-keys/" + otherKeyId).status())
                .isEqualTo(404);
        assertThat(owner.delete(other.path() + "/admin-keys/" + otherKeyId).status())
                .isEqualTo(404);
    }

    @Test
    void onlyOwnersAndAdminsManageAdminKeys() {
        var t = fixtures.tenant("Admin Key Roles");
        var member = fixtures.addMember(t, "member", null);
        var billing = fixtures.addMember(t, "billing", null);
        var admin = fixtures.addMember(t, "admin", null);
        for (var p : List.of(member, billing)) {
            var api = fixtures.api().as(p.token());
            assertThat(api.post(t.path() + "/admin-keys", Map.of("name", "x")).status())
                    .isEqualTo(403);
            assertThat(api.get(t.path() + "/admin-keys").status()).isEqualTo(403);
        }
        var byAdmin = fixtures.api().as(admin.token()).post(t.path() + "/admin-keys", Map.of("name", "by admin"));
        assertThat(byAdmin.status()).isEqualTo(201);
        var missingName = fixtures.api().as(admin.token()).post(t.path() + "/admin-keys", Map.of());
        assertThat(missingName.status()).isEqualTo(422);
    }

    // --- workspace keys -------------------------------------------------------------------------

    @Test
    void workspaceKeysAreIssuedShownOnceListedOptionallyBoundAndRevokedAtOnce() {
        var t = fixtures.tenant("Ws Key Org");
        String ws = fixtures.workspace(t, "Client A");
        String otherWs = fixtures.workspace(t, "Client B");
        var member = fixtures.addMember(t, "member", ws);
        var owner = fixtures.api().as(t.owner().token());

        var unbound = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "server"));
        assertThat(unbound.status()).as(unbound.toString()).isEqualTo(201);
        String key = unbound.text("key");
        assertThat(key).startsWith("atr_ws_").matches(TOKEN).startsWith(unbound.text("prefix"));
        assertThat(unbound.text("id")).startsWith("key_");

        var bound = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "member's", "user_id", member.userId()));
        assertThat(bound.status()).as(bound.toString()).isEqualTo(201);
        assertThat(bound.text("user_id")).isEqualTo(member.userId());
        String boundKey = bound.text("key");

        // Binding to someone who is not in the workspace is refused.
        var outsider = fixtures.addMember(t, "member", otherWs);
        var badBinding = owner.post(t.ws(ws) + "/api-keys", Map.of("name", "x", "user_id", outsider.userId()));
        assertThat(badBinding.status()).isEqualTo(422);
        assertThat(badBinding.json().path("errors").get(0).path("field").asString())
                .isEqualTo("user_id");

        // The key reaches its own workspace only.
        var asKey = fixtures.api().as(key);
        assertThat(asKey.get(t.ws(ws)).status()).isEqualTo(200);
        assertThat(asKey.get(t.ws(otherWs)).status()).isEqualTo(404);

        var list = owner.get(t.ws(ws) + "/api-keys");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(key, boundKey, Secrets.randomPart(key), Secrets.randomPart(boundKey));
        var listed = list.json().path("data");
        assertThat(listed.size()).isEqualTo(2);
        Map<String, String> boundTo = new LinkedHashMap<>();
        for (var k : listed) {
            assertThat(k.has("key")).isFalse();
            assertThat(k.path("status").asString()).isEqualTo("active");
            boundTo.put(
                    k.path("id").asString(),
                    k.path("user_id").isNull() ? null : k.path("user_id").asString());
        }
        assertThat(boundTo).containsEntry(unbound.text("id"), null).containsEntry(bound.text("id"), member.userId());
        assertThat(owner.get(t.ws(otherWs) + "/api-keys").json().path("data").size())
                .isZero();

        // A member sees only their own keys.
        var mine = fixtures.api().as(member.token()).get(t.ws(ws) + "/api-keys");
        assertThat(mine.status()).isEqualTo(200);
        assertThat(mine.json().path("data").size()).isEqualTo(1);
        assertThat(mine.json().path("data").get(0).path("id").asString()).isEqualTo(bound.text("id"));

        var revoke = owner.delete(t.ws(ws) + "/api-keys/" + unbound.text("id"));
        assertThat(revoke.status()).as(revoke.toString()).isEqualTo(204);
        assertThat(asKey.get(t.ws(ws)).status()).isEqualTo(401);
        assertThat(fixtures.api().as(boundKey).get(t.ws(ws)).status()).isEqualTo(200);
        // Revoking through another workspace's path is a 404 and leaves the key alone.
        assertThat(owner.delete(t.ws(otherWs) + "/api-keys/" + bound.text("id")).status())
                .isEqualTo(404);
        assertThat(fixtures.api().as(boundKey).get(t.ws(ws)).status()).isEqualTo(200);
    }

    @Test
    void workspaceKeysCannotManageKeys() {
        var t = fixtures.tenant("Ws Key Limits");
        String key = fixtures.workspaceKey(t, t.primaryWorkspaceId());
        var asKey = fixtures.api().as(key);
        assertThat(asKey.post(t.ws(t.primaryWorkspaceId()) + "/api-keys", Map.of("name", "x"))
                        .status())
                .isEqualTo(403);
        assertThat(asKey.post(t.path() + "/admin-keys", Map.of("name", "x")).status())
                .isEqualTo(403);
        assertThat(asKey.get("/api/v1/me").status()).isEqualTo(403);
    }

    // --- properties shared by every kind of token -------------------------------------------------

    @Test
    void everyTokenIsStoredOnlyAsItsSha256() {
        var t = fixtures.tenant("Hash Org");
        var owner = fixtures.api().as(t.owner().token());

        var pat = fixtures.api()
                .post("/api/v1/auth/tokens", Map.of("email", t.owner().email(), "password", Fixtures.PASSWORD));
        byte[] patHash = jdbc.sql("SELECT secret_hash FROM personal_tokens WHERE id = :id")
                .param("id", pat.text("id"))
                .query(byte[].class)
                .single();
        assertThat(patHash).isEqualTo(Secrets.sha256(pat.text("token")));

        var adm = owner.post(t.path() + "/admin-keys", Map.of("name", "h"));
        var ws = owner.post(t.ws(t.primaryWorkspaceId()) + "/api-keys", Map.of("name", "h"));
        for (var issued : List.of(adm, ws)) {
            var row = jdbc.sql("SELECT * FROM org_keys WHERE org_id = :org AND id = :id")
                    .param("org", t.orgId())
                    .param("id", issued.text("id"))
                    .query()
                    .singleRow();
            assertThat((byte[]) row.get("secret_hash")).isEqualTo(Secrets.sha256(issued.text("key")));
            for (var value : row.values()) {
                if (value instanceof String s) {
                    assertThat(s).doesNotContain(Secrets.randomPart(issued.text("key")));
                }
            }
        }
    }

    @Test
    void everyTokenHasItsTypePrefixAndAtLeast128RandomBitsAndNoneRepeats() {
        var t = fixtures.tenant("Entropy Org");
        var owner = fixtures.api().as(t.owner().token());
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            var pat = fixtures.api()
                    .post("/api/v1/auth/tokens", Map.of("email", t.owner().email(), "password", Fixtures.PASSWORD));
            tokens.add(pat.text("token"));
        }
        UserId user = new UserId(t.owner().userId());
        for (int i = 0; i < 97; i++) {
            tokens.add(identity.issuePersonalToken(user, "bulk", null).secret());
        }
        for (int i = 0; i < 80; i++) {
            tokens.add(owner.post(t.path() + "/admin-keys", Map.of("name", "k" + i))
                    .text("key"));
            tokens.add(owner.post(t.ws(t.primaryWorkspaceId()) + "/api-keys", Map.of("name", "k" + i))
                    .text("key"));
        }
        assertThat(tokens).hasSize(260).allMatch(s -> TOKEN.matcher(s).matches());
        assertThat(tokens.stream().filter(s -> s.startsWith("atr_pat_"))).hasSize(100);
        assertThat(tokens.stream().filter(s -> s.startsWith("atr_adm_"))).hasSize(80);
        assertThat(tokens.stream().filter(s -> s.startsWith("atr_ws_"))).hasSize(80);

        var randomParts = new HashSet<String>();
        var shortPrefixes = new HashSet<String>();
        int[] ones = new int[128];
        for (String token : tokens) {
            byte[] random = Secrets.randomBytes(token);
            assertThat(random.length).as("random bytes of " + token).isGreaterThanOrEqualTo(16);
            randomParts.add(Secrets.randomPart(token));
            shortPrefixes.add(Secrets.randomPart(token).substring(0, 8));
            for (int bit = 0; bit < 128; bit++) {
                if ((random[bit / 8] >> (bit % 8) & 1) == 1) ones[bit]++;
            }
        }
        assertThat(randomParts).as("distinct secrets").hasSize(tokens.size());
        assertThat(shortPrefixes)
                .as("no shared leading characters (no counter or clock)")
                .hasSize(tokens.size());
        // Each of the first 128 bits must vary between tokens: a constant, counter or timestamp bit
        // would sit near 0 or near n. For random bits, n=260 gives mean 130 and sd ~8; 60..200 is ~9 sd.
        for (int bit = 0; bit < 128; bit++) {
            assertThat(ones[bit]).as("ones at bit " + bit).isBetween(60, 200);
        }
    }

    @Test
    void unknownRevokedAndExpiredTokensAllGetTheSame401() {
        var t = fixtures.tenant("Same 401 Org");
        var owner = fixtures.api().as(t.owner().token());
        String ws = t.ws(t.primaryWorkspaceId());

        // Personal tokens.
        var revokedPat = issuePat(t.owner().email());
        assertThat(fixtures.api()
                        .as(revokedPat.token)
                        .delete("/api/v1/auth/tokens/" + revokedPat.id)
                        .status())
                .isEqualTo(204);
        var expiredPat = issuePat(t.owner().email());
        assertThat(fixtures.api().as(expiredPat.token).get("/api/v1/me").status())
                .isEqualTo(200);
        jdbc.sql("UPDATE personal_tokens SET expires_at = now() - interval '1 second' WHERE id = :id")
                .param("id", expiredPat.id)
                .update();
        changed(expiredPat.id);

        // Admin keys.
        var revokedAdm = owner.post(t.path() + "/admin-keys", Map.of("name", "r"));
        assertThat(owner.delete(t.path() + "/admin-keys/" + revokedAdm.text("id"))
                        .status())
                .isEqualTo(204);
        var expiredAdm = owner.post(t.path() + "/admin-keys", Map.of("name", "e"));
        assertThat(fixtures.api().as(expiredAdm.text("key")).get(t.path()).status())
                .isEqualTo(200);
        expireOrgKey(t.orgId(), expiredAdm.text("id"));

        // Workspace keys.
        var revokedWs = owner.post(ws + "/api-keys", Map.of("name", "r"));
        assertThat(owner.delete(ws + "/api-keys/" + revokedWs.text("id")).status())
                .isEqualTo(204);
        var expiredWs = owner.post(ws + "/api-keys", Map.of("name", "e"));
        assertThat(fixtures.api().as(expiredWs.text("key")).get(ws).status()).isEqualTo(200);
        expireOrgKey(t.orgId(), expiredWs.text("id"));

        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put(
                "unknown pat", "atr_pat_" + Secrets.randomPart(revokedPat.token).replace('A', 'B') + "x");
        tokens.put("revoked pat", revokedPat.token);
        tokens.put("expired pat", expiredPat.token);
        tokens.put("unknown admin key", "atr_adm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        tokens.put("revoked admin key", revokedAdm.text("key"));
        tokens.put("expired admin key", expiredAdm.text("key"));
        tokens.put("unknown workspace key", "atr_ws_" + Secrets.randomPart(revokedWs.text("key")) + "0");
        tokens.put("revoked workspace key", revokedWs.text("key"));
        tokens.put("expired workspace key", expiredWs.text("key"));
        tokens.put("not a token", "hello");
        tokens.put("too long", "atr_pat_" + "x".repeat(500));

        for (String path : List.of("/api/v1/me", t.path(), ws)) {
            Map<String, Api.Response> responses = new LinkedHashMap<>();
            tokens.forEach((name, token) ->
                    responses.put(name, fixtures.api().as(token).get(path)));
            Secrets.assertIdenticalRejections(responses);
            var first = responses.values().iterator().next();
            assertThat(first.header("Content-Type")).startsWith("application/problem+json");
            assertThat(first.text("code")).isEqualTo("unauthorized");

            // With the same request id, the rejections are byte for byte the same.
            Map<String, String> bodies = new LinkedHashMap<>();
            tokens.forEach((name, token) -> bodies.put(
                    name,
                    fixtures.api()
                            .as(token)
                            .withHeader("X-Request-Id", "same-request")
                            .get(path)
                            .body()));
            assertThat(new HashSet<>(bodies.values())).as(bodies.toString()).hasSize(1);
        }
    }

    private record Pat(String id, String token) {}

    private Pat issuePat(String email) {
        var r = fixtures.api().post("/api/v1/auth/tokens", Map.of("email", email, "password", Fixtures.PASSWORD));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return new Pat(r.text("id"), r.text("token"));
    }

    private void expireOrgKey(String org, String id) {
        assertThat(jdbc.sql(
                                "UPDATE org_keys SET expires_at = now() - interval '1 second' WHERE org_id = :org AND id = :id")
                        .param("org", org)
                        .param("id", id)
                        .update())
                .isEqualTo(1);
        changed(id);
    }

    /**
     * A credential changed straight in the database (no API makes one expire early) is announced as
     * the application announces its own changes, so that the nodes drop what they cached of it.
     */
    private void changed(String id) {
        changes.publish(CredentialCache.TOPIC, id);
    }
}
