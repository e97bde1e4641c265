package dev.atrium.organization;

import static dev.atrium.common.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Governance (docs/domain.md): every administrative action is recorded with who, when, what, before and after. */
@IntegrationTest
class AuditLogTest {
    @Autowired
    Fixtures fixtures;

    /** An action performed with its own request id, and what its audit record must say. */
    record Expected(
            String requestId,
            String action,
            String actorType,
            String actorId,
            String targetType,
            String targetId,
            boolean hasBefore,
            boolean hasAfter) {}

    private final List<Expected> expected = new ArrayList<>();

    private Api.Response act(
            Api api,
            String method,
            String path,
            @Nullable Object body,
            int status,
            String action,
            String actorType,
            String actorId,
            String targetType,
            @Nullable String targetId,
            boolean hasBefore,
            boolean hasAfter) {
        String requestId = "test-" + UUID.randomUUID();
        var r = api.withHeader("X-Request-Id", requestId).send(method, path, body);
        assertThat(r.status()).as(method + " " + path + " -> " + r).isEqualTo(status);
        assertThat(r.header("x-atrium-request-id")).isEqualTo(requestId);
        String target = targetId != null ? targetId : r.text("id");
        expected.add(new Expected(requestId, action, actorType, actorId, targetType, target, hasBefore, hasAfter));
        return r;
    }

