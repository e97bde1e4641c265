package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The console's pages over HTTP: sign-in, what each role sees, validation, keys, htmx fragments. */
@IntegrationTest
class ConsolePagesTest {
    @Autowired
    Fixtures fixtures;

    private ConsoleClient browser() {
        return new ConsoleClient(fixtures.baseUrl());
    }

    private ConsoleClient signedIn(Fixtures.Person person) {
        ConsoleClient c = browser();
        var page = c.signIn(person.email(), Fixtures.PASSWORD);
        assertThat(page.status()).isEqualTo(302);
        assertThat(page.redirectPath()).isEqualTo("/");
        c.follow(page); // the session's CSRF token changes at sign-in: read the new one
        return c;
    }

    @Test
    void consolePagesNeedASignedInSession() {
        var page = browser().get("/orgs/org_whatever");
        assertThat(page.status()).isEqualTo(302);
        assertThat(page.redirectPath()).isEqualTo("/sign-in");
    }

    @Test
    void signInPageRendersWithCsrfAndAStrictContentSecurityPolicy() {
        fixtures.person("someone"); // once a user exists, the console asks for sign-in rather than setup
        var page = browser().get("/sign-in");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("name=\"_csrf\"", "<label for=\"email\">Email</label>");
        assertThat(page.raw().headers().firstValue("Content-Security-Policy").orElse(""))
                .contains("script-src 'self'", "frame-ancestors 'none'");
    }

    @Test
    void wrongPasswordSaysSoWithoutSigningIn() {
        var t = fixtures.tenant("wrong-pass");
        var c = browser();
        var page = c.signIn(t.owner().email(), "not the password at all");
        assertThat(page.redirectPath()).isEqualTo("/sign-in?error=invalid");
        assertThat(c.follow(page).body()).contains("Email or password is incorrect.");
        assertThat(c.get("/orgs/" + t.orgId()).status()).isEqualTo(302);
    }

    @Test
    void formWithoutCsrfTokenIsRefused() {
        var t = fixtures.tenant("csrf");
        var c = signedIn(t.owner());
        var page = c.post("/orgs/" + t.orgId() + "/workspaces", Map.of("name", "X", "_csrf", "forged"));
        assertThat(page.status()).isEqualTo(403);
    }

    @Test
    void sessionCookieIsHttpOnlyAndSameSiteLax() {
        var t = fixtures.tenant("cookie");
        var c = browser();
        c.get("/sign-in");
        var page = c.post("/sign-in", Map.of("email", t.owner().email(), "password", Fixtures.PASSWORD));
        String cookie = page.raw().headers().allValues("Set-Cookie").stream()
                .filter(v -> v.startsWith("JSESSIONID"))
                .findFirst()
                .orElseThrow();
        assertThat(cookie).contains("HttpOnly").containsIgnoringCase("SameSite=Lax");
    }

    @Test
    void theApiStaysBearerOnlyEvenWithAConsoleSession() {
        var t = fixtures.tenant("api-session");
        var c = signedIn(t.owner());
        var page = c.get("/api/v1/me");
        assertThat(page.status()).isEqualTo(401);
        assertThat(page.raw().headers().firstValue("Content-Type").orElse("")).contains("problem+json");
    }

    @Test
    void homeTakesTheUserToTheirOrganization() {
        var t = fixtures.tenant("home");
        var c = signedIn(t.owner());
        var page = c.get("/");
        assertThat(page.redirectPath()).isEqualTo("/orgs/" + t.orgId());
    }

