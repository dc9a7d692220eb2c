package io.jobpool.function.process;

import io.jobpool.function.ChunkedFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One running worker process and its end of the protocol (see {@code docs/process-functions.md}).
 *
 * <p>Threads: a reader thread turns standard output into {@link Message}s on a queue, another logs
 * standard error and keeps its last lines; writes go through the shared I/O executor, so the worker
 * thread that serves a chunk only ever blocks on the queue, which an interrupt (cancel, deadline)
 * ends. One chunk at a time: {@link #serve} is called by the one thread that holds the process's slot.
 */
final class WorkerProcess {

    private static final Logger log = LoggerFactory.getLogger(WorkerProcess.class);
    private static final int STDERR_LINES_KEPT = 20;
    private static final int STDERR_LINE_BYTES = 8192;

    /** Why a start failed, with the tail of standard error: the items get it as {@code WorkerStartFailed}. */
    static final class StartFailed extends Exception {
        StartFailed(String message) {
            super(message, null, false, false);
        }
    }

    /** How a process ended under a chunk: the type and message its unanswered items get. */
    record Ending(String type, String message) {
    }

    private final ProcessFunctionSpec spec;
    private final int slot;
    private final Process process;
    private final JsonMapper mapper;
    private final Executor io;
    /** Bounded: a process that writes without being asked blocks on its pipe instead of filling the heap. */
    private final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>(64);
    private final ArrayDeque<String> stderrTail = new ArrayDeque<>();
    private volatile String endedBy;
    /** Items of the chunk being served that have no answer yet: the reader refuses answers nobody asked for. */
    private final java.util.concurrent.atomic.AtomicInteger outstanding = new java.util.concurrent.atomic.AtomicInteger();
    /** Set when the service ends the process or stops using it: its messages will not be read. */
    private volatile boolean givenUp;
    private long itemsServed;
    private java.util.concurrent.CompletableFuture<Void> writes = java.util.concurrent.CompletableFuture.completedFuture(null);
    private long idleSinceNanos = System.nanoTime();

    private WorkerProcess(ProcessFunctionSpec spec, int slot, Process process, JsonMapper mapper, Executor io) {
        this.spec = spec;
        this.slot = slot;
        this.process = process;
        this.mapper = mapper;
        this.io = io;
    }

    /** Spawns the command (a fresh program, never a fork of the service) and waits for its ready line. */
    static WorkerProcess start(ProcessFunctionSpec spec, int slot, JsonMapper mapper, Executor io,
                               java.util.Set<WorkerProcess> live) throws StartFailed, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(spec.command());
        builder.environment().clear();
        builder.environment().putAll(spec.environmentOf(slot, System.getenv()));
        if (spec.workingDirectory() != null) {
            builder.directory(spec.workingDirectory().toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new StartFailed("cannot start " + spec.command() + ": " + e.getMessage());
        }
        WorkerProcess worker = new WorkerProcess(spec, slot, process, mapper, io);
        // known from its spawn to its exit: held to the memory limit while its initializer runs, ended at close
        live.add(worker);
        process.onExit().thenRun(() -> live.remove(worker));
        io.execute(worker::readOutput);
        io.execute(worker::readErrors);
        worker.awaitReady();
        return worker;
    }

    private void awaitReady() throws StartFailed, InterruptedException {
        Message first;
        try {
            first = messages.poll(spec.startupTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            kill();
            throw e;
        }
        if (first instanceof Message.Ready) {
            return;
        }
        String why;
        if (first instanceof Message.Ended) {
            // it is exiting on its own: let it, so that its exit code and last words are its own
            why = endedBy != null ? endedBy + " before it was ready" : "it " + exit() + " before it was ready";
            kill();
            throw new StartFailed(why + stderrSummary());
        }
        kill();
        if (first == null) {
            why = "no ready line within " + spec.startupTimeout() + " (startup-timeout)";
        } else if (first instanceof Message.Invalid invalid) {
            why = "it broke the protocol before it was ready: " + invalid.reason();
        } else {
            why = "it answered before it was ready";
        }
        throw new StartFailed(why + stderrSummary());
    }

    long pid() {
        return process.pid();
    }

    int slot() {
        return slot;
    }

    boolean isAlive() {
        return process.isAlive() && endedBy == null;
    }

    long itemsServed() {
        return itemsServed;
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    /** Something is waiting to be read; between chunks, that is stray output. */
    boolean hasMessages() {
        return !messages.isEmpty();
    }

    /** What it wrote while no chunk was asked for, if it did: such a process is not sent another chunk. */
    String strayOutput() {
        Message stray = messages.poll();
        if (stray == null) {
            return null;
        }
        return stray instanceof Message.Invalid invalid ? "broke the protocol between chunks (" + invalid.reason() + ")"
                : stray instanceof Message.Ended ? "closed its output between chunks" : "wrote an answer while no chunk was asked for";
    }

    /**
     * Sends one chunk and passes its answers on in order. Returns null when every item was answered
     * and the process can serve again; otherwise how it ended, after answering every item left with
     * that ending.
     */
    Ending serve(List<?> items, Map<String, Object> params, ChunkedFunction.Answers answers) throws InterruptedException {
        byte[] line = ChunkLine.encode(mapper, params, items);
        if (line.length + 1 > spec.maxMessageBytes()) {
            // the process stays good: only this chunk is too big for it
            answerAll(items.size(), answers, new Ending("ProtocolError", "the chunk's message is " + line.length
                    + " bytes, over max-message-size (" + spec.maxMessageBytes() + "): send smaller items or a smaller chunkSize"));
            return null;
        }
        outstanding.set(items.size());
        // one write at a time, in order, even if a worker answers a chunk before it has read all of it
        writes = writes.thenRunAsync(() -> write(line), io);
        int left = items.size();
        while (left > 0) {
            Message message = messages.take();
            // the reader has turned answers to more items than are left into Invalid (see unasked)
            if (message instanceof Message.Values values) {
                answers.values(values.values());
                left -= values.values().size();
            } else if (message instanceof Message.Error error) {
                answers.error(error.type(), error.message());
                left--;
            } else {
                Ending ending = ending(message);
                answerAll(left, answers, ending);
                return ending;
            }
        }
        itemsServed += items.size();
        idleSinceNanos = System.nanoTime();
        return null;
    }

    private Ending ending(Message message) {
        if (message instanceof Message.Ended) {
            String reason = endedBy;
            if (reason != null) {
                return new Ending("MemoryLimitExceeded", reason);
            }
            return new Ending("WorkerCrashed", "the worker process " + pid() + " " + exit() + " before answering"
                    + stderrSummary());
        }
        kill();
        String reason = message instanceof Message.Invalid invalid ? invalid.reason() : "a second ready line";
        return new Ending("ProtocolError", "the worker process " + pid() + " broke the protocol (" + reason
                + "); it was ended");
    }

    private static void answerAll(int count, ChunkedFunction.Answers answers, Ending ending) {
        for (int i = 0; i < count; i++) {
            answers.error(ending.type(), ending.message());
        }
    }

    private void write(byte[] line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write(line);
            in.write('\n');
            in.flush();
        } catch (IOException e) {
            // the process has gone: its output reader reports the end
        }
    }

    // ---- output and errors, each on its own I/O thread

    private void readOutput() {
        LineReader reader = new LineReader(process.getInputStream(), spec.maxMessageBytes(), false);
        try {
            byte[] line;
            while ((line = reader.readLine()) != null) {
                Message message = unasked(Message.parse(mapper, line));
                if (!deliver(message) || message instanceof Message.Invalid) {
                    return;
                }
            }
        } catch (LineReader.TooLong e) {
            deliver(new Message.Invalid(e.getMessage() + " (max-message-size)"));
        } catch (IOException e) {
            // closed under us: the process is ending
        } catch (RuntimeException | Error e) {
            log.error("Process function '{}': reading the output of process {} failed", spec.name(), process.pid(), e);
            deliver(new Message.Invalid("its output could not be read: " + e));
        } finally {
            // whoever waits for answers learns that no more will come
            deliver(new Message.Ended());
        }
    }

    /** An answer to more items than were asked for (or to none) is not the protocol: it could only be misread. */
    private Message unasked(Message message) {
        int answers = message instanceof Message.Values values ? values.values().size() : message instanceof Message.Error ? 1 : 0;
        if (answers == 0) {
            return message;
        }
        int asked = outstanding.get();
        if (answers > asked) {
            return new Message.Invalid(asked == 0 ? "an answer while no chunk was asked for"
                    : answers + " answers when " + asked + " items were left");
        }
        outstanding.addAndGet(-answers);
        return message;
    }

    /**
     * Queues a message, waiting while the queue is full; false once the process is given up (nobody
     * will read its messages any more), so that its reader thread ends.
     */
    private boolean deliver(Message message) {
        try {
            while (!messages.offer(message, 100, TimeUnit.MILLISECONDS)) {
                if (givenUp) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    private void readErrors() {
        LineReader reader = new LineReader(process.getErrorStream(), STDERR_LINE_BYTES, true);
        try {
            byte[] bytes;
            while ((bytes = reader.readLine()) != null) {
                String line = new String(bytes, StandardCharsets.UTF_8);
                log.info("[{} pid {}] {}", spec.name(), process.pid(), line);
                synchronized (stderrTail) {
                    if (stderrTail.size() == STDERR_LINES_KEPT) {
                        stderrTail.removeFirst();
                    }
                    stderrTail.addLast(line);
                }
            }
        } catch (IOException e) {
            // closed: the process has ended
        }
    }

    /** The last lines of standard error, for an error message; waits briefly for them to be read. */
    private String stderrSummary() {
        try {
            process.waitFor(200, TimeUnit.MILLISECONDS);
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (stderrTail) {
            if (stderrTail.isEmpty()) {
                return "; it wrote nothing to standard error";
            }
            return "; the end of its standard error:\n" + String.join("\n", stderrTail);
        }
    }

    /** How the process ended, for a message: its exit code or the signal that killed it. */
    private String exit() {
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                return "closed its standard output";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "closed its standard output";
        }
        return ExitCodes.describe(process.exitValue());
    }

    // ---- ending it

    /** Waits up to {@code nanos} for the process to exit. */
    void awaitExit(long nanos) {
        try {
            process.waitFor(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGKILL, no grace. */
    void killNow() {
        givenUp = true;
        process.destroyForcibly();
    }

    /** Nobody reads its messages any more: its output reader may end. */
    void giveUp() {
        givenUp = true;
    }

    /** Ends it now: SIGTERM, then SIGKILL if it is still there half a second later. */
    void kill() {
        givenUp = true;
        process.destroy();
        try {
            io.execute(() -> {
                try {
                    if (!process.waitFor(500, TimeUnit.MILLISECONDS)) {
                        process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    process.destroyForcibly();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the service is stopping and its I/O threads are gone: no grace
            process.destroyForcibly();
        }
    }

    /** Ends it politely: closes its standard input (the worker exits), then {@link #kill} after {@code grace}. */
    void retire(Duration grace) {
        givenUp = true;
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
        try {
            io.execute(() -> {
                try {
                    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                        kill();
                    }
                } catch (InterruptedException e) {
                    kill();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            kill();
        }
    }

    /** Ends it because it used more memory than allowed: its unanswered items say so. */
    void killForMemory(long residentBytes) {
        endedBy = "the worker process " + pid() + " used " + (residentBytes >> 20) + " MiB, over its memory-limit of "
                + (spec.memoryLimitBytes() >> 20) + " MiB; it was ended";
        process.destroyForcibly();
    }

    /** Resident memory in bytes from {@code /proc}, or -1 where that cannot be read (not Linux, gone). */
    long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
