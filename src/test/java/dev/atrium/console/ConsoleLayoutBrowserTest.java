package dev.atrium.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Api;
import dev.atrium.support.Chromium;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The console's layout in headless Chromium: the overview's workspace table fits its container at
 * desktop widths with amounts people can read, the image &amp; speech page tells why a run was
 * refused, the playground shows what the workspace has left, and error pages keep the navigation.
 * Screenshots go to target/screenshots/, and also to the folder named by the system property
 * {@code atrium.screenshots} when given (the ones in docs/screenshots are made that way).
 */
@IntegrationTest
class ConsoleLayoutBrowserTest {
    @Autowired
    Fixtures fixtures;

    private WebDriver driver;
    private WebDriverWait wait;
    private Chromium chromium;

    @BeforeEach
    void startChromium() throws IOException {
        chromium = Chromium.start(Duration.ofSeconds(15), "1440,1000", null);
        driver = chromium.driver();
        wait = chromium.await();
    }

    @AfterEach
    void stopChromium() throws IOException {
        if (chromium != null) chromium.close();
    }

    @Test
    void theOverviewsWorkspaceTableFitsAtDesktopWidthsWithReadableAmounts() throws IOException {
        var t = fixtures.tenant("Wide Table Holdings International");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "1234567.891234"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Nordeuropa-Einzelhandelskampagnenexperimente");
        assertThat(owner.put(t.ws(ws) + "/funding", Map.of("mode", "budget")).status())
                .isEqualTo(200);
        assertThat(owner.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "12345.678901"))
                        .status())
                .isEqualTo(201);
        String limited = fixtures.workspace(t, "Department of Long Names and Spend Limits");
        assertThat(owner.put(
                                t.ws(limited) + "/funding",
                                Map.of(
                                        "mode",
                                        "pool",
                                        "spend_limit",
                                        Map.of("amount", "250000.123456", "period", "month")))
                        .status())
                .isEqualTo(200);
        // Credits held by running operations, in both kinds of workspace.
        for (String held : List.of(ws, limited)) {
            assertThat(owner.post(t.ws(held) + "/holds", Map.of("amount", "1234.567891", "category", "chat"))
                            .status())
                    .isEqualTo(201);
        }

        signIn(t.owner().email());
        for (int width : List.of(1440, 1920)) {
            driver.manage().window().setSize(new Dimension(width, 1000));
            open("/orgs/" + t.orgId());
            WebElement table = driver.findElement(By.id("workspaces"));
            long scroll = number("return arguments[0].scrollWidth", table);
            long room = number("return arguments[0].parentElement.clientWidth", table);
            assertThat(scroll).as("table width at %d px", width).isLessThanOrEqualTo(room);
            // The Budget column is inside the visible part of the page.
            WebElement budget = driver.findElement(By.cssSelector("#workspaces thead th:last-child"));
            assertThat(budget.getText()).isEqualToIgnoringCase("Budget");
            long right = number("return Math.ceil(arguments[0].getBoundingClientRect().right)", budget);
            long viewport = number("return document.documentElement.clientWidth", table);
            assertThat(right).as("Budget column's right edge at %d px", width).isLessThanOrEqualTo(viewport);
            shot("overview-" + width);
        }
        // Amounts for people: thousands separators and two decimals, the exact value on hover.
        WebElement available = driver.findElement(
                By.cssSelector("tr[data-workspace='Nordeuropa-Einzelhandelskampagnenexperimente'] .available"));
        assertThat(available.getText()).isEqualTo("11,111.11");
        assertThat(available.getAttribute("title")).isEqualTo("11111.11101");
        WebElement pool = driver.findElement(By.id("pool-available"));
        assertThat(pool.getText()).isEqualTo("1,220,987.64");
        assertThat(pool.getAttribute("title")).isEqualTo("1220987.644442");
    }

    @Test
    void imageAndSpeechTellsWhyARunWasRefused() throws IOException {
        var broke = fixtures.tenant("Broke Studio");
        String base = "/orgs/" + broke.orgId() + "/workspaces/" + broke.primaryWorkspaceId() + "/playground";
        signIn(broke.owner().email());

        // 402: no credits at all.
        open(base + "/media");
        type("image-prompt", "A lighthouse in a storm");
        driver.findElement(By.id("image-run")).click();
        WebElement failure =
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#media-results .pg-failure")));
        assertThat(failure.getText()).contains("out of credits");
        assertThat(failure.getAttribute("data-status")).isEqualTo("402");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("image-run")));
        scrollTo(failure);
        shot("image-speech-402");

        // 403: the model was disallowed after the page was opened.
        Api owner = fixtures.api().as(broke.owner().token());
        assertThat(owner.post(broke.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        open(base + "/media");
        assertThat(owner.put(
                                broke.ws(broke.primaryWorkspaceId()) + "/policy",
                                Map.of("allowed_models", List.of("demo/chat")))
                        .status())
                .isEqualTo(200);
        new Select(driver.findElement(By.id("speech-model"))).selectByValue("demo/speech");
        type("speech-input", "Fog ahead.");
        driver.findElement(By.id("speech-run")).click();
        WebElement denied =
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#media-results .pg-failure")));
        assertThat(denied.getText()).contains("not allowed");
        assertThat(denied.getAttribute("data-status")).isEqualTo("403");
        scrollTo(denied);
        shot("image-speech-403");
    }

    @Test
    void aMemberSeesWhatIsLeftAndErrorPagesKeepTheNavigation() throws IOException {
        var t = fixtures.tenant("Harbour Agency");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "25000"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Lighthouse Client");
        assertThat(owner.put(
                                t.ws(ws) + "/funding",
                                Map.of(
                                        "mode", "budget",
                                        "spend_limit", Map.of("amount", "5000", "period", "month"),
                                        "member_spend_limit", Map.of("amount", "250", "period", "day")))
                        .status())
                .isEqualTo(200);
        assertThat(owner.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "12000"))
                        .status())
                .isEqualTo(201);
        var member = fixtures.addMember(t, "member", ws);
        assertThat(owner.post(
                                t.ws(ws) + "/holds",
                                Map.of("amount", "40.25", "category", "chat", "user_id", member.userId()))
                        .status())
                .isEqualTo(201);
        String hidden = fixtures.workspace(t, "Hidden Client");

        signIn(member.email());
        open("/orgs/" + t.orgId() + "/workspaces/" + ws + "/playground");
        WebElement left = driver.findElement(By.id("credits-left"));
        assertThat(left.isDisplayed()).isTrue();
        assertThat(driver.findElement(By.id("left-available")).getText()).isEqualTo("11,959.75");
        assertThat(driver.findElement(By.id("left-workspace-limit")).getText()).isEqualTo("4,959.75");
        assertThat(driver.findElement(By.id("left-member-limit")).getText()).isEqualTo("209.75");
        assertThat(driver.findElement(By.id("left-now")).getText()).isEqualTo("209.75");
        shot("playground-remaining");
        open("/orgs/" + t.orgId() + "/workspaces/" + ws);
        assertThat(driver.findElement(By.id("left-now")).getText()).isEqualTo("209.75");
        shot("workspace-remaining");

        // 404 and 403 pages keep the header and the navigation.
        open("/orgs/" + t.orgId() + "/workspaces/" + hidden);
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Not found");
        assertThat(driver.findElements(By.cssSelector(".site-nav a")))
                .extracting(WebElement::getText)
                .contains("Overview", "Workspaces", "Playground", "Usage");
        shot("error-404");
        open("/orgs/" + t.orgId() + "/members");
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Not allowed");
        assertThat(driver.findElements(By.cssSelector(".site-nav a"))).isNotEmpty();
        shot("error-403");
    }

    private void scrollTo(WebElement element) {
        ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView({block: 'center'})", element);
    }

    private long number(String script, WebElement element) {
        return ((Number) ((JavascriptExecutor) driver).executeScript(script, element)).longValue();
    }

    private void signIn(String email) {
        open("/sign-in");
        type("email", email);
        type("password", Fixtures.PASSWORD);
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        wait.until(ExpectedConditions.not(ExpectedConditions.urlContains("/sign-in")));
    }

    private void open(String path) {
        driver.get(fixtures.baseUrl() + path);
    }

    private void type(String id, String value) {
        WebElement field = driver.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private void shot(String name) throws IOException {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(Chromium.SHOTS.resolve(name + ".png"), png);
        String docs = System.getProperty("atrium.screenshots");
        if (docs != null && !docs.isBlank()) {
            Path dir = Path.of(docs);
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".png"), png);
        }
    }
}
