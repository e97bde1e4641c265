package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The audit log page: what it lists, its filters and paging, and that only owners and admins open it. */
@IntegrationTest
class AuditConsolePageTest {
    @Autowired
    Fixtures fixtures;

    @Test
    void ownerSeesActionsWithTheirAuthorAndFiltersThem() {
        var t = fixtures.tenant("audit-page");
        String ws = fixtures.workspace(t, "Audited");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        String base = "/orgs/" + t.orgId() + "/audit";
        var page = c.get(base);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body())
                .contains("data-action=\"workspace.created\"", "data-action=\"organization.created\"", "Audited")
                .contains("owner (" + t.owner().email() + ")");

        var byAction = c.get(base + "?action=workspace.created");
        assertThat(byAction.body())
                .contains("data-action=\"workspace.created\"")
                .doesNotContain("data-action=\"organization.created\"");
        var byTarget = c.get(base + "?target=" + ws);
        assertThat(byTarget.body()).contains(ws).doesNotContain("data-action=\"organization.created\"");
        var none = c.get(base + "?action=nothing.happened");
        assertThat(none.body()).contains("No recorded actions match these filters.");
    }

    @Test
    void theLogPagesThroughOlderEvents() {
        var t = fixtures.tenant("audit-paging");
        for (int i = 0; i < 51; i++) fixtures.workspace(t, "W" + i);
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var first = c.get("/orgs/" + t.orgId() + "/audit");
        assertThat(first.body()).contains("Older →");
        String older = first.body()
                .replaceAll("(?s).*id=\"audit-older\" href=\"([^\"]+)\".*", "$1")
                .replace("&amp;", "&");
        var second = c.get(older);
        assertThat(second.body())
                .contains("← Newest", "data-action=\"organization.created\"")
                .doesNotContain("audit-older");
    }

    @Test
    void billingAndMembersCannotOpenTheAuditLog() {
        var t = fixtures.tenant("audit-authz");
        var billing = fixtures.addMember(t, "billing", null);
        var member = fixtures.addMember(t, "member", null);
        assertThat(ConsoleClient.signedIn(fixtures, billing)
                        .get("/orgs/" + t.orgId() + "/audit")
                        .status())
                .isEqualTo(403);
        var m = ConsoleClient.signedIn(fixtures, member);
        assertThat(m.get("/orgs/" + t.orgId() + "/audit").status()).isEqualTo(403);
        assertThat(m.get("/orgs/" + t.orgId()).body()).doesNotContain("Audit log");
        var stranger = fixtures.tenant("audit-stranger");
        assertThat(ConsoleClient.signedIn(fixtures, stranger.owner())
                        .get("/orgs/" + t.orgId() + "/audit")
                        .status())
                .isEqualTo(404);
    }
}
