package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Chromium;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The console in a real browser (headless Chromium through Selenium), on an Atrium of its own that
 * starts with no user: setup, sign-in, workspaces, funding, a key, an invitation accepted by a new
 * member who then sees only their workspace. Screenshots of each page go to target/screenshots/.
 * Skipped, with a message, where Chromium and its driver are not installed.
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.console.browser-test=fresh-instance")
class ConsoleBrowserTest {
    private static final Path SHOTS = Chromium.SHOTS;
    private static final Path DOWNLOADS = Path.of("target", "downloads").toAbsolutePath();
    private static final String OWNER = "olivia@example.com";
    private static final String MEMBER = "max@example.com";

    @Autowired
    Fixtures fixtures;

    private WebDriver driver;
    private WebDriverWait wait;
    private Chromium chromium;

    @BeforeEach
    void startChromium() throws IOException {
        chromium = Chromium.start(Duration.ofSeconds(10), "1280,900", DOWNLOADS);
        driver = chromium.driver();
        wait = chromium.await();
        if (Files.isDirectory(DOWNLOADS)) {
            try (var old = Files.list(DOWNLOADS)) {
                old.forEach(f -> f.toFile().delete());
            }
        }
        Files.createDirectories(DOWNLOADS);
    }

    @AfterEach
    void stopChromium() throws IOException {
        if (chromium != null) chromium.close();
    }

