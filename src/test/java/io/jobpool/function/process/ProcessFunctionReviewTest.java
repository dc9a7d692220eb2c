package io.jobpool.function.process;

import io.jobpool.function.ChunkedFunction;
import io.jobpool.function.spi.Kind;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Review findings on {@link ProcessFunction} and {@link WorkerProcess}, each against real (sh)
 * processes. Each test was written first, failing on the reviewed code; the fixes made them pass.
 */
@Timeout(60)
class ProcessFunctionReviewTest {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Long> pids = new ArrayList<>();
    private ProcessFunctions functions;

    @AfterEach
    void cleanUp() {
        if (functions != null) {
            functions.close();
        }
        // whatever a test leaked, it does not outlive the test
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A worker that closes its standard output under a chunk but keeps running: the chunk's items fail
     * as WorkerCrashed and the slot forgets the process, but nobody ever ends it (ending() kills only on
     * a protocol error; ended() only sets givenUp). The process and its stderr reader thread live on;
     * close() at shutdown cannot see it any more.
     */
    @Test
    void aProcessThatClosesItsOutputUnderAChunkIsEnded() throws Exception {
        Path pid = dir.resolve("pid");
        ProcessFunction function = function("closer", "echo $$ > " + pid + "; echo '{\"ready\":true}'; read line; "
                + "exec 1>&-; exec sleep 300", Map.of());

        Recorded answers = new Recorded();
        function.applyChunk(List.of(1, 2), Map.of(), answers);

        assertThat(answers.errors).hasSize(2).allMatch(error -> error.startsWith("WorkerCrashed"));
        long worker = pidOf(pid);
        assertThat(waitGone(worker, Duration.ofSeconds(5)))
                .as("the worker process %d that closed its output is still running, owned by no slot", worker).isTrue();
    }

    /**
     * close() skips a slot that warm() holds while the slot's process starts (its initializer runs):
     * once ready, the process goes back to the free queue and nobody ever retires it. At shutdown this
     * is common: Engine.stop interrupts running chunks, whose processes are killed and replaced by a
     * warm() started at once, just before ProcessFunctions.close().
     */
    @Test
    void closeWhileAProcessStartsLeavesNoProcessBehind() throws Exception {
        Path pid = dir.resolve("pid");
        functions(spec("slowstart", "echo $$ > " + pid + "; sleep 1; echo '{\"ready\":true}'; "
                + "while read line; do :; done", Map.of(), Duration.ofSeconds(10)));
        functions.warmAll();
        long worker = pidOf(pid); // the initializer is running

        functions.close();
        functions = null;

        assertThat(waitGone(worker, Duration.ofSeconds(6)))
                .as("the worker process %d that was starting when the service closed is still running", worker).isTrue();
    }

    /**
     * At close the idle processes are retired: stdin closed, then kill() after a 2 s grace. But close()
     * shuts the I/O executor right away, so the grace task's kill() gets RejectedExecutionException
     * after its SIGTERM, and the SIGKILL half-a-second later is never sent: a worker that ignores
     * SIGTERM and does not exit on end of input outlives the service.
     */
    @Test
    void closeEndsAWorkerThatIgnoresSigterm() throws Exception {
        Path pid = dir.resolve("pid");
        functions(spec("stubborn", "trap '' TERM; echo $$ > " + pid + "; echo '{\"ready\":true}'; "
                + "while true; do sleep 0.1; done", Map.of(), Duration.ofSeconds(10)));
        functions.warmAll();
        long worker = pidOf(pid);
        awaitAlive(functions.all().get(0), 1);

        functions.close();
        functions = null;

        assertThat(waitGone(worker, Duration.ofSeconds(6)))
                .as("the worker process %d ignoring SIGTERM is still running after close()", worker).isTrue();
    }

    /**
     * A start that throws a RuntimeException (here: an environment variable name with '=', which no
     * validation refuses) is neither a StartFailed nor backed off: applyChunk throws it out of the worker
     * thread (the chunk's items never get an answer and the job hangs), and warm() reschedules itself
     * with no delay, spinning a new start (and a dead I/O thread) as fast as it can.
     */
    @Test
    void aStartThatThrowsIsAStartFailureWithBackOff() throws Exception {
        // a NUL in a value: ProcessBuilder refuses it with an IllegalArgumentException, not an IOException
        ProcessFunction function = function("badenv", "echo '{\"ready\":true}'; while read line; do :; done",
                Map.of("A", "1\0"));

        Recorded answers = new Recorded();
        assertThatCode(() -> function.applyChunk(List.of(1), Map.of(), answers)).doesNotThrowAnyException();
        assertThat(answers.errors).singleElement().asString().startsWith("WorkerStartFailed");
    }

    /**
     * A worker that says it is ready and then closes its output is ended between chunks, and its
     * replacements back off as after crashes: not a restart every quarter second for ever.
     */
    @Test
    void aWorkerThatClosesItsOutputWhenIdleIsReplacedWithBackOff() throws Exception {
        function("mute", "echo '{\"ready\":true}'; exec 1>&-; exec sleep 300", Map.of());

        functions.warmAll();
        Thread.sleep(2000);
        double starts = registry.counter("jobpool.process.starts", "function", "mute").count();
        assertThat(starts).as("starts within 2 s, backing off 0.25 s, 0.5 s, 1 s ...").isBetween(2.0, 5.0);
    }

    /** A name no environment can hold is refused when the function is registered, not when it starts. */
    @Test
    void environmentNamesAreCheckedAtRegistration() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> spec("badname", "true", Map.of("A=B", "1"), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'A=B' cannot be the name of an environment variable");
    }

    /** The same start failure in the background: warm() retries it with no delay, without end. */
    @Test
    void aStartThatThrowsInTheBackgroundIsBackedOff() throws Exception {
        function("badenv", "echo '{\"ready\":true}'; while read line; do :; done", Map.of("A", "1\0"));

        functions.warmAll();
        Thread.sleep(1000);
        double starts = registry.counter("jobpool.process.starts", "function", "badenv").count();
        assertThat(starts).as("starts within a second of warmAll(), with a back-off of 0.25 s doubling").isLessThan(10);
    }

    /**
     * The memory limit is checked only on slot.process, which is set after the ready line: an
     * initializer (where models are loaded) can grow without bound for the whole startup-timeout.
     * Here it holds 200 MB for 3 s with a limit of 50 MB, checked 4 times a second, and is not ended.
     */
    @Test
    void theMemoryLimitHoldsWhileTheInitializerRuns() throws Exception {
        Path pid = dir.resolve("pid");
        String init = "import os, sys, time\n"
                + "open('" + pid + "', 'w').write(str(os.getpid()))\n"
                + "hog = b'x' * (200 << 20)\n"
                + "time.sleep(3)\n"
                + "print('{\"ready\":true}', flush=True)\n"
                + "sys.stdin.read()\n";
        functions = new ProcessFunctions(List.of(new ProcessFunctionSpec("hog", List.of("python3", "-c", init), 1, Kind.IO,
                "hog", Map.of("type", "object"), 0, Duration.ofSeconds(20), Duration.ofMinutes(30), Map.of(), null,
                50L << 20, 1 << 20)), MAPPER, registry);
        functions.warmAll();
        long worker = pidOf(pid);

        assertThat(waitGone(worker, Duration.ofSeconds(2)))
                .as("the process %d over its memory-limit in its initializer is still running", worker).isTrue();
    }

    // ---- helpers

    private ProcessFunctionSpec spec(String name, String script, Map<String, String> environment, Duration startup) {
        return new ProcessFunctionSpec(name, List.of("sh", "-c", script), 1, Kind.IO, name, Map.of("type", "object"),
                0, startup, Duration.ofMinutes(30), environment, null, 0, 1 << 20);
    }

    private void functions(ProcessFunctionSpec spec) {
        functions = new ProcessFunctions(List.of(spec), MAPPER, registry);
    }

    /** A function whose processes are not started in the background: applyChunk starts them. */
    private ProcessFunction function(String name, String script, Map<String, String> environment) {
        functions(spec(name, script, environment, Duration.ofSeconds(10)));
        return functions.all().get(0);
    }

    private long pidOf(Path file) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                String text = Files.readString(file).trim();
                if (!text.isEmpty()) {
                    long pid = Long.parseLong(text);
                    pids.add(pid);
                    return pid;
                }
            }
            Thread.sleep(20);
        }
        throw new IOException("no pid in " + file);
    }

    private static boolean waitGone(long pid, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (ProcessHandle.of(pid).map(handle -> !handle.isAlive()).orElse(true)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    private static void awaitAlive(ProcessFunction function, int alive) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (function.health().alive() < alive && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(function.health().alive()).isEqualTo(alive);
    }

    /** "value" or "Type: message", in order. */
    private static final class Recorded implements ChunkedFunction.Answers {
        final List<String> values = new CopyOnWriteArrayList<>();
        final List<String> errors = new CopyOnWriteArrayList<>();

        @Override
        public void value(Object value) {
            values.add(String.valueOf(value));
        }

        @Override
        public void error(String type, String message) {
            errors.add(type + ": " + message);
        }
    }
}
