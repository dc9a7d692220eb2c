package io.jobpool.clients;

import io.jobpool.support.ServerTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Python client ({@code clients/python}) against the real test server: runs its stdlib
 * {@code unittest} suite with {@code JOBPOOL_URL} pointing here, echoes every line of its output
 * into the test log, and fails when the suite does. Skipped, with the reason, only where no
 * {@code python3} (3.8 or newer) can be run.
 */
class PythonClientIT extends ServerTest {

    private static final Path CLIENT = Path.of("clients", "python");
    private static final long SUITE_TIMEOUT_MINUTES = 10;
    private static final Pattern VERSION = Pattern.compile("Python (\\d+)\\.(\\d+)");

    /** The seed's init/hello as a process function, for the client's ProcessFunctionTest (named in JOBPOOL_HELLO). */
    @DynamicPropertySource
    static void hello(DynamicPropertyRegistry registry) {
        registry.add("jobpool.process-functions.hello.command",
                () -> "python3,-u," + Path.of("examples", "process-functions", "hello.py").toAbsolutePath());
        registry.add("jobpool.process-functions.hello.environment.PYTHONPATH", () -> CLIENT.toAbsolutePath().toString());
        registry.add("jobpool.process-functions.hello.processes", () -> "2");
    }

    @Test
    void pythonClientSuitePassesAgainstTheRealServer() throws Exception {
        String python = System.getenv().getOrDefault("JOBPOOL_PYTHON", "python3");
        assumeTrue(supportedPython(python), "no python3 (3.8 or newer) on the PATH: the Python client's tests cannot run here");
        assertThat(CLIENT.resolve("tests/test_pool.py")).exists();

        ProcessBuilder builder = new ProcessBuilder(python, "-m", "unittest", "discover", "-s",
                CLIENT.resolve("tests").toString(), "-v").redirectErrorStream(true);
        builder.environment().put("JOBPOOL_URL", "http://127.0.0.1:" + port);
        builder.environment().put("PYTHONPATH", CLIENT.toAbsolutePath().toString());
        builder.environment().put("JOBPOOL_HELLO", "hello");
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1"); // no __pycache__ in the source tree
        builder.environment().put("PYTHONUNBUFFERED", "1");
        long started = System.nanoTime();
        Process process = builder.start();
        List<String> output = new ArrayList<>();
        Thread echo = new Thread(() -> copyLines(process, output), "python-client-output");
        echo.start();

        boolean finished = process.waitFor(SUITE_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        if (!finished) {
            process.destroyForcibly().waitFor();
        }
        echo.join(TimeUnit.SECONDS.toMillis(10));
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("[python] Python client suite took %.1f s%n", seconds);

        assertThat(finished).as("the Python suite did not finish within %d minutes", SUITE_TIMEOUT_MINUTES).isTrue();
        String log = String.join("\n", output);
        assertThat(process.exitValue()).as("python3 -m unittest exit code; its output:\n%s", log).isZero();
        assertThat(log).as("the suite must have run, not been skipped").contains("\nOK").doesNotContain("JOBPOOL_URL is not set");
    }

    private static void copyLines(Process process, List<String> output) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                synchronized (output) {
                    output.add(line);
                }
                System.out.println("[python] " + line);
            }
        } catch (IOException e) {
            System.out.println("[python] output lost: " + e);
        }
    }

    /** True if {@code python --version} runs and says 3.8 or newer. */
    private static boolean supportedPython(String python) throws InterruptedException {
        try {
            Process version = new ProcessBuilder(python, "--version").redirectErrorStream(true).start();
            String text = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!version.waitFor(30, TimeUnit.SECONDS) || version.exitValue() != 0) {
                return false;
            }
            Matcher matcher = VERSION.matcher(text);
            if (!matcher.find()) {
                return false;
            }
            int major = Integer.parseInt(matcher.group(1));
            int minor = Integer.parseInt(matcher.group(2));
            System.out.println("[python] using " + text.trim());
            return major > 3 || major == 3 && minor >= 8;
        } catch (IOException e) {
            return false;
        }
    }
}
