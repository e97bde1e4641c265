package dev.atrium.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.PermissionDeniedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.atrium.common.NodeCaches;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.Nodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three nodes on one database, each answering gateway calls from its own memory: a change made
 * through any node (a revoked key or token, a role, a membership, a workspace's status or policy, a
 * price, an organization's provider credentials) is honoured by every node, the one that made it
 * included, within one second of the change being answered. Every scenario first makes each node
 * serve the thing it is about to change, twice (so that it is cached there).
 */
class ChangesAcrossNodesTest {
    private static final long ONE_SECOND_NANOS = 1_000_000_000L;
    private static Nodes nodes;

    @BeforeAll
    static void start() throws Exception {
        nodes = Nodes.builder()
                .count(3)
                .name("changes-across-nodes")
                .property("atrium.providers.demo.token-delay", "PT0S")
                .property("atrium.providers.openai.api-key", "")
                .property("atrium.providers.anthropic.api-key", "")
                .start();
    }

    @AfterAll
    static void stop() {
        if (nodes != null) nodes.close();
    }

    @Test
    void aWorkspaceKeyRevokedOnOneNodeIsRefusedByEveryNodeWithinASecond() {
        Nodes.Owner owner = nodes.organization("Revoked Key Co", "100");
        var key = owner(0, owner).post(ws(owner, owner.primaryWorkspaceId()) + "/api-keys", Map.of("name", "k"));
        assertThat(key.status()).as(key.toString()).isEqualTo(201);
        String secret = key.text("key");
        primeEveryNode(n -> chat(n, secret, null, "demo/chat").status() == 200);

        var revoked = owner(0, owner).delete(ws(owner, owner.primaryWorkspaceId()) + "/api-keys/" + key.text("id"));
        assertThat(revoked.status()).as(revoked.toString()).isIn(200, 204);

        withinOneSecondOnEveryNode(
                "revoked key refused", n -> chat(n, secret, null, "demo/chat").status() == 401);
        withinOneSecondOnEveryNode(
                "revoked key refused on the API",
                n -> n.api().as(secret).get(owner.orgPath()).status() == 401);
    }

    @Test
    void aPersonalTokenRevokedOnOneNodeIsRefusedByEveryNodeWithinASecond() {
        Nodes.Owner owner = nodes.organization("Revoked Token Co", "100");
        var issued = owner(0, owner)
                .post(
                        "/api/v1/auth/tokens",
                        Map.of("email", owner.person().email(), "password", Fixtures.PASSWORD, "name", "script"));
        assertThat(issued.status()).as(issued.toString()).isEqualTo(201);
        String token = issued.text("token");
        primeEveryNode(
                n -> chat(n, token, owner.primaryWorkspaceId(), "demo/chat").status() == 200);

        var revoked = nodes.node(1).api().as(token).delete("/api/v1/auth/tokens/" + issued.text("id"));
        assertThat(revoked.status()).as(revoked.toString()).isIn(200, 204);

        withinOneSecondOnEveryNode(
                "revoked token refused",
                n -> chat(n, token, owner.primaryWorkspaceId(), "demo/chat").status() == 401);
    }

    @Test
    void aRoleChangedToViewerOnOneNodeStopsModelCallsOnEveryNodeWithinASecond() {
        Nodes.Owner owner = nodes.organization("Viewer Co", "100");
        Fixtures.Person member = nodes.member(owner, "member");
        String ws = owner.primaryWorkspaceId();
        String bound = owner(0, owner)
                .post(ws(owner, ws) + "/api-keys", Map.of("name", "bound", "user_id", member.userId()))
                .text("key");
        primeEveryNode(n -> chat(n, member.token(), ws, "demo/chat").status() == 200
                && chat(n, bound, null, "demo/chat").status() == 200);

        var changed = owner(2, owner).patch(ws(owner, ws) + "/members/" + member.userId(), Map.of("role", "viewer"));
        assertThat(changed.status()).as(changed.toString()).isEqualTo(200);

        withinOneSecondOnEveryNode("viewer's token refused", n -> forbidden(chat(n, member.token(), ws, "demo/chat")));
        withinOneSecondOnEveryNode("viewer's bound key refused", n -> forbidden(chat(n, bound, null, "demo/chat")));

        var back = owner(1, owner).patch(ws(owner, ws) + "/members/" + member.userId(), Map.of("role", "member"));
        assertThat(back.status()).as(back.toString()).isEqualTo(200);
        withinOneSecondOnEveryNode(
                "member runs models again",
                n -> chat(n, member.token(), ws, "demo/chat").status() == 200);
    }

    @Test
    void aMemberTakenOffAWorkspaceOrOutOfTheOrganizationLosesItOnEveryNodeWithinASecond() {
        Nodes.Owner owner = nodes.organization("Leaving Co", "100");
        Fixtures.Person member = nodes.member(owner, "member");
        String campaign = owner(0, owner)
                .post(owner.orgPath() + "/workspaces", Map.of("name", "Campaign", "kind", "campaign"))
                .text("id");
        var assigned = owner(0, owner)
                .post(ws(owner, campaign) + "/members", Map.of("user_id", member.userId(), "role", "member"));
        assertThat(assigned.status()).as(assigned.toString()).isEqualTo(201);
        primeEveryNode(n -> chat(n, member.token(), campaign, "demo/chat").status() == 200
                && chat(n, member.token(), null, "demo/chat").status() == 200);

        var unassigned = owner(1, owner).delete(ws(owner, campaign) + "/members/" + member.userId());
        assertThat(unassigned.status()).as(unassigned.toString()).isEqualTo(204);
        withinOneSecondOnEveryNode(
                "workspace no longer reachable",
                n -> chat(n, member.token(), campaign, "demo/chat").status() == 404);

        var removed = owner(2, owner).delete(owner.orgPath() + "/members/" + member.userId());
        assertThat(removed.status()).as(removed.toString()).isEqualTo(204);
        withinOneSecondOnEveryNode(
                "no default workspace left",
                n -> chat(n, member.token(), null, "demo/chat").status() == 404);
    }

    @Test
    void anArchivedWorkspaceRunsNothingOnAnyNodeWithinASecondAndADeletedOnesKeysAreRefused() {
        Nodes.Owner owner = nodes.organization("Archive Co", "100");
        String ws = owner(0, owner)
                .post(owner.orgPath() + "/workspaces", Map.of("name", "Brand", "kind", "client"))
                .text("id");
        String key = owner(0, owner)
                .post(ws(owner, ws) + "/api-keys", Map.of("name", "k"))
                .text("key");
        primeEveryNode(n -> chat(n, key, null, "demo/chat").status() == 200);

        var archived = owner(1, owner).post(ws(owner, ws) + "/archive", null);
        assertThat(archived.status()).as(archived.toString()).isEqualTo(200);
        withinOneSecondOnEveryNode("archived workspace refused", n -> {
            var r = chat(n, key, null, "demo/chat");
            return r.status() == 403 && r.body().contains("workspace_archived");
        });

        var unarchived = owner(2, owner).post(ws(owner, ws) + "/unarchive", null);
        assertThat(unarchived.status()).as(unarchived.toString()).isEqualTo(200);
        withinOneSecondOnEveryNode(
                "unarchived workspace runs",
                n -> chat(n, key, null, "demo/chat").status() == 200);

        var deleted = owner(0, owner).delete(ws(owner, ws));
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        withinOneSecondOnEveryNode(
                "deleted workspace's key refused",
                n -> chat(n, key, null, "demo/chat").status() == 401);
    }

    @Test
    void aModelNoLongerAllowedByPolicyIsRefusedToTheSdkOnEveryNodeWithinASecond() {
        Nodes.Owner owner = nodes.organization("Policy Co", "100");
        String ws = owner.primaryWorkspaceId();
        String key = owner(0, owner)
                .post(ws(owner, ws) + "/api-keys", Map.of("name", "sdk"))
                .text("key");
        List<OpenAIClient> clients = new ArrayList<>();
        for (Nodes.Node n : nodes.all()) {
            clients.add(OpenAIOkHttpClient.builder()
                    .apiKey(key)
                    .baseUrl(n.baseUrl() + "/v1")
                    .maxRetries(0)
                    .build());
        }
        var params = ChatCompletionCreateParams.builder()
                .model("demo/chat")
                .addUserMessage("Hello there.")
                .maxCompletionTokens(16)
                .build();
        primeEveryNode(n -> !clients.get(n.index())
                .chat()
                .completions()
                .create(params)
                .choices()
                .isEmpty());

        Map<String, Object> policy = new LinkedHashMap<>();
        policy.put("allowed_models", List.of("demo/image"));
        policy.put("record_history", true);
        var updated = owner(1, owner).put(ws(owner, ws) + "/policy", policy);
        assertThat(updated.status()).as(updated.toString()).isEqualTo(200);

        withinOneSecondOnEveryNode("model refused by policy", n -> {
            try {
                clients.get(n.index()).chat().completions().create(params);
                return false;
            } catch (PermissionDeniedException e) {
                return true;
            }
        });
        assertThatThrownBy(() -> clients.get(2).chat().completions().create(params))
                .isInstanceOf(PermissionDeniedException.class);
    }

    @Test
    void aPriceChangedOnOneNodeIsChargedByEveryNodeWithinASecond() {
        Nodes.Owner owner = nodes.organization("Price Co", "1000");
        String key = owner(0, owner)
                .post(ws(owner, owner.primaryWorkspaceId()) + "/api-keys", Map.of("name", "k"))
                .text("key");
        Map<Integer, Double> before = new LinkedHashMap<>();
        primeEveryNode(n -> {
            var r = chat(n, key, null, "demo/chat");
            before.put(n.index(), Double.parseDouble(r.header("x-atrium-credits-charged")));
            return r.status() == 200;
        });

        var priced = owner(2, owner)
                .put(
                        owner.orgPath() + "/pricing/models/demo/chat",
                        Map.of("input_per_million", "100000", "output_per_million", "400000"));
        assertThat(priced.status()).as(priced.toString()).isEqualTo(200);

        withinOneSecondOnEveryNode("new price charged", n -> {
            var r = chat(n, key, null, "demo/chat");
            return r.status() == 200
                    && Double.parseDouble(r.header("x-atrium-credits-charged")) > 100 * before.get(n.index());
        });
    }

    @Test
    void providerCredentialsChangedOnOneNodeAreUsedByEveryNodeWithinASecond() {
        Nodes.Owner owner = nodes.organization("Own Keys Co", "100");
        String key = owner(0, owner)
                .post(ws(owner, owner.primaryWorkspaceId()) + "/api-keys", Map.of("name", "k"))
                .text("key");
        primeEveryNode(n -> !offers(n, key, "gpt-4o-mini") && offers(n, key, "demo/chat"));

        var stored = owner(1, owner).put(owner.orgPath() + "/providers/openai", Map.of("api_key", "sk-org-own-key"));
        assertThat(stored.status()).as(stored.toString()).isEqualTo(200);
        withinOneSecondOnEveryNode("own key enables the provider", n -> offers(n, key, "gpt-4o-mini"));

        var deleted = owner(2, owner).delete(owner.orgPath() + "/providers/openai");
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
        withinOneSecondOnEveryNode("provider gone with the key", n -> !offers(n, key, "gpt-4o-mini"));
    }

    @Test
    void aNewDefaultWorkspaceIsWhereEveryNodeRunsATokenWithoutAWorkspaceWithinASecond() {
        Nodes.Owner owner = nodes.organization("Default Co", "100");
        String other = owner(0, owner)
                .post(owner.orgPath() + "/workspaces", Map.of("name", "Research", "kind", "research"))
                .text("id");
        primeEveryNode(n -> owner.primaryWorkspaceId()
                .equals(chat(n, owner.token(), null, "demo/chat").header("x-atrium-workspace-id")));

        var moved = owner(1, owner)
                .patch(owner.orgPath() + "/members/" + owner.person().userId(), Map.of("default_workspace_id", other));
        assertThat(moved.status()).as(moved.toString()).isEqualTo(200);

        withinOneSecondOnEveryNode(
                "new default used",
                n -> other.equals(chat(n, owner.token(), null, "demo/chat").header("x-atrium-workspace-id")));
    }

    // --- helpers

    private static Api owner(int node, Nodes.Owner owner) {
        return nodes.node(node).api().as(owner.token());
    }

    private static String ws(Nodes.Owner owner, String workspace) {
        return owner.orgPath() + "/workspaces/" + workspace;
    }

    private static Api.Response chat(Nodes.Node node, String token, @Nullable String workspace, String model) {
        Api api = node.api().as(token);
        if (workspace != null) api = api.withHeader("X-Atrium-Workspace-Id", workspace);
        return api.post(
                "/v1/chat/completions",
                Map.of(
                        "model",
                        model,
                        "max_tokens",
                        16,
                        "messages",
                        List.of(Map.of("role", "user", "content", "Hi."))));
    }

    private static boolean forbidden(Api.Response r) {
        return r.status() == 403 && r.body().contains("permission_denied");
    }

    private static boolean offers(Nodes.Node node, String key, String model) {
        var r = node.api().as(key).get("/v1/models");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        for (var m : r.json().path("data")) if (model.equals(m.path("id").asString())) return true;
        return false;
    }

    /** Each node serves the scenario twice, so that what it read is cached there. */
    private static void primeEveryNode(Predicate<Nodes.Node> served) {
        for (Nodes.Node n : nodes.all()) {
            long hits = hits(n);
            for (int i = 0; i < 2; i++)
                assertThat(served.test(n)).as("node %d serves", n.index()).isTrue();
            assertThat(hits(n))
                    .as("node %d answered from its caches", n.index())
                    .isGreaterThan(hits);
        }
    }

    private static long hits(Nodes.Node n) {
        return n.bean(NodeCaches.class).all().stream().mapToLong(c -> c.hits()).sum();
    }

    /** Polls every node until each honours the change; fails if one has not within a second of it. */
    private static void withinOneSecondOnEveryNode(String what, Predicate<Nodes.Node> honoured) {
        long deadline = System.nanoTime() + ONE_SECOND_NANOS;
        List<Nodes.Node> pending = new ArrayList<>(nodes.all());
        while (true) {
            pending.removeIf(honoured);
            if (pending.isEmpty()) return;
            if (System.nanoTime() > deadline) {
                fail(what + ": not honoured within 1 s by node(s) "
                        + pending.stream().map(Nodes.Node::index).toList());
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