    @Test
    void everyAdministrativeActionIsRecordedWithActorTargetBeforeAfterRequestIdAndTime() {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusMillis(1);
        var t = fixtures.tenant("Audited Org");
        Api owner = fixtures.api().as(t.owner().token());
        String ownerId = t.owner().userId();
        String org = t.path();

        act(
                owner,
                "PATCH",
                org,
                Map.of("name", "Audited Org 2"),
                200,
                "organization.updated",
                "user",
                ownerId,
                "organization",
                t.orgId(),
                true,
                true);
        String email = Fixtures.uniqueEmail("audited");
        var invitation = act(
                owner,
                "POST",
                org + "/invitations",
                Map.of("email", email, "role", "admin"),
                201,
                "invitation.created",
                "user",
                ownerId,
                "invitation",
                null,
                false,
                true);
        var accepted = fixtures.api()
                .withHeader("X-Request-Id", "accept-" + UUID.randomUUID())
                .post(
                        "/api/v1/invitations/" + invitation.text("token") + "/accept",
                        Map.of("name", "Audited", "password", Fixtures.PASSWORD));
        assertThat(accepted.status()).isEqualTo(200);
        String memberId = accepted.json().path("user").path("id").asString();
        expected.add(new Expected(
                accepted.header("x-atrium-request-id"),
                "member.added",
                "user",
                memberId,
                "user",
                memberId,
                false,
                true));

        act(
                owner,
                "PATCH",
                org + "/members/" + memberId,
                Map.of("role", "billing"),
                200,
                "member.updated",
                "user",
                ownerId,
                "user",
                memberId,
                true,
                true);
        var ws = act(
                owner,
                "POST",
                org + "/workspaces",
                Map.of("name", "Audited WS"),
                201,
                "workspace.created",
                "user",
                ownerId,
                "workspace",
                null,
                false,
                true);
        String wsId = ws.text("id");
        String wsPath = t.ws(wsId);
        act(
                owner,
                "PATCH",
                wsPath,
                Map.of("name", "Audited WS 2"),
                200,
                "workspace.updated",
                "user",
                ownerId,
                "workspace",
                wsId,
                true,
                true);
        act(
                owner,
                "POST",
                wsPath + "/members",
                Map.of("user_id", memberId),
                201,
                "workspace_member.added",
                "user",
                ownerId,
                "workspace",
                wsId,
                false,
                true);
        act(
                owner,
                "PATCH",
                wsPath + "/members/" + memberId,
                Map.of("role", "viewer"),
                200,
                "workspace_member.updated",
                "user",
                ownerId,
                "workspace",
                wsId,
                true,
                true);
        act(
                owner,
                "DELETE",
                wsPath + "/members/" + memberId,
                null,
                204,
                "workspace_member.removed",
                "user",
                ownerId,
                "workspace",
                wsId,
                true,
                false);
        act(
                owner,
                "PUT",
                wsPath + "/policy",
                Map.of("record_history", false),
                200,
                "workspace.policy_updated",
                "user",
                ownerId,
                "workspace",
                wsId,
                true,
                true);
        var wsKey = act(
                owner,
                "POST",
                wsPath + "/api-keys",
                Map.of("name", "k"),
                201,
                "workspace_key.created",
                "user",
                ownerId,
                "key",
                null,
                false,
                true);
        act(
                owner,
                "DELETE",
                wsPath + "/api-keys/" + wsKey.text("id"),
                null,
                204,
                "workspace_key.revoked",
                "user",
                ownerId,
                "key",
                wsKey.text("id"),
                true,
                true);
        act(
                owner,
                "POST",
                wsPath + "/archive",
                null,
                200,
                "workspace.archived",
                "user",
                ownerId,
                "workspace",
                wsId,
                true,
                true);
        act(
                owner,
                "POST",
                wsPath + "/unarchive",
                null,
                200,
                "workspace.unarchived",
                "user",
                ownerId,
                "workspace",
                wsId,
                true,
                true);
        var adminKey = act(
                owner,
                "POST",
                org + "/admin-keys",
                Map.of("name", "automation"),
                201,
                "admin_key.created",
                "user",
                ownerId,
                "key",
                null,
                false,
                true);
        Api asKey = fixtures.api().as(adminKey.text("key"));
        var byKey = act(
                asKey,
                "POST",
                org + "/workspaces",
                Map.of("name", "By key"),
                201,
                "workspace.created",
                "admin_key",
                adminKey.text("id"),
                "workspace",
                null,
                false,
                true);
        act(
                asKey,
                "DELETE",
                t.ws(byKey.text("id")),
                null,
                200,
                "workspace.deleted",
                "admin_key",
                adminKey.text("id"),
                "workspace",
                byKey.text("id"),
                true,
                true);
        act(
                owner,
                "DELETE",
                org + "/admin-keys/" + adminKey.text("id"),
                null,
                204,
                "admin_key.revoked",
                "user",
                ownerId,
                "key",
                adminKey.text("id"),
                true,
                true);
        act(owner, "DELETE", wsPath, null, 200, "workspace.deleted", "user", ownerId, "workspace", wsId, true, true);
        act(
                owner,
                "DELETE",
                org + "/members/" + memberId,
                null,
                204,
                "member.removed",
                "user",
                ownerId,
                "user",
                memberId,
                true,
                true);
        Instant end = Instant.now().plusMillis(1);

        List<JsonNode> events = all(owner, org);
        for (Expected e : expected) {
            var matching = events.stream()
                    .filter(ev -> e.requestId().equals(ev.path("request_id").asString()))
                    .toList();
            assertThat(matching).as("events of " + e).hasSize(1);
            JsonNode ev = matching.getFirst();
            assertThat(ev.path("id").asString()).startsWith("aud_");
            assertThat(ev.path("action").asString()).as(e.toString()).isEqualTo(e.action());
            assertThat(ev.path("actor_type").asString()).as(e.toString()).isEqualTo(e.actorType());
            assertThat(ev.path("actor_id").asString()).as(e.toString()).isEqualTo(e.actorId());
            assertThat(ev.path("target_type").asString()).as(e.toString()).isEqualTo(e.targetType());
            assertThat(ev.path("target_id").asString()).as(e.toString()).isEqualTo(e.targetId());
            assertThat(ev.path("before").isObject()).as("before of " + e).isEqualTo(e.hasBefore());
            assertThat(ev.path("after").isObject()).as("after of " + e).isEqualTo(e.hasAfter());
            assertThat(Instant.parse(ev.path("created_at").asString())).isBetween(start, end);
        }
        // Secrets never reach the log.
        assertThat(events.toString()).doesNotContain(adminKey.text("key"), wsKey.text("key"), invitation.text("token"));
    }

