package io.jobpool.console;

import io.jobpool.support.Http;
import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web console at {@code /}, driven end to end in a real headless browser: Debian's chromium through
 * its chromedriver, with the API key the console asks for. Skips (with the reason) only where that
 * browser is not installed; {@code .ci/run} installs it.
 */
@TestPropertySource(properties = "jobpool.security.api-keys=" + ConsoleIT.KEY + ":console")
class ConsoleIT extends ServerTest {

    static final String KEY = "console-key-0123456789";
    static final String HOSTILE = "<img src=x onerror=alert(1)>";

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "console-screenshots");

    static WebDriver driver;
    static ChromeDriverService service;
    static Path profile;

    /** Without a browser each test is reported skipped, by name and with this reason (not "0 tests run"). */
    static final String NO_BROWSER = "ConsoleIT skipped: no browser. It needs Debian's chromium and chromium-driver ("
            + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install -y chromium chromium-driver (.ci/run does)";

    @BeforeAll
    static void startBrowser() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            return;
        }
        Files.createDirectories(SHOTS);
        profile = Files.createTempDirectory("jobpool-console-chromium");
        // The driver is given explicitly, so Selenium Manager (which would look for or download one) never runs.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(SHOTS.resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1360,980", "--user-data-dir=" + profile);
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(10));
    }

    @BeforeEach
    void requireBrowser() {
        assumeTrue(driver != null, NO_BROWSER);
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    @AfterEach
    void screenshotEachTest(TestInfo test) throws IOException {
        if (driver != null) {
            screenshot(test.getTestMethod().map(m -> m.getName()).orElse("test") + ".png");
        }
    }

    @Test
    void asksForTheKeyOnceAndKeepsItInTheTabsSessionStorage() {
        driver.get(http.base() + "/");
        ((JavascriptExecutor) driver).executeScript("sessionStorage.clear()");
        driver.navigate().refresh();

        waitUntil(d -> byId("banner").isDisplayed());
        assertThat(byId("banner").getText()).contains("needs an API key");
        assertThat(byId("pool-workers").getText()).isEqualTo("–");

        byId("api-key").sendKeys(KEY);
        byId("save-key").click();

        waitUntil(d -> byId("pool-workers").getText().matches("\\d+"));
        assertThat(byId("banner").isDisplayed()).isFalse();
        assertThat(byId("key-state").getText()).isEqualTo("key in use");
        assertThat(byId("api-key").getDomProperty("value")).as("the key is not left in the field").isEmpty();
        assertThat(byId("pool-io-workers").getText()).matches("\\d+");
        waitUntil(d -> !new Select(byId("function")).getOptions().isEmpty());
        assertThat(new Select(byId("function")).getOptions()).extracting(WebElement::getText)
                .anySatisfy(text -> assertThat(text).startsWith("sleep"))
                .anySatisfy(text -> assertThat(text).startsWith("primes"));
        assertThat(new Select(byId("function")).getFirstSelectedOption().getDomProperty("value"))
                .as("a plain first choice, not the test aid 'fail' that sorts first").isEqualTo("square");

        driver.navigate().refresh();
        waitUntil(d -> byId("pool-workers").getText().matches("\\d+"));
        assertThat(byId("key-state").getText()).as("kept for the tab across a reload").isEqualTo("key in use");
    }

    @Test
    void submitsAJobFromTheFormAndWatchesItsProgressLiveTo100Percent() {
        openConsole();
        // staggered sleeps, one item per chunk: an item finishes every 250 ms, so a live view sees the steps
        String id = submitFromForm(Map.of("function", "sleep",
                "inputs", "[250, 500, 750, 1000, 1250, 1500, 1750, 2000]", "chunkSize", "1"));

        WebElement row = row(id);
        WebElement bar = row.findElement(By.cssSelector(".bar"));
        Set<Integer> seen = new LinkedHashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            int now = Integer.parseInt(bar.getDomAttribute("aria-valuenow"));
            seen.add(now);
            if (now == 100) {
                break;
            }
            sleep(40);
        }
        assertThat(seen).as("progress values the bar showed").contains(100);
        assertThat(seen.stream().filter(p -> p > 0 && p < 100).count())
                .as("intermediate values from the event stream (the 2 s list refresh alone would show at most one): %s", seen)
                .isGreaterThanOrEqualTo(3);
        assertThat(new ArrayList<>(seen)).isSorted();

        waitUntil(d -> row(id).findElement(By.cssSelector(".state")).getText().equals("SUCCEEDED"));
        assertThat(bar.findElement(By.cssSelector(".pct")).getText()).startsWith("100%").contains("8/8");
        assertThat(row(id).findElement(By.cssSelector(".rate")).getText()).matches("[\\d.,]+");
        assertThat(row(id).findElement(By.cssSelector("button.cancel")).isDisplayed()).isFalse();
        assertThat(apiStatus(id).get("state").asString()).isEqualTo("SUCCEEDED");

        // the job was selected on submit: its detail shows the status and the first results
        waitUntil(d -> byId("detail-results").findElements(By.tagName("tr")).size() == 8);
        assertThat(byId("detail-title").getText()).isEqualTo("Job " + id);
        assertThat(byId("detail-fields").getText()).contains("SUCCEEDED").contains("8 / 8");
        assertThat(byId("detail-results").findElements(By.tagName("tr")).get(0).getText()).isEqualTo("0 250");
    }

    @Test
    void cancelsARunningJobWithItsButton() {
        openConsole();
        String id = submitFromForm(Map.of("function", "sleep", "inputs", "[5000, 5000, 5000]", "chunkSize", "1"));

        waitUntil(d -> Set.of("QUEUED", "RUNNING").contains(row(id).findElement(By.cssSelector(".state")).getText()));
        assertThat(row(id).findElement(By.cssSelector(".submitted")).getText()).as("when the job was submitted")
                .matches("\\d{2}:\\d{2}:\\d{2}");
        row(id).findElement(By.cssSelector("button.cancel")).click();

        waitUntil(d -> row(id).findElement(By.cssSelector(".state")).getText().equals("CANCELLED"));
        assertThat(row(id).findElement(By.cssSelector("button.cancel")).isDisplayed()).isFalse();
        JsonNode status = apiStatus(id);
        assertThat(status.get("state").asString()).isEqualTo("CANCELLED");
        assertThat(status.get("completed").asInt()).isLessThan(3);
        waitUntil(d -> byId("detail-fields").getText().contains("CANCELLED"));
    }

    @Test
    void rendersHostileValuesAsTextNeverAsHtml() {
        openConsole();
        // 1. a value computed by a job: the expression itself (jobs table, detail) and its result (preview)
        String celId = submitFromForm(Map.of("expression", "x + '" + HOSTILE + "'", "inputs", "[\"a\"]"));
        waitUntil(d -> row(celId).findElement(By.cssSelector(".state")).getText().equals("SUCCEEDED"));
        waitUntil(d -> !byId("detail-results").findElements(By.tagName("tr")).isEmpty());
        assertThat(byId("detail-results").getText()).contains("\"a" + HOSTILE + "\"");
        assertThat(row(celId).findElement(By.cssSelector(".fn")).getDomProperty("textContent")).contains(HOSTILE);
        assertThat(byId("detail-fields").getText()).contains(HOSTILE);

        // 2. an item error whose message echoes the input: the errors table and the job's error box
        String failId = submitFromForm(Map.of("function", "fail", "inputs", "[\"" + HOSTILE + "\"]",
                "params", "{\"on\": [\"" + HOSTILE + "\"]}"));
        waitUntil(d -> row(failId).findElement(By.cssSelector(".state")).getText().equals("FAILED"));
        waitUntil(d -> byId("detail-errors").getText().contains(HOSTILE));
        waitUntil(d -> byId("detail-error").getText().contains(HOSTILE));

        // 3. a problem+json answer: the expression does not compile, shown with its title, detail and field
        submitFromFormExpectingProblem(Map.of("expression", HOSTILE, "inputs", "[1]"));
        String problem = byId("form-problem").getText();
        assertThat(problem).contains("422").contains("Expression does not compile").contains("field: expression");

        assertThat(driver.findElements(By.tagName("img"))).as("no element was made from data").isEmpty();
        assertThat(driver.findElements(By.cssSelector("[onerror]"))).isEmpty();
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    }

    @Test
    void showsClientSideAndServerSideFormErrorsReadably() {
        openConsole();
        submitFromFormExpectingProblem(Map.of("function", "square", "inputs", "[1, 2,"));
        assertThat(byId("form-problem").getText()).contains("Not valid JSON").contains("field: inputs");

        submitFromFormExpectingProblem(Map.of("function", "sha256", "inputs", "[\"a\"]", "params", "{\"rounds\": -1}"));
        assertThat(byId("form-problem").getText()).startsWith("422").contains("field: params");
    }

    /** Leaves the console in a representative state and takes the screenshot used in the README. */
    @Test
    void screenshotOfABusyConsole() throws IOException {
        openConsole();
        String done = submitFromForm(Map.of("function", "primes", "inputs", "[1000, 10000, 100000, 1000000]"));
        waitUntil(d -> row(done).findElement(By.cssSelector(".state")).getText().equals("SUCCEEDED"));
        String running = submitFromForm(Map.of("function", "sleep", "chunkSize", "1",
                "inputs", "[400, 800, 1200, 1600, 2000, 9000, 9000, 9000, 9000, 9000]"));
        row(done).click();
        waitUntil(d -> byId("detail-title").getText().equals("Job " + done)
                && byId("detail-results").findElements(By.tagName("tr")).size() == 4);
        waitUntil(d -> Integer.parseInt(row(running).findElement(By.cssSelector(".bar")).getDomAttribute("aria-valuenow")) >= 50);
        waitUntil(d -> byId("pool-io-busy").getText().matches("[1-9]\\d*"));

        Path shot = screenshot("console.png");
        assertThat(Files.size(shot)).isGreaterThan(10_000);
        row(running).findElement(By.cssSelector("button.cancel")).click();
        waitUntil(d -> row(running).findElement(By.cssSelector(".state")).getText().equals("CANCELLED"));
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** The console with its key in use, entering the key if this tab has none yet: no test relies on another's. */
    private void openConsole() {
        if (!driver.getCurrentUrl().startsWith(http.base())) {
            driver.get(http.base() + "/");
        }
        waitUntil(d -> byId("banner").isDisplayed() || byId("key-state").getText().equals("key in use"));
        if (byId("banner").isDisplayed()) {
            byId("api-key").sendKeys(KEY);
            byId("save-key").click();
        }
        waitUntil(d -> byId("key-state").getText().equals("key in use") && byId("pool-workers").getText().matches("\\d+")
                && !new Select(byId("function")).getOptions().isEmpty());
    }

    /** Fills the form (keys: function or expression, inputs, params, chunkSize, onError), submits, returns the new job's id. */
    private String submitFromForm(Map<String, String> fields) {
        Set<String> before = jobIds();
        fill(fields);
        byId("submit").click();
        waitUntil(d -> !byId("form-problem").isDisplayed() && jobIds().stream().anyMatch(id -> !before.contains(id)));
        String id = jobIds().stream().filter(x -> !before.contains(x)).findFirst().orElseThrow();
        waitUntil(d -> byId("detail-title").getText().equals("Job " + id));
        return id;
    }

    private void submitFromFormExpectingProblem(Map<String, String> fields) {
        fill(fields);
        byId("submit").click();
        waitUntil(d -> byId("form-problem").isDisplayed());
    }

    private void fill(Map<String, String> fields) {
        if (fields.containsKey("expression")) {
            byId("mode-expression").click();
            type("expression", fields.get("expression"));
        } else {
            byId("mode-function").click();
            new Select(byId("function")).selectByValue(fields.get("function"));
        }
        type("inputs", fields.getOrDefault("inputs", ""));
        type("params", fields.getOrDefault("params", ""));
        type("chunk-size", fields.getOrDefault("chunkSize", ""));
        new Select(byId("on-error")).selectByValue(fields.getOrDefault("onError", "fail"));
    }

    private void type(String id, String text) {
        WebElement field = byId(id);
        field.clear();
        if (!text.isEmpty()) {
            field.sendKeys(text);
        }
        assertThat(field.getDomProperty("value")).isEqualTo(text);
    }

    private Set<String> jobIds() {
        return driver.findElements(By.cssSelector("#jobs tr[data-job-id]")).stream()
                .map(r -> r.getDomAttribute("data-job-id")).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private WebElement row(String id) {
        return driver.findElement(By.cssSelector("#jobs tr[data-job-id='" + id + "']"));
    }

    private WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    private JsonNode apiStatus(String id) {
        Http.Reply reply = http.send("GET", "/v1/jobs/" + id, null, null, Map.of("Authorization", "Bearer " + KEY));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json();
    }

    private static void waitUntil(Function<WebDriver, Boolean> condition) {
        new WebDriverWait(driver, Duration.ofSeconds(30), Duration.ofMillis(50))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(condition::apply);
    }

    private static Path screenshot(String name) throws IOException {
        Path target = SHOTS.resolve(name);
        Path png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(png, target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
