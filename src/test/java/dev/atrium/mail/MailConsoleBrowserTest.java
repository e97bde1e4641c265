package dev.atrium.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Chromium;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.support.SmtpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The console's Email page and a workspace's digest setting in headless Chromium, with a real SMTP
 * server that refuses a message at first. Screenshots {@code mail-outbox.png} and {@code
 * mail-digest.png} go to target/screenshots/ (and to {@code -Datrium.screenshots=docs/screenshots}).
 */
@IntegrationTest
class MailConsoleBrowserTest {
    static final SmtpServer SMTP = new SmtpServer().start();

    @DynamicPropertySource
    static void smtp(DynamicPropertyRegistry registry) {
        registry.add("atrium.jobs.enabled", () -> "false");
        registry.add("atrium.smtp.host", () -> "127.0.0.1");
        registry.add("atrium.smtp.port", SMTP::port);
        registry.add("atrium.smtp.starttls", () -> "false");
        registry.add("atrium.mail.from", () -> "atrium@acme.example");
        registry.add("atrium.mail.backoff", () -> "PT0S");
    }

    @AfterAll
    static void stopSmtp() {
        SMTP.stop();
    }

    @Autowired
    Fixtures fixtures;

    @Autowired
    Mail mail;

    @Test
    void theEmailPageListsSentAndRetriedMessagesAndAWorkspaceAdminTurnsOnTheDigest() throws IOException {
        var t = fixtures.tenant("Acme Research");
        var api = fixtures.api().as(t.owner().token());
        String ws = fixtures.workspace(t, "Client Alpha");
        String ada = Fixtures.uniqueEmail("ada");
        String bob = Fixtures.uniqueEmail("bob");
        api.post(t.path() + "/invitations", Map.of("email", ada, "role", "admin"));
        SMTP.stop();
        try {
            api.post(t.path() + "/invitations", Map.of("email", bob, "role", "billing"));
            mail.deliverDue(100);
        } finally {
            SMTP.start();
        }
        mail.deliverDue(100);

        try (Chromium chromium = Chromium.start(Duration.ofSeconds(15), "1440,900", null)) {
            WebDriver driver = chromium.driver();
            driver.get(fixtures.baseUrl() + "/sign-in");
            driver.findElement(By.id("email")).sendKeys(t.owner().email());
            driver.findElement(By.id("password")).sendKeys(Fixtures.PASSWORD);
            driver.findElement(By.cssSelector("form button[type=submit]")).click();
            chromium.await().until(ExpectedConditions.not(ExpectedConditions.urlContains("/sign-in")));

            driver.findElement(By.linkText("Email")).click();
            chromium.await().until(ExpectedConditions.presenceOfElementLocated(By.id("mail-list")));
            assertThat(driver.findElement(By.id("mail-status")).getText())
                    .contains("This server sends email from atrium@acme.example");
            var rows = driver.findElements(By.cssSelector("#mail-list tbody tr"));
            assertThat(rows).hasSizeGreaterThanOrEqualTo(2);
            String table = driver.findElement(By.id("mail-list")).getText();
            assertThat(table).contains(ada, bob, "You are invited to Acme Research", "sent");
            assertThat(driver.findElement(By.xpath("//tr[td[text()='" + bob + "']]"))
                            .getText())
                    .as("the refused first attempt stays visible")
                    .contains("2")
                    .containsIgnoringCase("connect");
            shot(driver, "mail-outbox");

            driver.get(fixtures.baseUrl() + "/orgs/" + t.orgId() + "/workspaces/" + ws);
            driver.findElement(By.linkText("Email digest")).click();
            chromium.await().until(ExpectedConditions.presenceOfElementLocated(By.id("weekly")));
            driver.findElement(By.id("weekly")).click();
            driver.findElement(By.cssSelector("form.form button[type=submit]")).click();
            chromium.await()
                    .until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("main"), "every Monday"));
            assertThat(driver.findElement(By.id("weekly")).isSelected()).isTrue();
            shot(driver, "mail-digest");
        }
        assertThat(api.get(t.ws(ws) + "/mail-digest").json().path("weekly").asBoolean())
                .isTrue();
    }

    private static void shot(WebDriver driver, String name) throws IOException {
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
