package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
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
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    private static final Path DRIVER =
            Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final String OWNER = "olivia@example.com";
    private static final String MEMBER = "max@example.com";

    @Autowired
    Fixtures fixtures;

    private WebDriver driver;
    private WebDriverWait wait;
    private Path profile;

    @BeforeEach
    void startChromium() throws IOException {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "Chromium is not installed (" + CHROMIUM + ", " + DRIVER
                        + "): browser tests skipped. Install with: apt-get install -y chromium chromium-driver");
        profile = Files.createTempDirectory("atrium-chromium-");
        var options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1280,900",
                "--user-data-dir=" + profile);
        var service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(10));
        wait.ignoring(
                org.openqa.selenium.StaleElementReferenceException
                        .class); // navigations replace the elements being read
        Files.createDirectories(SHOTS);
    }

    @AfterEach
    void stopChromium() throws IOException {
        if (driver != null) driver.quit();
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
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
        assertThat(driver.findElement(By.id("pool-available")).getText()).isEqualTo("0");
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

        // Credits through the API: a grant, Client Alpha on a budget of 40.
        var api = fixtures.api();
        String pat = api.post("/api/v1/auth/tokens", Map.of("email", OWNER, "password", Fixtures.PASSWORD, "name", "t"))
                .text("token");
        var owner = api.as(pat);
        String base = "/api/v1/organizations/" + org;
        assertThat(owner.withHeader("Idempotency-Key", "grant-1")
                        .post(base + "/credits/grants", Map.of("amount", "100", "kind", "purchase"))
                        .status())
                .isEqualTo(201);
        assertThat(owner.put(base + "/workspaces/" + alpha + "/funding", Map.of("mode", "budget"))
                        .status())
                .isEqualTo(200);
        assertThat(owner.withHeader("Idempotency-Key", "alloc-1")
                        .post(base + "/credits/allocations", Map.of("workspace_id", alpha, "amount", "40"))
                        .status())
                .isEqualTo(201);

        open("/orgs/" + org);
        WebElement alphaRow = driver.findElement(By.cssSelector("tr[data-workspace='Client Alpha']"));
        assertThat(alphaRow.findElement(By.className("mode")).getText()).isEqualTo("budget");
        assertThat(alphaRow.findElement(By.className("available")).getText()).isEqualTo("40");
        assertThat(driver.findElement(By.id("pool-available")).getText()).isEqualTo("60");
        shot("07-overview-funded");

        // A key for Client Alpha, shown once.
        open("/orgs/" + org + "/workspaces/" + alpha);
        type("key-name", "production app");
        driver.findElement(By.cssSelector("#key-form button[type=submit]")).click();
        waitForText("Your new API key");
        assertThat(value("new-key-secret")).startsWith("atr_ws_");
        shot("08-workspace-new-key");
        driver.navigate().refresh();
        assertThat(text()).doesNotContain("Your new API key");

        // Archive Research Beta from the list (htmx swaps the row).
        open("/orgs/" + org + "/workspaces");
        driver.findElement(By.cssSelector("button[aria-label='Archive Research Beta']"))
                .click();
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("button[aria-label='Unarchive Research Beta']")));
        shot("09-workspaces-list");

        // An invitation to Client Alpha (API), accepted in the console by a new person.
        String invitation = owner.post(
                        base + "/invitations", Map.of("email", MEMBER, "role", "member", "workspace_id", alpha))
                .text("token");
        driver.findElement(By.xpath("//button[normalize-space()='Sign out']")).click();
        waitForText("You have signed out.");
        open("/invitations/accept?token=" + invitation);
        shot("10-invitation");
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
        shot("11-member-overview");

        open("/orgs/" + org + "/workspaces/new");
        assertThat(text()).contains("Not allowed");
        shot("12-member-forbidden");
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
