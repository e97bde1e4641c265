package dev.atrium.sso;

import static org.assertj.core.api.Assertions.assertThat;

import dev.atrium.support.Chromium;
import dev.atrium.support.Fixtures;
import dev.atrium.support.IntegrationTest;
import dev.atrium.support.TotpGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Single sign-on in headless Chromium against a real OIDC provider (Spring Authorization Server,
 * started here on 127.0.0.1): "Sign in with SSO" on the console's sign-in page, the provider's own
 * sign-in form, back in the console as a new member. Then the owner's sign-in settings page and
 * two-factor enrolment. Screenshots {@code sso-sign-in.png}, {@code sso-settings.png} and {@code
 * two-factor-enrolment.png} (and {@code sso-signed-in.png}, the console right after) go to target/screenshots/ (and to {@code -Datrium.screenshots=docs/screenshots}).
 */
@IntegrationTest
class SsoBrowserTest {
    static OidcProvider provider;

    @BeforeAll
    static void startProvider() {
        provider = OidcProvider.start();
    }

    @AfterAll
    static void stopProvider() {
        if (provider != null) provider.close();
    }

    @Autowired
    Fixtures fixtures;

    @Test
    void aPersonSignsInThroughTheProviderAndTheOwnerEnrolsASecondFactor() throws IOException {
        var t = fixtures.tenant("Acme Robotics");
        String domain = "acme-" + UUID.randomUUID().toString().substring(0, 6) + ".example";
        String clientId = "atrium-" + t.orgId();
        provider.client(clientId, "browser-secret", fixtures.baseUrl() + "/login/oauth2/code/" + t.orgId());
        var put = fixtures.api()
                .as(t.owner().token())
                .put(
                        t.path() + "/sso",
                        Map.of(
                                "enabled",
                                true,
                                "issuer",
                                provider.issuer(),
                                "client_id",
                                clientId,
                                "client_secret",
                                "browser-secret",
                                "domains",
                                List.of(domain)));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        String email = "ada@" + domain;
        provider.person("ada", "provider-password", email, true, "Ada Lovelace");

        try (Chromium chromium = Chromium.start(Duration.ofSeconds(20), "1280,900", null)) {
            WebDriver driver = chromium.driver();
            driver.get(fixtures.baseUrl() + "/sign-in");
            driver.findElement(By.id("sso-email")).sendKeys(email);
            shot(driver, "sso-sign-in");
            driver.findElement(By.cssSelector("#sso-form button[type=submit]")).click();

            // The provider's own sign-in form, on its own host.
            chromium.await().until(ExpectedConditions.presenceOfElementLocated(By.id("username")));
            assertThat(driver.getCurrentUrl()).startsWith(provider.issuer());
            driver.findElement(By.id("username")).sendKeys("ada");
            driver.findElement(By.id("password")).sendKeys("provider-password");
            driver.findElement(By.cssSelector("form button[type=submit]")).click();

            // Back in the console, signed in as the new member.
            chromium.await().until(ExpectedConditions.urlContains(fixtures.baseUrl()));
            chromium.await()
                    .until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), "Acme Robotics"));
            assertThat(driver.getCurrentUrl()).doesNotContain("/sign-in").doesNotContain("/sso/refused");
            assertThat(driver.findElement(By.tagName("body")).getText()).contains(email);
            shot(driver, "sso-signed-in");

            // The owner, with a password, sees the sign-in settings and enrols a second factor.
            driver.manage().deleteAllCookies();
            driver.get(fixtures.baseUrl() + "/sign-in");
            driver.findElement(By.id("email")).sendKeys(t.owner().email());
            driver.findElement(By.id("password")).sendKeys(Fixtures.PASSWORD);
            driver.findElement(By.cssSelector("form button[type=submit]")).click();
            chromium.await().until(ExpectedConditions.not(ExpectedConditions.urlContains("/sign-in")));
            driver.get(fixtures.baseUrl() + "/orgs/" + t.orgId());
            driver.findElement(By.linkText("Sign-in settings")).click();
            chromium.await().until(ExpectedConditions.presenceOfElementLocated(By.id("sso-settings")));
            assertThat(driver.findElement(By.id("sso-domains")).getAttribute("value"))
                    .isEqualTo(domain);
            assertThat(driver.getPageSource()).doesNotContain("browser-secret");
            shot(driver, "sso-settings");

            driver.get(fixtures.baseUrl() + "/account/2fa");
            driver.findElement(By.cssSelector("form[action$='/account/2fa/start'] button"))
                    .click();
            chromium.await().until(ExpectedConditions.presenceOfElementLocated(By.id("totp-secret")));
            String secret = driver.findElement(By.id("totp-secret")).getText();
            shot(driver, "two-factor-enrolment");
            driver.findElement(By.id("confirm-code"))
                    .sendKeys(TotpGenerator.code(secret, TotpGenerator.step(Instant.now())));
            driver.findElement(By.cssSelector("#confirm-form button[type=submit]"))
                    .click();
            chromium.await().until(ExpectedConditions.presenceOfElementLocated(By.id("recovery-codes")));
        }
        assertThat(fixtures.api()
                        .as(t.owner().token())
                        .get("/api/v1/me/2fa")
                        .json()
                        .path("enabled")
                        .asBoolean())
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
