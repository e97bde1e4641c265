package dev.atrium;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.AuthorizationMatrix.Caller;
import dev.atrium.AuthorizationMatrix.ForeignReference;
import dev.atrium.AuthorizationMatrix.Row;
import dev.atrium.common.Ids;
import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.Fixtures.Person;
import dev.atrium.support.IntegrationTest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two organizations, every kind of caller, every endpoint that takes an id ({@link AuthorizationMatrix}):
 * each cell gets the status its row says, and an answer that refuses the request tells nothing of
 * either tenant beyond the ids the caller put in the path. A 404 is indistinguishable from the 404 for
 * ids that do not exist. Both organizations take their turn as the one whose objects are requested.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthorizationMatrixTest {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z0-9-]+)}");
    private static final Pattern ID = Pattern.compile("\\b(org|ws|usr|key)_[0-9a-z]{26}\\b");

    @Autowired
    Fixtures fixtures;

    private MatrixTenant a;
    private MatrixTenant b;
    private Person outsider;

    @BeforeAll
    void twoOrganizations() {
        a = new MatrixTenant(fixtures, "A");
        b = new MatrixTenant(fixtures, "B");
        outsider = fixtures.person("outsider");
    }

    @TestFactory
    @Order(1)
    Stream<DynamicNode> everyCallerOnEveryEndpoint() {
        return Stream.of(matrix(a, b), matrix(b, a));
    }

    @TestFactory
    @Order(2)
    Stream<DynamicNode> idsOfAnotherTenantOrWorkspaceAreAnsweredAsMissing() {
        return Stream.of(foreign(a, b), foreign(b, a));
    }

    @Test
    @Order(3)
    void aWorkspaceKeyCannotUnassignTheMemberItIsBoundTo() {
        String user = a.newMember(true);
        var issued =
                a.as(a.owner.token()).post(a.tenant.ws(a.ws1) + "/api-keys", Map.of("name", "bound", "user_id", user));
        assertThat(issued.status()).as(issued.toString()).isEqualTo(201);

        var r = a.as(issued.text("key")).delete(a.tenant.ws(a.ws1) + "/members/" + user);

        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(a.as(a.owner.token()).get(a.tenant.ws(a.ws1) + "/members").body())
                .contains(user);
    }

    @Test
    @Order(4)
    void listsShowAMemberOnlyTheirWorkspacesAndTheirOwnKeys() {
        for (MatrixTenant t : List.of(a, b)) {
            String seenByOtherMember =
                    t.as(t.otherWsMember.token()).get(t.path() + "/workspaces").body();
            assertThat(seenByOtherMember).contains(t.ws2).doesNotContain(t.ws1, t.ws1Name);
            String seenByMember =
                    t.as(t.wsMember.token()).get(t.path() + "/workspaces").body();
            assertThat(seenByMember).contains(t.ws1).doesNotContain(t.ws2, t.ws2Name);
            String keysOfMember = t.as(t.wsMember.token())
                    .get(t.tenant.ws(t.ws1) + "/api-keys")
                    .body();
            assertThat(keysOfMember).contains(t.ws1BoundKey.id()).doesNotContain(t.ws1Key.id());
            String keysOfViewer = t.as(t.wsViewer.token())
                    .get(t.tenant.ws(t.ws1) + "/api-keys")
                    .body();
            assertThat(keysOfViewer).doesNotContain(t.ws1Key.id(), t.ws1BoundKey.id());
        }
    }

    /** Refused cells used the standing objects: they must be exactly as they were. */
    @Test
    @Order(5)
    void refusedRequestsChangedNothing() {
        for (MatrixTenant t : List.of(a, b)) {
            Api owner = t.as(t.owner.token());
            assertThat(owner.get(t.path()).text("name")).isEqualTo(t.name);
            for (String ws : List.of(t.ws1, t.ws2)) {
                var got = owner.get(t.tenant.ws(ws)).json();
                assertThat(got.path("status").asString()).isEqualTo("active");
                assertThat(got.path("name").asString()).isEqualTo(ws.equals(t.ws1) ? t.ws1Name : t.ws2Name);
            }
            for (Person p : List.of(t.owner, t.admin, t.billing, t.wsAdmin, t.target, t.candidate)) {
                var member = owner.get(t.path() + "/members/" + p.userId());
                assertThat(member.status()).as(member.toString()).isEqualTo(200);
            }
            assertThat(owner.get(t.path() + "/members/" + t.owner.userId()).text("role"))
                    .isEqualTo("owner");
            assertThat(owner.get(t.path() + "/members/" + t.target.userId()).text("role"))
                    .isEqualTo("member");
            JsonNode ws1Members =
                    owner.get(t.tenant.ws(t.ws1) + "/members?limit=100").json().path("data");
            assertThat(roleIn(ws1Members, t.wsAdmin)).isEqualTo("admin");
            assertThat(roleIn(ws1Members, t.wsMember)).isEqualTo("member");
            assertThat(roleIn(ws1Members, t.wsViewer)).isEqualTo("viewer");
            assertThat(roleIn(ws1Members, t.target)).isEqualTo("member");
            assertThat(roleIn(ws1Members, t.candidate)).isNull();
            assertThat(activeKeys(owner.get(t.path() + "/admin-keys").json()))
                    .contains(t.adminKey.id(), t.spareAdminKey.id());
            assertThat(activeKeys(owner.get(t.tenant.ws(t.ws1) + "/api-keys").json()))
                    .contains(t.ws1Key.id(), t.ws1BoundKey.id());
            assertThat(t.as(t.adminKey.secret()).get(t.path()).status()).isEqualTo(200);
            assertThat(t.as(t.ws2Key.secret()).get(t.tenant.ws(t.ws2)).status()).isEqualTo(200);
        }
    }

    private DynamicContainer matrix(MatrixTenant target, MatrixTenant other) {
        return DynamicContainer.dynamicContainer(
                "objects of org " + target.label,
                AuthorizationMatrix.ROWS.stream()
                        .map(row -> DynamicContainer.dynamicContainer(
                                row.name(),
                                Stream.of(Caller.values())
                                        .map(caller -> DynamicTest.dynamicTest(
                                                caller.label + " → "
                                                        + row.expected().get(caller),
                                                () -> cell(target, other, row, caller))))));
    }

    private void cell(MatrixTenant target, MatrixTenant other, Row row, Caller caller) {
        int expected = row.expected().get(caller);
        boolean succeeds = expected < 300;
        String path = target.path() + resolve(row.path(), target, other, succeeds);
        String body = row.body() == null ? null : resolve(json(row.body()), target, other, succeeds);
        String token = token(caller, target, other);

        var r = target.as(token).send(row.method(), path, body);

        String what = row.method() + " " + path + " as " + caller.label + ": " + r;
        assertThat(r.status()).as(what).isEqualTo(expected);
        if (succeeds) {
            assertTellsNothingOf(r, other.secrets, path, what);
            return;
        }
        assertThat(r.text("code")).as(what).isEqualTo(expected == 404 ? "not_found" : "forbidden");
        Set<String> secrets = new HashSet<>(target.secrets);
        secrets.addAll(other.secrets);
        assertTellsNothingOf(r, secrets, path, what);
        assertThat(r.header("Location")).as(what).isNull();
        if (expected == 404) {
            assertLooksMissing(r, token, row.method(), path, body, what);
        }
    }

    private DynamicContainer foreign(MatrixTenant own, MatrixTenant their) {
        return DynamicContainer.dynamicContainer(
                "org " + own.label + "'s owner, ids of org " + their.label + " or of WA2",
                AuthorizationMatrix.FOREIGN_REFERENCES.stream()
                        .map(ref -> DynamicTest.dynamicTest(
                                ref.name() + " → " + ref.expected(), () -> foreignCell(own, their, ref))));
    }

    private void foreignCell(MatrixTenant own, MatrixTenant their, ForeignReference ref) {
        String path = own.path() + resolve(ref.path(), own, their, false);
        String body = ref.body() == null ? null : resolve(json(ref.body()), own, their, false);
        Api api = own.as(own.owner.token());

        var r = api.send(ref.method(), path, body);

        String what = ref.method() + " " + path + " " + body + ": " + r;
        assertThat(r.status()).as(what).isEqualTo(ref.expected());
        assertTellsNothingOf(r, their.secrets, path, what);
        // The same request with every id of the other tenant (or of WA2) replaced by one that exists nowhere.
        Set<String> foreignIds = new HashSet<>(their.secrets);
        foreignIds.addAll(Set.of(own.ws2Key.id(), own.otherWsMember.userId()));
        var twin = api.send(
                ref.method(), replaceIds(path, foreignIds), body == null ? null : replaceIds(body, foreignIds));
        assertThat(normalised(r)).as("answer as for a missing id: %s", twin).isEqualTo(normalised(twin));
    }

    private String token(Caller caller, MatrixTenant t, MatrixTenant other) {
        return switch (caller) {
            case OWNER -> t.owner.token();
            case ADMIN -> t.admin.token();
            case BILLING -> t.billing.token();
            case WS_ADMIN -> t.wsAdmin.token();
            case WS_MEMBER -> t.wsMember.token();
            case WS_VIEWER -> t.wsViewer.token();
            case OTHER_WS_MEMBER -> t.otherWsMember.token();
            case ADMIN_KEY -> t.adminKey.secret();
            case WS_KEY -> t.ws1BoundKey.secret();
            case OTHER_WS_KEY -> t.ws2Key.secret();
            case OUTSIDER -> outsider.token();
            case FOREIGN_OWNER -> other.owner.token();
            case FOREIGN_WS_KEY -> other.ws2Key.secret();
            case FOREIGN_ADMIN_KEY -> other.adminKey.secret();
        };
    }

    /** Fills the placeholders of a path or body; see {@link AuthorizationMatrix} for what each means. */
    private static String resolve(String template, MatrixTenant t, MatrixTenant other, boolean succeeds) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "org-name" -> t.name;
                case "ws" -> t.ws1;
                case "member" -> t.target.userId();
                case "email" -> Fixtures.uniqueEmail("invitee");
                case "ws-name" -> "Made by the matrix " + java.util.UUID.randomUUID();
                case "new-ws" -> succeeds ? t.newWs1Copy(false) : t.ws1;
                case "new-archived-ws" -> succeeds ? t.newWs1Copy(true) : t.ws1;
                case "new-member" -> succeeds ? t.newMember(true) : t.target.userId();
                case "new-candidate" -> succeeds ? t.newMember(false) : t.candidate.userId();
                case "new-key" -> succeeds ? t.newWs1Key() : t.ws1Key.id();
                case "new-admin-key" -> succeeds ? t.newAdminKey() : t.spareAdminKey.id();
                case "their-ws" -> other.ws1;
                case "their-owner" -> other.owner.userId();
                case "their-admin-key" -> other.adminKey.id();
                case "their-ws-key" -> other.ws1Key.id();
                case "new-invitation" -> succeeds ? t.newInvitation() : t.invitation;
                case "their-invitation" -> other.invitation;
                case "ws2-key" -> t.ws2Key.id();
                case "ws2-member" -> t.otherWsMember.userId();
                default -> throw new IllegalArgumentException("unknown placeholder " + m.group());
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** No secret shows in the answer, except the ids the caller sent in the path (problem details echo it). */
    private static void assertTellsNothingOf(Api.Response r, Set<String> secrets, String path, String what) {
        for (String secret : secrets) {
            if (path.contains(secret)) continue;
            assertThat(r.body()).as("%s leaks %s", what, secret).doesNotContain(secret);
        }
    }

    /**
     * The 404 is the one a caller gets for an organization that does not exist, or for objects that do
     * not exist inside it: nothing tells a hidden object from a missing one.
     */
    private void assertLooksMissing(
            Api.Response r, String token, String method, String path, @Nullable String body, String what) {
        Api api = fixtures.api().as(token);
        JsonNode actual = normalised(r);
        String orgId = path.split("/")[4];
        List<JsonNode> missing = new ArrayList<>();
        missing.add(normalised(api.send(method, path.replace(orgId, Ids.next("org_")), body)));
        Set<String> inner = new HashSet<>();
        ID.matcher(path).results().map(MatchResult::group).forEach(inner::add);
        inner.remove(orgId);
        if (!missing.contains(actual) && !inner.isEmpty()) {
            missing.add(normalised(api.send(method, replaceIds(path, inner), body)));
        }
        assertThat(missing).as("%s: a 404 like one for missing ids", what).contains(actual);
    }

    /** Replaces each of the given ids found in the text with a new id of the same kind. */
    private static String replaceIds(String text, Set<String> ids) {
        Matcher m = ID.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String id = m.group();
            m.appendReplacement(out, ids.contains(id) ? Ids.next(m.group(1) + "_") : id);
        }
        return m.appendTail(out).toString();
    }

    /** Status and problem body without what differs between any two requests (request id, path). */
    private static JsonNode normalised(Api.Response r) {
        JsonNode json = r.json();
        if (json instanceof ObjectNode o) {
            ObjectNode copy = o.deepCopy();
            copy.remove("request_id");
            copy.remove("instance");
            copy.put("http_status", r.status());
            return copy;
        }
        return json;
    }

    private static @Nullable String roleIn(JsonNode members, Person p) {
        for (JsonNode m : members) {
            if (m.path("user_id").asString().equals(p.userId()))
                return m.path("role").asString();
        }
        return null;
    }

    private static List<String> activeKeys(JsonNode list) {
        List<String> ids = new ArrayList<>();
        for (JsonNode k : list.path("data")) {
            if (k.path("status").asString().equals("active"))
                ids.add(k.path("id").asString());
        }
        return ids;
    }
}
