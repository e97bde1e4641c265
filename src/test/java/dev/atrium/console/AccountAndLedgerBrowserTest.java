package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Chromium;
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
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * In a real browser: pending invitations sent again and revoked from the members page, a personal
 * access token created and revoked, and the ledger statement and recent movements by request with a
 * request's entries opened. Screenshots go to target/screenshots/, and also to the directory named
 * by {@code -Datrium.screenshots=…} (the README's pictures: {@code docs/screenshots}).
 */
@IntegrationTest
class AccountAndLedgerBrowserTest {
    @Autowired
    Fixtures fixtures;

    @Autowired
    JdbcClient jdbc;

    private Chromium chromium;
    private WebDriver driver;
    private WebDriverWait wait;

    @BeforeEach
    void startChromium() throws IOException {
        chromium = Chromium.start(Duration.ofSeconds(10), "1280,900", null);
        driver = chromium.driver();
        wait = chromium.await();
    }

    @AfterEach
    void stopChromium() throws IOException {
        if (chromium != null) chromium.close();
    }

    @Test
    void invitationsTokensAndTheStatementByRequest() throws IOException {
        var t = fixtures.tenant("Acme Agency");
        String alpha = fixtures.workspace(t, "Client Alpha");
        var api = fixtures.api().as(t.owner().token());
        for (String email : new String[] {"ada@example.com", "grace@example.com", "linus@example.com"}) {
            var body =
                    new java.util.HashMap<String, Object>(Map.of("email", Fixtures.uniqueEmail(email.split("@")[0])));
            body.put("role", email.startsWith("grace") ? "billing" : "member");
            if (email.startsWith("ada")) body.put("workspace_id", alpha);
            assertThat(api.post(t.path() + "/invitations", body).status()).isEqualTo(201);
        }
        String expired = api.get(t.path() + "/invitations")
                .json()
                .path("data")
                .get(0)
                .path("id")
                .asString();
        jdbc.sql("UPDATE invitations SET expires_at = now() - interval '1 hour' WHERE org_id = :org AND id = :id")
                .param("org", t.orgId())
                .param("id", expired)
                .update();

        signIn(t.owner().email());

        // Members: the pending and expired invitations; the expired one sent again.
        open("/orgs/" + t.orgId() + "/members");
        WebElement list = driver.findElement(By.id("invitation-list"));
        assertThat(list.getText()).contains("pending", "expired", "Client Alpha");
        click("tr:has(.status-expired) button[aria-label^='Send a new link']");
        waitForText("The previous link no longer works.");
        assertThat(driver.findElement(By.id("invitation-links")).getText()).contains("Copy");
        assertThat(driver.findElement(By.id("invitation-list")).getText()).doesNotContain("expired");
        ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
        shot("invitations", 1700);
        click("#invitation-list tr:first-child button[aria-label^='Revoke']");
        waitForText("revoked. Its link no longer works.");
        assertThat(driver.findElements(By.cssSelector("#invitation-list tbody tr")))
                .hasSize(2);

        // Access tokens: from the header, create one (shown once), then revoke the older one.
        driver.findElement(By.linkText("Access tokens")).click();
        wait.until(d -> d.getCurrentUrl().endsWith("/account/tokens"));
        type("token-name", "CI pipeline");
        click("#token-form button[type=submit]");
        waitForText("Token “CI pipeline” created.");
        assertThat(driver.findElement(By.id("new-token-secret")).getDomProperty("value"))
                .startsWith("atr_pat_");
        assertThat(driver.findElements(By.cssSelector("#token-list tbody tr"))).hasSize(2);
        shot("tokens", 1100);

        // Credits: a budget, three requests (charged, voided, open) and the statement by request.
        api.withHeader("Idempotency-Key", "g").post(t.path() + "/credits/grants", Map.of("amount", "500"));
        api.put(t.ws(alpha) + "/funding", Map.of("mode", "budget"));
        api.withHeader("Idempotency-Key", "a")
                .post(t.path() + "/credits/allocations", Map.of("workspace_id", alpha, "amount", "120"));
        var charged = api.post(t.ws(alpha) + "/holds", Map.of("amount", "12", "category", "chat", "model", "gpt-4o"));
        api.post(t.ws(alpha) + "/holds/" + charged.text("id") + "/capture", Map.of("amount", "3.418"));
        var image = api.post(t.ws(alpha) + "/holds", Map.of("amount", "8", "category", "image", "model", "dall-e-3"));
        api.post(t.ws(alpha) + "/holds/" + image.text("id") + "/capture", Map.of("amount", "8"));
        var voided = api.post(t.ws(alpha) + "/holds", Map.of("amount", "5", "category", "speech", "model", "tts-1"));
        api.post(t.ws(alpha) + "/holds/" + voided.text("id") + "/void", null);
        api.post(t.ws(alpha) + "/holds", Map.of("amount", "2", "category", "chat", "model", "gpt-4o-mini"));

        open("/orgs/" + t.orgId() + "/credits");
        WebElement statement = driver.findElement(By.id("statement-table"));
        assertThat(statement.findElements(By.cssSelector("tbody > tr"))).hasSize(6);
        WebElement requestLine = driver.findElement(By.cssSelector("tr:has(details) td.line-amount"));
        WebElement summary = driver.findElement(
                By.xpath("//table[@id='statement-table']//tr[td[normalize-space()='3.418']]//summary"));
        summary.click();
        wait.until(d -> d.findElement(
                        By.xpath(
                                "//table[@id='statement-table']//tr[td[normalize-space()='3.418']]//li[@data-entry-kind='release']"))
                .isDisplayed());
        assertThat(requestLine.isDisplayed()).isTrue();
        scrollTo("statement");
        shot("statement-grouped", 900);

        driver.findElement(By.id("statement-detail")).click();
        wait.until(d -> d.getCurrentUrl().contains("detail=entries"));
        assertThat(driver.findElement(By.id("statement-table")).getText()).contains("capture", "release", "void");
        scrollTo("statement");
        shot("statement-entries", 900);

        open("/orgs/" + t.orgId() + "/workspaces/" + alpha + "/funding");
        scrollTo("recent");
        assertThat(driver.findElements(By.cssSelector("#entries tbody > tr"))).hasSize(5);
        shot("recent-movements", 900);
    }

    private void signIn(String email) {
        open("/sign-in");
        type("email", email);
        type("password", Fixtures.PASSWORD);
        driver.findElement(By.cssSelector("main form button[type=submit]")).click();
        wait.until(d -> !d.getCurrentUrl().contains("/sign-in"));
    }

    private void open(String path) {
        driver.get(fixtures.baseUrl() + path);
    }

    private void click(String css) {
        driver.findElement(By.cssSelector(css)).click();
    }

    private void type(String id, String value) {
        WebElement field = driver.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private void waitForText(String text) {
        wait.until(d -> d.findElement(By.tagName("main")).getText().contains(text));
    }

    private void scrollTo(String id) {
        ((JavascriptExecutor) driver)
                .executeScript("document.getElementById(arguments[0]).scrollIntoView({block: 'start'})", id);
    }

    /** Saves the viewport, {@code height} pixels high, under target/screenshots and, when asked, the docs' folder. */
    private void shot(String name, int height) throws IOException {
        driver.manage().window().setSize(new Dimension(1280, height));
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        driver.manage().window().setSize(new Dimension(1280, 900));
        Files.write(Chromium.SHOTS.resolve(name + ".png"), png);
        String docs = System.getProperty("atrium.screenshots");
        if (docs != null && !docs.isBlank()) {
            Path dir = Path.of(docs);
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".png"), png);
        }
    }
}