    @Test
    void ownerSetsUpFundsAndInvitesAMemberWhoSeesOnlyTheirWorkspace() throws IOException {
        // First run: the console sends everyone to setup.
        open("/");
        waitForPath("/setup");
        shot("01-setup");
        type("token", "wrong-token");
        type("organizationName", "Acme Agency");
        type("name", "Olivia Owner");
        type("email", OWNER);
        type("password", Fixtures.PASSWORD);
        submit();
        waitForText("The setup token is not correct.");
        assertThat(value("organizationName")).isEqualTo("Acme Agency");
        shot("02-setup-wrong-token");
        type("token", IntegrationTest.SETUP_TOKEN);
        type("password", Fixtures.PASSWORD);
        submit();

        waitForPath("/sign-in");
        assertThat(text()).contains("Atrium is set up.");
        assertThat(value("email")).isEqualTo(OWNER);
        shot("03-sign-in");
        type("password", Fixtures.PASSWORD);
        submit();

        wait.until(ExpectedConditions.urlMatches("/orgs/org_[a-z0-9]+$"));
        String org = driver.getCurrentUrl().replaceAll(".*/orgs/", "");
        assertThat(text()).contains("Acme Agency", "Primary Workspace", "Olivia Owner");
        assertThat(driver.findElement(By.id("pool-available")).getText()).isEqualTo("0.00");
        shot("04-overview");

        // Two workspaces, the first try without a name.
        driver.findElement(By.linkText("New workspace")).click();
        waitForPath("/orgs/" + org + "/workspaces/new");
        type("description", "For the Alpha account");
        submit();
        waitForText("name is required.");
        assertThat(value("description")).isEqualTo("For the Alpha account");
        shot("05-new-workspace-error");
        type("name", "Client Alpha");
        new Select(driver.findElement(By.id("kind"))).selectByValue("client");
        submit();
        waitForText("Workspace “Client Alpha” created.");
        String alpha = driver.getCurrentUrl().replaceAll(".*/workspaces/", "");
        shot("06-workspace-created");
        open("/orgs/" + org + "/workspaces/new");
        type("name", "Research Beta");
        new Select(driver.findElement(By.id("kind"))).selectByValue("research");
        submit();
        waitForText("Workspace “Research Beta” created.");

        // Credits in the console: a grant, then Client Alpha on a budget of 40.
        open("/orgs/" + org + "/credits");
        shot("07-credits-empty");
        type("grant-amount", "abc");
        click("#grant-form button[type=submit]");
        waitForText("amount must be a decimal amount");
        assertThat(value("grant-amount")).isEqualTo("abc");
        type("grant-amount", "100");
        type("grant-note", "First top-up");
        click("#grant-form button[type=submit]");
        waitForText("100 credits granted (purchase).");
        assertThat(driver.findElement(By.id("pool-available")).getText()).isEqualTo("100");
        shot("08-credits-granted");

        open("/orgs/" + org + "/workspaces/" + alpha);
        driver.findElement(By.linkText("Funding")).click();
        waitForPath("/orgs/" + org + "/workspaces/" + alpha + "/funding");
        click("input[name=mode][value=budget]");
        click("main form[action$='/funding'] button[type=submit]");
        waitForText("Funding saved: own budget.");
        type("allocate-amount", "40");
        click("form:has(#allocate-amount) button[type=submit]");
        waitForText("40 credits allocated from the pool.");
        assertThat(driver.findElement(By.id("workspace-available")).getText()).isEqualTo("40");
        shot("09-funding");

        open("/orgs/" + org);
        WebElement alphaRow = driver.findElement(By.cssSelector("tr[data-workspace='Client Alpha']"));
        assertThat(alphaRow.findElement(By.className("mode")).getText()).isEqualTo("budget");
        assertThat(alphaRow.findElement(By.className("available")).getText()).isEqualTo("40.00");
        assertThat(driver.findElement(By.id("pool-available")).getText()).isEqualTo("60.00");
        shot("10-overview-funded");

        // A key for Client Alpha, shown once.
        open("/orgs/" + org + "/workspaces/" + alpha);
        type("key-name", "production app");
        click("#key-form button[type=submit]");
        waitForText("Your new API key");
        String key = value("new-key-secret");
        assertThat(key).startsWith("atr_ws_");
        shot("11-workspace-new-key");
        driver.navigate().refresh();
        assertThat(text()).doesNotContain("Your new API key");

        // Its settings on their own page: spend limit, models, expiry, rate limits.
        click("a[aria-label='Edit production app']");
        waitForText("Edit key “production app”");
        type("spendAmount", "25");
        type("requestsPerMinute", "60");
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
        shot("11b-key-edit");
        click("#key-settings button[type=submit]");
        waitForText("Key “production app” saved.");
        assertThat(driver.findElement(By.cssSelector("tr[data-key='production app'] td.limits"))
                        .getText())
                .isEqualTo("60 requests/min");

        // Its policy, and the other settings pages.
        driver.findElement(By.linkText("Policy")).click();
        waitForText("What the gateway lets this workspace do.");
        shot("12-policy");
        open("/orgs/" + org + "/workspaces/" + alpha + "/edit");
        shot("13-edit-workspace");

        // Archive Research Beta from the list (htmx swaps the row); its deletion is explained first.
        open("/orgs/" + org + "/workspaces");
        click("button[aria-label='Archive Research Beta']");
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("button[aria-label='Unarchive Research Beta']")));
        shot("14-workspaces-list");
        driver.findElement(By.linkText("Research Beta")).click();
        driver.findElement(By.linkText("Delete…")).click();
        waitForText("Returned to the pool");
        shot("15-delete-confirmation");

        // An invitation to Client Alpha from the members page, accepted by a new person.
        open("/orgs/" + org + "/members");
        type("emails", MEMBER);
        new Select(driver.findElement(By.id("invite-workspace"))).selectByVisibleText("Client Alpha");
        click("#invite button[type=submit]");
        waitForText("Invitation created for " + MEMBER);
        String link = value("link-0");
        assertThat(link).contains("/invitations/accept?token=atr_inv_");
        shot("16-members-invited");
        signOut();
        driver.get(link);
        shot("17-invitation");
        type("name", "Max Member");
        type("password", "short");
        submit();
        waitForText("password must have at least 10 characters.");
        assertThat(value("name")).isEqualTo("Max Member");
        type("password", Fixtures.PASSWORD);
        submit();
        waitForPath("/sign-in");
        assertThat(text()).contains("You joined the organization.");
        type("password", Fixtures.PASSWORD);
        submit();

        wait.until(ExpectedConditions.urlMatches("/orgs/" + org + "$"));
        assertThat(text()).contains("Client Alpha", "Max Member").doesNotContain("Research Beta");
        assertThat(driver.findElements(By.id("pool-available"))).isEmpty();
        assertThat(driver.findElements(By.linkText("New workspace"))).isEmpty();
        assertThat(driver.findElements(By.linkText("Credits"))).isEmpty();
        shot("18-member-overview");
        open("/orgs/" + org + "/workspaces/new");
        assertThat(text()).contains("Not allowed");
        shot("19-member-forbidden");
        open("/orgs/" + org + "/usage");
        assertThat(text()).doesNotContain("Research Beta");
        shot("20-member-usage");
        signOut();

        // The owner watches usage move when the product calls the gateway with Client Alpha's key.
        type("email", OWNER);
        type("password", Fixtures.PASSWORD);
        submit();
        wait.until(ExpectedConditions.urlMatches("/orgs/org_[a-z0-9]+$"));
        open("/orgs/" + org + "/usage");
        waitForText("No usage in this period.");
        assertThat(gatewayChat(key)).isEqualTo(200);
        wait.until(d -> {
            d.navigate().refresh();
            return !d.findElements(By.id("usage-by-workspace")).isEmpty();
        });
        assertThat(driver.findElement(By.cssSelector("#usage-by-workspace tr[data-workspace='Client Alpha'] .chatbot"))
                        .getText())
                .isNotEqualTo("0");
        wait.until(
                d -> !d.findElements(By.cssSelector("#chart-category canvas")).isEmpty());
        shot("21-usage");
        click("#csv-export");
        wait.until(d -> Files.exists(DOWNLOADS) && listDownloads().stream().anyMatch(f -> f.endsWith(".csv")));
        Path downloaded = listDownloads().stream()
                .filter(f -> f.endsWith(".csv"))
                .map(DOWNLOADS::resolve)
                .findFirst()
                .orElseThrow();
        assertThat(Files.readString(downloaded)).startsWith("bucket_start,").contains(alpha, "demo/chat", "chat");

        driver.findElement(By.linkText("Client statement")).click();
        new Select(driver.findElement(By.id("workspace"))).selectByVisibleText("Client Alpha");
        click("form.filters button[type=submit]");
        waitForText("demo/chat");
        shot("22-client-statement");
        open("/orgs/" + org + "/credits");
        shot("23-credits-statement");
        open("/orgs/" + org + "/audit");
        assertThat(text()).contains("credits.allocated", "invitation.created", "workspace.archived");
        shot("24-audit-log");
        open("/orgs/" + org + "/members");
        assertThat(text()).contains("Max Member");
        shot("25-members");
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        open("/orgs/" + org);
        shot("26-phone-overview");
        open("/orgs/" + org + "/usage");
        wait.until(d -> !d.findElements(By.cssSelector("#usage-charts[data-drawn=true]"))
                .isEmpty());
        shot("27-phone-usage");
    }

    /** A chat completion through the gateway with a workspace key, as a product would call it. */
    private int gatewayChat(String key) {
        var request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(fixtures.baseUrl() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"demo/chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
                .build();
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private java.util.List<String> listDownloads() {
        try (var files = Files.list(DOWNLOADS)) {
            return files.map(f -> f.getFileName().toString()).toList();
        } catch (IOException e) {
            return java.util.List.of();
        }
    }

    private void signOut() {
        click("form[action$='/sign-out'] button");
        waitForText("You have signed out.");
    }

    private void click(String css) {
        driver.findElement(By.cssSelector(css)).click();
    }

    private void open(String path) {
        driver.get(fixtures.baseUrl() + path);
    }

    private void waitForPath(String path) {
        wait.until(d -> java.net.URI.create(d.getCurrentUrl()).getPath().equals(path));
    }

    private void waitForText(String text) {
        wait.until(d -> d.findElement(By.tagName("main")).getText().contains(text));
    }

    private String text() {
        return driver.findElement(By.tagName("body")).getText();
    }

    private void type(String id, String value) {
        WebElement field = driver.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private String value(String id) {
        return driver.findElement(By.id(id)).getDomProperty("value");
    }

    private void submit() {
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
    }

    private void shot(String name) throws IOException {
        byte[] png = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SHOTS.resolve(name + ".png"), png);
    }
}
