package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The console's layout over HTTP: error pages keep the header and the navigation. */
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
        var nowhere = c.get(org + "/no-such-page", java.util.Map.of("Accept", "text/html"));
        assertThat(nowhere.status()).isEqualTo(404);
        assertNavigation(nowhere.body(), org);
        assertThat(nowhere.body()).contains("Not found");
    }

    private static void assertNavigation(String body, String org) {
        assertThat(body)
                .contains("class=\"site-nav\"", "href=\"" + org + "/workspaces\"", "href=\"" + org + "/playground\"")
                .contains("Sign out")
                .doesNotContain("href=\"" + org + "/members\"");
    }
}
