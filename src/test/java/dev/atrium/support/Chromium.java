package dev.atrium.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, never a downloaded
 * browser) with a throw-away profile, for the browser tests. Without Chromium a test is skipped on
 * a developer's machine and fails under CI ({@code CI=true}), where {@code .ci/run} installs it.
 */
public final class Chromium implements AutoCloseable {
    public static final Path SHOTS = Path.of("target", "screenshots");
    private static final Path BROWSER = Path.of(System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium"));
    private static final Path DRIVER =
            Path.of(System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"));

    private final Path profile;
    private final WebDriver driver;
    private final WebDriverWait wait;

    private Chromium(Path profile, WebDriver driver, WebDriverWait wait) {
        this.profile = profile;
        this.driver = driver;
        this.wait = wait;
    }

    /**
     * Starts the browser with a window of {@code windowSize} ("1280,900"), waits of {@code timeout}
     * that ignore elements replaced by a navigation, downloads into {@code downloads} (when given)
     * and any {@code extraArguments}.
     */
    public static Chromium start(
            Duration timeout, String windowSize, @Nullable Path downloads, String... extraArguments)
            throws IOException {
        boolean installed = Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
        String missing = "Chromium is not installed (" + BROWSER + ", " + DRIVER
                + "). Install with: apt-get install -y chromium chromium-driver";
        if ("true".equals(System.getenv("CI"))) {
            assertThat(installed).as(missing).isTrue();
        }
        assumeTrue(installed, missing + " (browser tests skipped)");
        Path profile = Files.createTempDirectory("atrium-chromium-");
        var options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        List<String> arguments = new ArrayList<>(List.of(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=" + windowSize,
                "--user-data-dir=" + profile));
        arguments.addAll(List.of(extraArguments));
        options.addArguments(arguments);
        if (downloads != null) {
            options.setExperimentalOption(
                    "prefs",
                    Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        }
        var service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        WebDriver driver = new ChromeDriver(service, options);
        var wait = new WebDriverWait(driver, timeout);
        // A navigation can replace the document while a wait reads it: Chromium then reports a stale
        // element or a node that "does not belong to the document". Keep waiting; a real failure
        // still ends in a timeout that carries the last such error.
        wait.ignoring(StaleElementReferenceException.class).ignoring(WebDriverException.class);
        Files.createDirectories(SHOTS);
        return new Chromium(profile, driver, wait);
    }

    public WebDriver driver() {
        return driver;
    }

    public WebDriverWait await() {
        return wait;
    }

    /** Quits the browser and removes its profile. */
    @Override
    public void close() throws IOException {
        driver.quit();
        try (var files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
