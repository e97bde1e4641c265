package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The credits page: grants, plan, statement with filter and paging, alerts, webhooks; who may see it. */
@IntegrationTest
class CreditsConsolePagesTest {
    @Autowired
    Fixtures fixtures;

    private static String credits(Fixtures.Tenant t) {
        return "/orgs/" + t.orgId() + "/credits";
    }

    @Test
    void grantFormGrantsOnceEvenWhenSubmittedTwiceAndKeepsInvalidInput() {
        var t = fixtures.tenant("credits-grant");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var empty = c.get(credits(t));
        assertThat(empty.status()).isEqualTo(200);
        assertThat(empty.body()).contains("No credits granted yet");

        var form = Map.of(
                "amount",
                "120.5",
                "kind",
                "promotional",
                "note",
                "launch",
                "token",
                UUID.randomUUID().toString());
        assertThat(c.follow(c.post(credits(t) + "/grants", form)).body())
                .contains("120.5 credits granted (promotional).");
        var again = c.follow(c.post(credits(t) + "/grants", form));
        assertThat(again.body()).contains("id=\"granted-total\">120.5<", "launch");

        var bad = c.follow(c.post(credits(t) + "/grants", Map.of("amount", "-3", "kind", "purchase", "note", "oops")));
        assertThat(bad.body()).contains("amount must be greater than 0.", "value=\"-3\"", "value=\"oops\"");
        var audit = fixtures.api().as(t.owner().token()).get(t.path() + "/audit-events?action=credits.granted");
        assertThat(audit.json().path("data").size()).isEqualTo(1);
    }

