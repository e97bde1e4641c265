package dev.atrium.playground;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.common.Credits;
import dev.atrium.support.Api;
import dev.atrium.support.Chromium;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The playground in headless Chromium: a member chats (the reply streams in: partial text shows
 * before it ends), compares two demo models, generates an image and a speech clip, finds the chat by
 * search; the workspace's usage holds exactly what the page showed; an outsider gets 404.
 * Screenshots go to target/screenshots/playground-*.png.
 */
@IntegrationTest
@TestPropertySource(properties = "atrium.providers.demo.token-delay=60ms")
class PlaygroundBrowserTest {
    private static final Path SHOTS = Chromium.SHOTS;
    private static final Pattern CREDITS = Pattern.compile("([0-9.]+) credits");

    @Autowired
    Fixtures fixtures;

    private WebDriver driver;
    private WebDriverWait wait;
    private Chromium chromium;

    @BeforeEach
    void startChromium() throws IOException {
        chromium =
                Chromium.start(Duration.ofSeconds(20), "1280,1000", null, "--autoplay-policy=no-user-gesture-required");
        driver = chromium.driver();
        wait = chromium.await();
    }

    @AfterEach
    void stopChromium() throws IOException {
        if (chromium != null) chromium.close();
    }

    @Test
    void aMemberChatsComparesGeneratesMediaAndFindsTheChatWhileOutsidersSeeNothing() throws IOException {
        var t = fixtures.tenant("Harbour Agency");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "500"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Lighthouse Client");
        var member = fixtures.addMember(t, "member", ws);
        fixtures.assign(t, t.primaryWorkspaceId(), member, "member");
        String base = "/orgs/" + t.orgId() + "/workspaces/" + ws + "/playground";

        signIn(member.email());
        open(base);
        assertThat(driver.findElement(By.id("current-workspace")).getText()).isEqualTo("Lighthouse Client");
        var switcher = new Select(driver.findElement(By.id("workspace-switch")));
        assertThat(switcher.getOptions()).hasSize(2);
        assertThat(switcher.getFirstSelectedOption().getText()).startsWith("Lighthouse Client");
        assertThat(switcher.getOptions())
                .extracting(WebElement::getText)
                .anyMatch(o -> o.startsWith("Primary Workspace"));
        assertThat(switcher.getOptions().getFirst().getText()).endsWith("(default)");
        // The switcher moves to the same page of another workspace.
        switcher.selectByValue(t.primaryWorkspaceId());
        wait.until(ExpectedConditions.urlContains(t.primaryWorkspaceId()));
        assertThat(driver.findElement(By.id("current-workspace")).getText()).isEqualTo("Primary Workspace");
        open(base);

        // Chat: the reply shows partial text before the stream ends, then what it cost.
        new Select(driver.findElement(By.id("chat-model"))).selectByValue("demo/chat");
        type("chat-system", "You are a harbour pilot.");
        type("chat-message", "Tell me about lighthouses and their keepers.");
        driver.findElement(By.id("chat-send")).click();
        String partial = wait.until(d -> {
            var streaming = d.findElements(By.cssSelector(".pg-assistant.pg-streaming .pg-text"));
            if (streaming.isEmpty()) return null;
            String text = streaming.getFirst().getText();
            return text.isBlank() ? null : text;
        });
        shot("01-chat-streaming");
        WebElement charged =
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".pg-assistant .pg-charged")));
        String reply =
                driver.findElement(By.cssSelector(".pg-assistant .pg-text")).getText();
        assertThat(reply.length()).isGreaterThan(partial.length());
        assertThat(reply).startsWith(partial.strip());
        long spent = credits(charged.getText());
        assertThat(spent).isPositive();
        shot("02-chat-done");

        // Compare two demo models side by side.
        open(base + "/compare");
        for (WebElement box : driver.findElements(By.name("models"))) if (box.isSelected()) box.click();
        driver.findElement(By.cssSelector("input[name=models][value='demo/chat']"))
                .click();
        driver.findElement(By.cssSelector("input[name=models][value='demo/chat-mini']"))
                .click();
        type("compare-prompt", "Describe a foggy harbour at dawn.");
        driver.findElement(By.id("compare-run")).click();
        wait.until(d -> d.findElements(By.cssSelector(".pg-column .pg-text")).stream()
                        .filter(e -> !e.getText().isBlank())
                        .count()
                == 2);
        wait.until(d -> d.findElements(By.cssSelector(".pg-column.pg-done")).size() == 2);
        List<WebElement> columns = driver.findElements(By.cssSelector(".pg-column"));
        assertThat(columns)
                .extracting(c -> c.getAttribute("data-model"))
                .containsExactly("demo/chat", "demo/chat-mini");
        for (WebElement column : columns) {
            String meta = column.findElement(By.cssSelector(".pg-charged")).getText();
            assertThat(meta).contains(" ms", " tokens", " credits");
            spent += credits(meta);
        }
        shot("03-compare");

        // An image and a speech clip.
        open(base + "/media");
        new Select(driver.findElement(By.id("image-size"))).selectByValue("256x256");
        type("image-prompt", "A lighthouse in a storm");
        driver.findElement(By.id("image-run")).click();
        WebElement img =
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".pg-result-image img")));
        wait.until(d -> (Boolean) ((JavascriptExecutor) d)
                .executeScript("return arguments[0].complete && arguments[0].naturalWidth > 0", img));
        spent += credits(driver.findElement(By.cssSelector(".pg-result-image .pg-credits"))
                .getText());
        assertThat(driver.findElement(By.cssSelector(".pg-result-image a[download]"))
                        .getAttribute("href"))
                .contains("/playground/media/med_");
        type("speech-input", "Fog ahead, sound the horn.");
        driver.findElement(By.id("speech-run")).click();
        WebElement audio =
                wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".pg-result-speech audio")));
        wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript("return arguments[0].duration || 0", audio))
                        .doubleValue()
                > 0);
        spent += credits(driver.findElement(By.cssSelector(".pg-result-speech .pg-credits"))
                .getText());
        shot("04-image-and-speech");

        // The chat, found by a word of its messages.
        open(base + "/history");
        type("history-q", "keepers");
        driver.findElement(By.id("history-search")).click();
        By found = By.linkText("Tell me about lighthouses and their keepers.");
        wait.until(ExpectedConditions.elementToBeClickable(found));
        shot("05-history-search");
        // The list may be swapped again (search as you type): click whatever link is current.
        wait.until(d -> {
            d.findElement(found).click();
            return true;
        });
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("conversation-title")));
        assertThat(text()).contains(reply.substring(0, Math.min(20, reply.length())));
        shot("06-conversation");
        open(base + "/activities");
        assertThat(driver.findElements(By.cssSelector("#activity-list tbody tr")))
                .hasSize(5);
        shot("07-activities");

        // The workspace's usage holds every run, to the micro-credit the page showed.
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        var usage = owner.get(t.path() + "/usage/summary?start=" + hour.minus(1, ChronoUnit.HOURS) + "&end="
                + hour.plus(2, ChronoUnit.HOURS));
        assertThat(usage.status()).as(usage.toString()).isEqualTo(200);
        var row = java.util.stream.StreamSupport.stream(
                        usage.json().path("data").spliterator(), false)
                .filter(r -> r.path("workspace_id").asString().equals(ws))
                .findFirst()
                .orElseThrow();
        assertThat(Credits.parse(row.path("total_credits").asString()).micros()).isEqualTo(spent);

        // Someone of another organization: the same URLs answer 404.
        var other = fixtures.tenant("Other Agency");
        driver.manage().deleteAllCookies();
        signIn(other.owner().email());
        open(base);
        assertThat(text()).contains("Not found");
        shot("08-outsider-404");
        var outsider = Session.signIn(fixtures.baseUrl(), other.owner().email(), Fixtures.PASSWORD);
        for (String p : List.of("", "/compare", "/media", "/history", "/activities", "/export")) {
            assertThat(outsider.get(base + p).status()).as(p).isEqualTo(404);
        }
    }

    @Test
    void aReplyTheCreditsLeftPayOnlyInPartCarriesANote() throws IOException {
        var t = fixtures.tenant("Thrifty Agency");
        Api owner = fixtures.api().as(t.owner().token());
        assertThat(owner.post(t.path() + "/credits/grants", Map.of("amount", "100"))
                        .status())
                .isEqualTo(201);
        String ws = fixtures.workspace(t, "Small Budget");
        assertThat(owner.put(t.ws(ws) + "/funding", Map.of("mode", "budget")).status())
                .isEqualTo(200);
        assertThat(owner.post(t.path() + "/credits/allocations", Map.of("workspace_id", ws, "amount", "0.498"))
                        .status())
                .isEqualTo(201);
        var member = fixtures.addMember(t, "member", ws);

        signIn(member.email());
        open("/orgs/" + t.orgId() + "/workspaces/" + ws + "/playground");
        new Select(driver.findElement(By.id("chat-model"))).selectByValue("demo/chat");
        type("chat-message", "hello");
        driver.findElement(By.id("chat-send")).click();
        WebElement note =
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".pg-assistant .pg-clamped")));
        assertThat(note.getText()).isEqualTo("Reply limited to 1242 tokens: that is what the credits left pay for.");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".pg-assistant .pg-charged")));
        assertThat(driver.findElements(By.id("chat-error")).getFirst().isDisplayed())
                .isFalse();
        shot("clamped-note");
    }

    private void signIn(String email) {
        open("/sign-in");
        type("email", email);
        type("password", Fixtures.PASSWORD);
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        wait.until(ExpectedConditions.not(ExpectedConditions.urlContains("/sign-in")));
    }

    private static long credits(String text) {
        Matcher m = CREDITS.matcher(text);
        assertThat(m.find()).as(text).isTrue();
        return Credits.parse(m.group(1)).micros();
    }

    private void open(String path) {
        driver.get(fixtures.baseUrl() + path);
    }

    private void type(String id, String value) {
        WebElement field = driver.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private String text() {
        return driver.findElement(By.tagName("body")).getText();
    }

    private void shot(String name) throws IOException {
        byte[] png = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SHOTS.resolve("playground-" + name + ".png"), png);
    }
}