    @Test
    void ownerSeesThePoolAndEveryWorkspaceWithItsFunding() {
        var t = fixtures.tenant("overview");
        fixtures.workspace(t, "Client Alpha");
        var c = signedIn(t.owner());
        var page = c.get("/orgs/" + t.orgId());
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body())
                .contains("Pool available", "id=\"pool-held\"", "Client Alpha", "Primary Workspace", "pool")
                .contains("Organization") // the switcher
                .contains(t.owner().email());
    }

    @Test
    void memberSeesOnlyTheirWorkspacesAndNoCredits() {
        var t = fixtures.tenant("member-view");
        String assigned = fixtures.workspace(t, "Assigned Gamma");
        String other = fixtures.workspace(t, "Hidden Delta");
        var member = fixtures.addMember(t, "member", assigned);
        var c = signedIn(member);
        var overview = c.get("/orgs/" + t.orgId());
        assertThat(overview.status()).isEqualTo(200);
        assertThat(overview.body()).contains("Assigned Gamma").doesNotContain("Hidden Delta", "Pool available");
        assertThat(c.get("/orgs/" + t.orgId() + "/workspaces").body()).doesNotContain("Hidden Delta");
        assertThat(c.get("/orgs/" + t.orgId() + "/workspaces/" + other).status())
                .isEqualTo(404);
        assertThat(c.get("/orgs/" + t.orgId() + "/workspaces/" + assigned).status())
                .isEqualTo(200);
    }

    @Test
    void memberCannotOpenAdminPagesNorPostAdminForms() {
        var t = fixtures.tenant("member-admin");
        var member = fixtures.addMember(t, "member", null);
        var c = signedIn(member);
        var form = c.get("/orgs/" + t.orgId() + "/workspaces/new");
        assertThat(form.status()).isEqualTo(403);
        assertThat(form.body()).contains("Not allowed");
        assertThat(c.post("/orgs/" + t.orgId() + "/workspaces", Map.of("name", "Sneaky"))
                        .status())
                .isEqualTo(403);
        assertThat(c.post("/orgs/" + t.orgId() + "/workspaces/" + t.primaryWorkspaceId() + "/archive", Map.of())
                        .status())
                .isEqualTo(403);
    }

    @Test
    void anotherOrganizationIsNotFound() {
        var mine = fixtures.tenant("mine");
        var theirs = fixtures.tenant("theirs");
        var c = signedIn(mine.owner());
        assertThat(c.get("/orgs/" + theirs.orgId()).status()).isEqualTo(404);
        assertThat(c.get("/orgs/" + theirs.orgId() + "/workspaces/" + theirs.primaryWorkspaceId())
                        .status())
                .isEqualTo(404);
        assertThat(c.get("/orgs/switch?org=" + theirs.orgId()).status()).isEqualTo(404);
    }

    @Test
    void invalidWorkspaceFormRedirectsBackKeepingTheInputAndSayingWhy() {
        var t = fixtures.tenant("validation");
        var c = signedIn(t.owner());
        var post = c.post(
                "/orgs/" + t.orgId() + "/workspaces",
                Map.of("name", "   ", "kind", "research", "description", "keep me"));
        assertThat(post.status()).isEqualTo(302);
        assertThat(post.redirectPath()).isEqualTo("/orgs/" + t.orgId() + "/workspaces/new");
        var form = c.follow(post);
        assertThat(form.body())
                .contains("name is required.", "keep me", "value=\"research\" selected")
                .contains("aria-invalid=\"true\"");
    }

    @Test
    void createdWorkspaceOpensWithItsCreatorAsAdmin() {
        var t = fixtures.tenant("create");
        var c = signedIn(t.owner());
        var post = c.post(
                "/orgs/" + t.orgId() + "/workspaces",
                Map.of("name", "Campaign Q3", "kind", "campaign", "description", ""));
        assertThat(post.redirectPath()).startsWith("/orgs/" + t.orgId() + "/workspaces/ws_");
        var detail = c.follow(post);
        assertThat(detail.body()).contains("Campaign Q3", "created.", t.owner().email(), "admin");
    }

    @Test
    void newKeySecretIsShownOnceOnly() {
        var t = fixtures.tenant("keys");
        var c = signedIn(t.owner());
        String path = "/orgs/" + t.orgId() + "/workspaces/" + t.primaryWorkspaceId();
        var post = c.post(path + "/keys", Map.of("name", "production app"));
        var shown = c.follow(post);
        assertThat(shown.body()).contains("Your new API key", "atr_ws_", "data-copy");
        var again = c.get(path);
        assertThat(again.body()).contains("production app").doesNotContain("Your new API key");
    }

    @Test
    void archiveWithHtmxAnswersTheTableRowAndWithoutJavaScriptRedirects() {
        var t = fixtures.tenant("archive");
        String ws = fixtures.workspace(t, "Old Client");
        var c = signedIn(t.owner());
        c.get("/orgs/" + t.orgId() + "/workspaces");
        var row = c.post(
                "/orgs/" + t.orgId() + "/workspaces/" + ws + "/archive",
                Map.of(),
                Map.of("HX-Request", "true", "X-CSRF-TOKEN", c.csrfToken()));
        assertThat(row.status()).isEqualTo(200);
        assertThat(row.body())
                .startsWith("<tr")
                .contains("archived", "Unarchive")
                .doesNotContain("<html");
        var plain = c.post("/orgs/" + t.orgId() + "/workspaces/" + ws + "/unarchive", Map.of());
        assertThat(plain.status()).isEqualTo(302);
        assertThat(c.follow(plain).body()).contains("Workspace “Old Client” unarchived.");
    }

    @Test
    void primaryWorkspaceCannotBeArchivedFromTheConsole() {
        var t = fixtures.tenant("primary");
        var c = signedIn(t.owner());
        var post = c.post("/orgs/" + t.orgId() + "/workspaces/" + t.primaryWorkspaceId() + "/archive", Map.of());
        assertThat(c.follow(post).body()).contains("The Primary Workspace cannot be archived.");
    }

    @Test
    void htmlAssetsAreServedWithoutSignIn() {
        var c = browser();
        assertThat(c.get("/css/console.css").status()).isEqualTo(200);
        assertThat(c.get("/js/console.js").status()).isEqualTo(200);
        assertThat(c.get("/webjars/htmx.org/dist/htmx.min.js").status()).isEqualTo(200);
    }

    @Test
    void signOutEndsTheSession() {
        var t = fixtures.tenant("sign-out");
        var c = signedIn(t.owner());
        c.get("/orgs/" + t.orgId());
        var out = c.post("/sign-out", Map.of());
        assertThat(out.redirectPath()).isEqualTo("/sign-in?signed-out");
        assertThat(c.get("/orgs/" + t.orgId()).status()).isEqualTo(302);
    }
}
