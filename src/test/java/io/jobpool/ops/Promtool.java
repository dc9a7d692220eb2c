package io.jobpool.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Prometheus' own checker, {@code promtool}, run as a process: found on the PATH or at
 * {@code /usr/bin/promtool} (Debian package {@code prometheus}, which {@code .ci/run} installs when it
 * is missing). Where it is not installed, the tests that need it are skipped, saying so.
 */
final class Promtool {

    /** What promtool printed and how it exited. */
    record Result(int exitCode, String output) {

        boolean ok() {
            return exitCode == 0;
        }
    }

    private final Path binary;

    private Promtool(Path binary) {
        this.binary = binary;
    }

    /** The installed promtool; skips the calling test when there is none. */
    static Promtool installed() {
        Optional<Path> binary = find();
        assumeTrue(binary.isPresent(), "promtool is not installed (not on the PATH, no /usr/bin/promtool): "
                + "install the Debian package 'prometheus' (.ci/run does) to check the exposition and the alert rules");
        return new Promtool(binary.get());
    }

    static Optional<Path> find() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, "promtool"));
                }
            }
        }
        candidates.add(Path.of("/usr/bin/promtool"));
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** {@code promtool check metrics}, with the exposition on standard input. */
    Result checkMetrics(String exposition) {
        return run(exposition, "check", "metrics");
    }

    /** {@code promtool check rules --lint=all --lint-fatal} on a rules file. */
    Result checkRules(Path rules) {
        return run(null, "check", "rules", "--lint=all", "--lint-fatal", rules.toString());
    }

    private Result run(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            // written from another thread, so that a promtool answering early cannot block on a full pipe
            Thread writer = new Thread(() -> {
                try (var in = process.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // promtool stopped reading; its exit code and output say why
                }
            }, "promtool-stdin");
            writer.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("promtool did not finish within 60 s: " + command);
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