    @Test
    void eventsArePagedNewestFirstWithAfter() {
        var t = fixtures.tenant("Paged Audit Org");
        Api owner = fixtures.api().as(t.owner().token());
        for (int i = 0; i < 6; i++) {
            assertThat(owner.patch(t.path(), Map.of("name", "Name " + i)).status())
                    .isEqualTo(200);
        }
        var full = owner.get(t.path() + "/audit-events?limit=1000").json();
        assertThat(full.path("has_more").asBoolean()).isFalse();
        List<String> ids = new ArrayList<>();
        List<Instant> times = new ArrayList<>();
        for (var e : full.path("data")) {
            ids.add(e.path("id").asString());
            times.add(Instant.parse(e.path("created_at").asString()));
        }
        assertThat(ids).hasSize(7); // organization.created and six renames
        assertThat(ids).isSortedAccordingTo((a, b) -> b.compareTo(a));
        assertThat(times).isSortedAccordingTo((a, b) -> b.compareTo(a));
        assertThat(full.path("data").get(0).path("after").path("name").asString())
                .isEqualTo("Name 5");
        assertThat(full.path("data").get(6).path("action").asString()).isEqualTo("organization.created");

        List<String> paged = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            var page = owner.get(t.path() + "/audit-events?limit=3" + (after == null ? "" : "&after=" + after))
                    .json();
            for (var e : page.path("data")) paged.add(e.path("id").asString());
            after = page.path("has_more").asBoolean() ? page.path("next").asString() : null;
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(paged).containsExactlyElementsOf(ids);
        assertThat(new HashSet<>(paged)).hasSize(paged.size());
    }

    @Test
    void refusedActionsLeaveNoRecordAndOnlyAdminsReadTheLog() {
        var t = fixtures.tenant("Quiet Audit Org");
        Api owner = fixtures.api().as(t.owner().token());
        String requestId = "refused-" + UUID.randomUUID();
        var refused = owner.withHeader("X-Request-Id", requestId)
                .patch(t.path() + "/members/" + t.owner().userId(), Map.of("role", "member"));
        assertProblem(refused, 409, "last_owner");
        assertThat(refused.text("request_id")).isEqualTo(requestId);
        assertThat(all(owner, t.path()).stream().map(e -> e.path("request_id").asString()))
                .doesNotContain(requestId);

        var member = fixtures.addMember(t, "member", null);
        var billing = fixtures.addMember(t, "billing", null);
        assertProblem(fixtures.api().as(member.token()).get(t.path() + "/audit-events"), 403, "forbidden");
        assertProblem(fixtures.api().as(billing.token()).get(t.path() + "/audit-events"), 403, "forbidden");
        assertProblem(
                fixtures.api().as(fixtures.person("x").token()).get(t.path() + "/audit-events"), 404, "not_found");
        // An unusable request id is replaced by one of ours, which the record carries.
        var renamed = owner.withHeader("X-Request-Id", "not a safe id!").patch(t.path(), Map.of("name", "Renamed"));
        String assigned = renamed.header("x-atrium-request-id");
        assertThat(assigned).startsWith("req_");
        assertThat(owner.get(t.path() + "/audit-events?limit=1")
                        .json()
                        .path("data")
                        .get(0)
                        .path("request_id")
                        .asString())
                .isEqualTo(assigned);
    }

    private static List<JsonNode> all(Api api, String org) {
        List<JsonNode> events = new ArrayList<>();
        var r = api.get(org + "/audit-events?limit=1000");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        r.json().path("data").forEach(events::add);
        return events;
    }
}
