package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The console's layout over HTTP: error pages keep the header and the navigation; the workspace and
 * playground pages tell members what their workspace has left.
 */
@IntegrationTest
class ConsoleLayoutPagesTest {
    @Autowired
    Fixtures fixtures;

    @Test
    void notAllowedAndNotFoundPagesKeepTheNavigation() {
        var t = fixtures.tenant("Error Pages Inc");
        String hidden = fixtures.workspace(t, "Hidden Client");
        var member = fixtures.addMember(t, "member", t.primaryWorkspaceId());
        var c = ConsoleClient.signedIn(fixtures, member);
        String org = "/orgs/" + t.orgId();

        // 403: an admin page.
        var forbidden = c.get(org + "/members");
        assertThat(forbidden.status()).isEqualTo(403);
        assertNavigation(forbidden.body(), org);
        assertThat(forbidden.body()).contains("Not allowed");

        // 404: a workspace the member is not assigned to, and a playground of it.
        for (String path :
                new String[] {org + "/workspaces/" + hidden, org + "/workspaces/" + hidden + "/playground"}) {
            var missing = c.get(path);
            assertThat(missing.status()).as(path).isEqualTo(404);
            assertNavigation(missing.body(), org);
            assertThat(missing.body()).contains("Not found").doesNotContain("Hidden Client");
        }

        // 404: another organization's page shows the person's own organization's navigation.
        var other = fixtures.tenant("Someone Else Ltd");
        var foreign = c.get("/orgs/" + other.orgId());
        assertThat(foreign.status()).isEqualTo(404);
        assertNavigation(foreign.body(), org);
        assertThat(foreign.body()).doesNotContain("Someone Else Ltd");

        // 404: a console address that matches no page.
        var nowhere = c.get(org + "/no-such-page", Map.of("Accept", "text/html"));
        assertThat(nowhere.status()).isEqualTo(404);
        assertNavigation(nowhere.body(), org);
        assertThat(nowhere.body()).contains("Not found");
    }

    @Test
    void membersSeeWhatTheirWorkspaceHasLeftOnTheWorkspaceAndPlaygroundPages() {
        var t = fixtures.tenant("Credits Left Co");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1000"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Budgeted Client");
        assertThat(owner.put(
                                t.ws(ws) + "/funding",
                                Map.of(
                                        "mode", "budget",
                                        "spend_limit", Map.of("amount", "200", "period", "month"),
                                        "member_spend_limit", Map.of("amount", "50", "period", "day")))
                        .status())
                .isEqualTo(200);
        assertThat(owner.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "300"))
                        .status())
                .isEqualTo(201);
        var member = fixtures.addMember(t, "member", ws);
        var colleague = fixtures.addMember(t, "member", ws);
        // The member has 20 credits held, a colleague 15: both count against the workspace's limit.
        assertThat(owner.post(
                                t.ws(ws) + "/holds",
                                Map.of("amount", "20", "category", "chat", "user_id", member.userId()))
                        .status())
                .isEqualTo(201);
        assertThat(owner.post(
                                t.ws(ws) + "/holds",
                                Map.of("amount", "15", "category", "chat", "user_id", colleague.userId()))
                        .status())
                .isEqualTo(201);

        var c = ConsoleClient.signedIn(fixtures, member);
        String org = "/orgs/" + t.orgId();
        for (String path : List.of(org + "/workspaces/" + ws, org + "/workspaces/" + ws + "/playground")) {
            var page = c.get(path);
            assertThat(page.status()).as(path).isEqualTo(200);
            String left = section(page.body(), "credits-left");
            assertThat(left)
                    .as(path)
                    .contains("id=\"left-available\" title=\"265\">265.00<") // 300 − 20 − 15
                    .contains("id=\"left-workspace-limit\" title=\"165\">165.00<") // 200 − 35 this month
                    .contains("of 200.00 this month")
                    .contains("id=\"left-member-limit\" title=\"30\">30.00<") // 50 − 20 today
                    .contains("of 50.00 today")
                    .contains("id=\"left-now\" title=\"30\">30.00<");
        }
        // The colleague's own limit is theirs.
        String theirs = section(
                ConsoleClient.signedIn(fixtures, colleague)
                        .get(org + "/workspaces/" + ws + "/playground")
                        .body(),
                "credits-left");
        assertThat(theirs).contains("id=\"left-member-limit\" title=\"35\">35.00<");

        // With overflow to the pool, the pool's credits come after the budget's; the limits still cap.
        assertThat(owner.put(
                                t.ws(ws) + "/funding",
                                Map.of(
                                        "mode",
                                        "budget",
                                        "overflow_to_pool",
                                        true,
                                        "spend_limit",
                                        Map.of("amount", "200", "period", "month"),
                                        "member_spend_limit",
                                        Map.of("amount", "50", "period", "day")))
                        .status())
                .isEqualTo(200);
        assertThat(section(c.get(org + "/workspaces/" + ws).body(), "credits-left"))
                .contains("id=\"left-available\" title=\"265\">265.00<")
                .contains("id=\"left-pool\" title=\"700\">700.00<")
                .contains("id=\"left-now\" title=\"30\">30.00<");

        // A pool workspace shows the pool; no limits, no limit lines.
        var pooled = c.get(org + "/workspaces/" + t.primaryWorkspaceId());
        assertThat(pooled.status()).isEqualTo(404); // not assigned there
        fixtures.assign(t, t.primaryWorkspaceId(), member, "member");
        String pool =
                section(c.get(org + "/workspaces/" + t.primaryWorkspaceId()).body(), "credits-left");
        assertThat(pool)
                .contains("id=\"left-available\" title=\"700\">700.00<", "organization’s pool")
                .doesNotContain("left-workspace-limit", "left-member-limit");

        // Another organization's member sees none of it.
        var other = fixtures.tenant("Nosy Neighbours");
        var nosy = ConsoleClient.signedIn(fixtures, other.owner());
        for (String path : List.of(org + "/workspaces/" + ws, org + "/workspaces/" + ws + "/playground")) {
            var page = nosy.get(path);
            assertThat(page.status()).as(path).isEqualTo(404);
            assertThat(page.body()).doesNotContain("credits-left", "265");
        }
    }

    /** The element with the id, up to the end of the page (enough to look inside it). */
    private static String section(String body, String id) {
        int at = body.indexOf("id=\"" + id + "\"");
        assertThat(at).as("element #" + id).isNotNegative();
        return body.substring(at);
    }

    private static void assertNavigation(String body, String org) {
        assertThat(body)
                .contains("class=\"site-nav\"", "href=\"" + org + "/workspaces\"", "href=\"" + org + "/playground\"")
                .contains("Sign out")
                .doesNotContain("href=\"" + org + "/members\"");
    }
}