    @Test
    void statementFiltersByWorkspaceAndPages() {
        var t = fixtures.tenant("credits-statement");
        String ws = fixtures.workspace(t, "Paged");
        var api = fixtures.api().as(t.owner().token());
        api.withHeader("Idempotency-Key", "g").post(t.path() + "/credits/grants", Map.of("amount", "1000"));
        api.put(t.ws(ws) + "/funding", Map.of("mode", "budget"));
        for (int i = 0; i < 26; i++) {
            var r = api.withHeader("Idempotency-Key", "a" + i)
                    .post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "1"));
            assertThat(r.status()).isEqualTo(201);
        }
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var first = c.get(credits(t) + "?workspace=" + ws);
        assertThat(first.body()).contains("allocation", "Paged", "Older →").doesNotContain(">grant<");
        var all = c.get(credits(t));
        assertThat(all.body()).contains("Older →");
        String older = first.body()
                .replaceAll("(?s).*id=\"statement-older\" href=\"([^\"]+)\".*", "$1")
                .replace("&amp;", "&");
        var second = c.get(older.replaceAll("#.*", ""));
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.body()).contains("← Newest", "allocation").doesNotContain("statement-older");

        var other = fixtures.tenant("credits-statement-other");
        assertThat(c.get(credits(t) + "?workspace=" + other.primaryWorkspaceId())
                        .status())
                .isEqualTo(404);
    }

    /** The rows of the rendered table with this id. */
    private static String table(String body, String id) {
        int start = body.indexOf("id=\"" + id + "\"");
        assertThat(start).as("table " + id).isPositive();
        return body.substring(body.indexOf("<tbody>", start), body.indexOf("</table>", start));
    }

    private static int count(String text, String needle) {
        return text.split(java.util.regex.Pattern.quote(needle), -1).length - 1;
    }

    @Test
    void statementAndRecentMovementsShowOneLinePerRequestWithItsEntriesBehindAToggle() {
        var t = fixtures.tenant("credits-requests");
        String ws = t.primaryWorkspaceId();
        var api = fixtures.api().as(t.owner().token());
        api.withHeader("Idempotency-Key", "g").post(t.path() + "/credits/grants", Map.of("amount", "100"));
        var captured = api.post(t.ws(ws) + "/holds", Map.of("amount", "10", "category", "chat", "model", "demo/chat"));
        assertThat(captured.status()).as(captured.toString()).isEqualTo(201);
        assertThat(api.post(t.ws(ws) + "/holds/" + captured.text("id") + "/capture", Map.of("amount", "3"))
                        .status())
                .isEqualTo(200);
        var voided = api.post(t.ws(ws) + "/holds", Map.of("amount", "5", "category", "image"));
        assertThat(api.post(t.ws(ws) + "/holds/" + voided.text("id") + "/void", null)
                        .status())
                .isEqualTo(200);
        var open = api.post(t.ws(ws) + "/holds", Map.of("amount", "2", "category", "chat"));
        assertThat(open.status()).isEqualTo(201);

        var c = ConsoleClient.signedIn(fixtures, t.owner());
        String grouped = table(c.get(credits(t)).body(), "statement-table");
        // The grant and three requests: four lines, however many journal entries they took.
        assertThat(count(grouped, "<tr data-kind=")).isEqualTo(4);
        assertThat(count(grouped, "data-kind=\"request\"")).isEqualTo(3);
        assertThat(grouped)
                .doesNotContain("data-kind=\"capture\"", "data-kind=\"release\"", "data-kind=\"hold\"")
                .contains(">request<", ">request (voided)<", ">request (open)<")
                // Net charges: 3 captured, 0 for the voided and the open request.
                .contains("class=\"num line-amount\">3<", "class=\"num line-amount\">0<", "demo/chat · chat")
                // Behind each request's toggle: its hold, capture and release.
                .contains("<details class=\"line-entries\">", "data-entry-kind=\"capture\"")
                .contains("data-entry-kind=\"release\"", "data-entry-kind=\"void\"");
        assertThat(count(grouped, "data-entry-kind=\"hold\"")).isEqualTo(3);

        String journal = table(c.get(credits(t) + "?detail=entries").body(), "statement-table");
        // grant, 3 holds, capture, release, void: every entry on its own row.
        assertThat(count(journal, "<tr>")).isEqualTo(7);
        assertThat(journal).contains(">capture<", ">release<", ">void<", ">hold<");

        String funding = "/orgs/" + t.orgId() + "/workspaces/" + ws + "/funding";
        var page = c.get(funding);
        assertThat(page.body()).contains("Show every ledger entry");
        String recent = table(page.body(), "entries");
        assertThat(count(recent, "data-kind=\"request\"")).isEqualTo(3);
        assertThat(recent).doesNotContain("data-kind=\"capture\"");
        assertThat(count(table(c.get(funding + "?detail=entries").body(), "entries"), "<tr>"))
                .isEqualTo(6);
    }

    @Test
    void planAlertsAndWebhooksAreManagedFromThePage() {
        var t = fixtures.tenant("credits-settings");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var plan = c.follow(c.post(credits(t) + "/subscription", Map.of("monthly_credits", "500", "rollover", "true")));
        assertThat(plan.body()).contains("Plan saved: 500 credits each month.", "unused credits roll over");
        var cancelled = c.follow(c.post(credits(t) + "/subscription/cancel", Map.of()));
        assertThat(cancelled.body()).contains("Plan cancelled");

        assertThat(c.follow(c.post(credits(t) + "/alerts", Map.of("pool_below", "25")))
                        .body())
                .contains("Pool alert saved.", "value=\"25\"");
        var thr =
                c.follow(c.post(credits(t) + "/alerts/" + t.primaryWorkspaceId(), Map.of("thresholds", "80, 50 100")));
        assertThat(thr.body()).contains("saved at [50, 80, 100] percent.", "value=\"50, 80, 100\"");
        assertThat(c.follow(c.post(credits(t) + "/alerts/" + t.primaryWorkspaceId(), Map.of("thresholds", "lots")))
                        .body())
                .contains("Thresholds are whole percentages");

        var created = c.follow(c.post(
                "/orgs/" + t.orgId() + "/webhooks", Map.of("url", "https://hooks.example.com/atrium", "events", "*")));
        assertThat(created.body()).contains("Signing secret", "https://hooks.example.com/atrium");
        assertThat(c.get(credits(t)).body()).doesNotContain("Signing secret");
        String id = fixtures.api()
                .as(t.owner().token())
                .get(t.path() + "/webhooks")
                .json()
                .path("data")
                .get(0)
                .path("id")
                .asString();
        assertThat(c.get(credits(t) + "?webhook=" + id).body()).contains("Delivery log", "Nothing delivered");
        var bad = c.follow(c.post("/orgs/" + t.orgId() + "/webhooks", Map.of("url", "ftp://nope")));
        assertThat(bad.body()).contains("flash-error", "value=\"ftp://nope\"");
        assertThat(c.follow(c.post("/orgs/" + t.orgId() + "/webhooks/" + id + "/delete", Map.of()))
                        .body())
                .contains("Webhook deleted.", "No webhooks");
    }

    @Test
    void membersCannotSeeCreditsAndBillingSeesNoWebhooks() {
        var t = fixtures.tenant("credits-authz");
        var member = fixtures.addMember(t, "member", null);
        var billing = fixtures.addMember(t, "billing", null);
        var m = ConsoleClient.signedIn(fixtures, member);
        assertThat(m.get(credits(t)).status()).isEqualTo(403);
        assertThat(m.post(credits(t) + "/grants", Map.of("amount", "5")).status())
                .isEqualTo(403);
        assertThat(m.post("/orgs/" + t.orgId() + "/webhooks", Map.of("url", "https://x.example.com"))
                        .status())
                .isEqualTo(403);
        var b = ConsoleClient.signedIn(fixtures, billing);
        var page = b.get(credits(t));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("New grant").doesNotContain("New webhook");
        assertThat(b.post("/orgs/" + t.orgId() + "/webhooks", Map.of("url", "https://x.example.com"))
                        .status())
                .isEqualTo(403);
        var stranger = fixtures.tenant("credits-stranger");
        assertThat(ConsoleClient.signedIn(fixtures, stranger.owner())
                        .get(credits(t))
                        .status())
                .isEqualTo(404);
    }
}
