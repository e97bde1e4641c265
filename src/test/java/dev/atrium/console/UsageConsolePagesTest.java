package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The usage page (charts' data, tables, CSV) and the client statement; what each role may see. */
@IntegrationTest
class UsageConsolePagesTest {
    @Autowired
    Fixtures fixtures;

    private void usage(Fixtures.Tenant t, String ws, String model, String category, String credits) {
        var api = fixtures.api().as(t.owner().token());
        var grant = api.withHeader("Idempotency-Key", UUID.randomUUID().toString())
                .post(t.path() + "/credits/grants", Map.of("amount", "100", "kind", "purchase"));
        assertThat(grant.status()).isEqualTo(201);
        var event = Map.<String, Object>of(
                "id", "evt-" + UUID.randomUUID(),
                "workspace_id", ws,
                "model", model,
                "category", category,
                "credits", credits,
                "occurred_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        var r = api.post(t.path() + "/usage/events", Map.of("events", List.of(event)));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    @Test
    void ownerSeesCreditsByCategoryModelAndWorkspaceAndDownloadsTheCsv() {
        var t = fixtures.tenant("usage-page");
        String alpha = fixtures.workspace(t, "Client Alpha");
        String beta = fixtures.workspace(t, "Client Beta");
        usage(t, alpha, "demo/chat", "chat", "2.5");
        usage(t, beta, "demo/image", "image", "4");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        var page = c.get("/orgs/" + t.orgId() + "/usage");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body())
                .contains("id=\"usage-total\">6.5<", "/dist/echarts.min.js", "Client statement")
                .contains("&quot;chatbot&quot;:[", "&quot;demo/image&quot;:[", "&quot;Client Alpha&quot;:[");
        assertThat(page.body()).contains("data-workspace=\"Client Beta\"");
        assertThat(c.get("/webjars/echarts/dist/echarts.min.js").status()).isEqualTo(200);

        var csv = c.get("/orgs/" + t.orgId() + "/usage/export.csv");
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.raw().headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(csv.body())
                .startsWith("bucket_start,workspace_id,workspace_name,user_id,member_email,model,category,count")
                .contains(
                        alpha + ",Client Alpha,,,demo/chat,chat,1", "2.5", beta + ",Client Beta,,,demo/image,image,1");

        var onlyAlpha = c.get("/orgs/" + t.orgId() + "/usage?workspace=" + alpha);
        assertThat(onlyAlpha.body())
                .contains("id=\"usage-total\">2.5<")
                .doesNotContain("data-workspace=\"Client Beta\"");
        var past = c.get("/orgs/" + t.orgId() + "/usage?from=2020-01-01&to=2020-01-31");
        assertThat(past.body()).contains("No usage in this period.");
        assertThat(c.get("/orgs/" + t.orgId() + "/usage?from=tomorrow").body())
                .contains("Dates are written as YYYY-MM-DD.");
    }

    @Test
    void statementShowsAWorkspacesBillAndItsCsv() {
        var t = fixtures.tenant("usage-statement");
        String alpha = fixtures.workspace(t, "Client Alpha");
        usage(t, alpha, "demo/chat", "chat", "3");
        var c = ConsoleClient.signedIn(fixtures, t.owner());
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        var choose = c.get("/orgs/" + t.orgId() + "/usage/statement");
        assertThat(choose.body()).contains("Choose a workspace to see its statement");
        var page =
                c.get("/orgs/" + t.orgId() + "/usage/statement?workspace=" + alpha + "&from=" + today + "&to=" + today);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("Client Alpha", "demo/chat", "id=\"statement-total\">3<", "data-print");
        var csv = c.get("/orgs/" + t.orgId() + "/usage/statement.csv?workspace=" + alpha);
        assertThat(csv.body()).startsWith("model,category,count").contains("demo/chat,chat,1", "total,,1");
    }

    @Test
    void aMemberSeesTheUsageOfTheirWorkspacesOnlyAndNoStatement() {
        var t = fixtures.tenant("usage-member");
        String mine = fixtures.workspace(t, "Mine");
        String hidden = fixtures.workspace(t, "Hidden Delta");
        usage(t, mine, "demo/chat", "chat", "1");
        usage(t, hidden, "demo/chat", "chat", "7");
        var member = fixtures.addMember(t, "member", mine);
        var c = ConsoleClient.signedIn(fixtures, member);
        var page = c.get("/orgs/" + t.orgId() + "/usage");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body())
                .contains("id=\"usage-total\">1<", "data-workspace=\"Mine\"")
                .doesNotContain("Hidden Delta", "Client statement");
        assertThat(c.get("/orgs/" + t.orgId() + "/usage?workspace=" + hidden).status())
                .isEqualTo(404);
        assertThat(c.get("/orgs/" + t.orgId() + "/usage/export.csv").body()).doesNotContain(hidden);
        assertThat(c.get("/orgs/" + t.orgId() + "/usage/export.csv?workspace=" + hidden)
                        .status())
                .isEqualTo(404);
        assertThat(c.get("/orgs/" + t.orgId() + "/usage/statement?workspace=" + mine)
                        .status())
                .isEqualTo(403);
        var stranger = fixtures.tenant("usage-stranger");
        assertThat(ConsoleClient.signedIn(fixtures, stranger.owner())
                        .get("/orgs/" + t.orgId() + "/usage")
                        .status())
                .isEqualTo(404);
    }

    @Test
    void overviewShowsThisMonthsCreditsPerWorkspaceAndTheBurnRate() {
        var t = fixtures.tenant("usage-overview");
        String alpha = fixtures.workspace(t, "Client Alpha");
        usage(t, alpha, "demo/chat", "chat", "2");
        usage(t, alpha, "demo/image", "image", "5");
        var owner = ConsoleClient.signedIn(fixtures, t.owner()).get("/orgs/" + t.orgId());
        String row = owner.body().substring(owner.body().indexOf("data-workspace=\"Client Alpha\""));
        assertThat(row.substring(0, row.indexOf("</tr>")))
                .contains(
                        "class=\"num image-speech\" title=\"5\">5.00<",
                        "class=\"num chatbot\" title=\"2\">2.00<",
                        "class=\"num total\" title=\"7\">7.00<");
        assertThat(owner.body()).contains("id=\"burn-rate\"", "credits a day on average");

        var member = fixtures.addMember(t, "member", alpha);
        var page = ConsoleClient.signedIn(fixtures, member).get("/orgs/" + t.orgId());
        assertThat(page.body())
                .contains("class=\"num total\" title=\"7\">7.00<")
                .doesNotContain("burn-rate", "Pool available");
    }
}
