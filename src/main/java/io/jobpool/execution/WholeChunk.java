package io.jobpool.execution;

import io.jobpool.function.ChunkedFunction;
import io.jobpool.function.spi.ItemFailure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One chunk of a {@link ChunkedFunction}, on the worker thread that runs it: asks the function for
 * the whole chunk, then again for the items that failed while retries are left, and writes the
 * outcomes to the sink in index order as they become final.
 *
 * <p>Outcomes stream into the sink as they arrive (so progress and streams stay live during a long
 * chunk) until an item fails that will be tried again: the sink takes items in index order only, so
 * the items after it wait until the retry has answered it.
 */
final class WholeChunk implements ChunkedFunction.Answers {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WholeChunk.class);

    private final TaskRun run;
    private final Chunk chunk;
    private final ChunkSink sink;
    private final int retries;
    private final Object[] values;
    private final String[] errorTypes;
    private final String[] errorMessages;
    /** The round in which each item got its current outcome; -1 while it has none (not yet, or asked again). */
    private final int[] answeredIn;
    private int round;
    private int[] asked;
    private int answered;
    private int written;
    private int succeeded;
    private int failures;
    private long lastPublish = System.nanoTime();
    private boolean stopped;
    private boolean interrupted;

    WholeChunk(TaskRun run, Chunk chunk, ChunkSink sink) {
        this.run = run;
        this.chunk = chunk;
        this.sink = sink;
        this.retries = run.task().options().retries();
        this.values = new Object[chunk.size()];
        this.errorTypes = new String[chunk.size()];
        this.errorMessages = new String[chunk.size()];
        this.answeredIn = new int[chunk.size()];
        Arrays.fill(answeredIn, -1);
    }

    /** Runs the chunk; false if the task ended meanwhile and the outcomes not written yet are dropped. */
    boolean run(ChunkedFunction function) {
        long started = System.nanoTime();
        int[] offsets = new int[chunk.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = i;
        }
        for (round = 0; round <= retries && offsets.length > 0 && !stopped; round++) {
            if (round == 0) {
                ask(function, offsets);
            } else {
                // one item at a time: an item that kills its process must not take the others with it again
                run.meters().retried().increment(offsets.length);
                for (int offset : offsets) {
                    if (!stopped && !ask(function, new int[] {offset})) {
                        return false;
                    }
                }
            }
            if (interrupted) {
                return false;
            }
            offsets = failedOffsets(offsets);
        }
        if (stopped || run.isFinished()) {
            return false;
        }
        long nanos = System.nanoTime() - started;
        run.recordTiming(chunk.size(), nanos);
        run.meters().itemDuration().record(nanos / chunk.size(), TimeUnit.NANOSECONDS);
        sink.flush();
        run.publish(succeeded, failures);
        return true;
    }

    /** Asks the function for the items at {@code offsets}; false if the call was interrupted (the task ended). */
    private boolean ask(ChunkedFunction function, int[] offsets) {
        asked = offsets;
        answered = 0;
        List<Object> inputs = new ArrayList<>(offsets.length);
        for (int offset : offsets) {
            answeredIn[offset] = -1;
            inputs.add(run.task().inputs().get(chunk.start() + offset));
        }
        try {
            function.applyChunk(inputs, run.task().params(), this);
        } catch (InterruptedException e) {
            interrupted = true;
            return false;
        } catch (RuntimeException e) {
            // a bug of the function, not of the items: they fail with it instead of waiting for ever
            log.error("Job {}: {} failed on a chunk", run.task().label(), function.name(), e);
            while (answered < asked.length && !stopped) {
                error(e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
            }
            return !stopped;
        }
        while (answered < asked.length) {
            // a broken promise of the function, not of the client's input: said, not hidden
            error("NoAnswer", "the function returned without answering this item");
        }
        return true;
    }

    private int[] failedOffsets(int[] offsets) {
        int[] failed = new int[offsets.length];
        int count = 0;
        for (int offset : offsets) {
            if (offset >= written && errorTypes[offset] != null) {
                failed[count++] = offset;
            }
        }
        return Arrays.copyOf(failed, count);
    }

    @Override
    public void value(Object value) {
        int offset = next();
        values[offset] = value;
        errorTypes[offset] = null;
        errorMessages[offset] = null;
        writeFinal();
    }

    /** Many values, written (and the clock read) once for all of them. */
    @Override
    public void values(List<?> answers) {
        for (Object value : answers) {
            int offset = next();
            values[offset] = value;
            errorTypes[offset] = null;
            errorMessages[offset] = null;
        }
        writeFinal();
    }

    @Override
    public void error(String type, String message) {
        int offset = next();
        errorTypes[offset] = type;
        // an error always has a message: the result store and the API count on it
        errorMessages[offset] = String.valueOf(message);
        writeFinal();
    }

    private int next() {
        if (answered >= asked.length) {
            throw new IllegalStateException("more answers than the " + asked.length + " items asked");
        }
        int offset = asked[answered++];
        answeredIn[offset] = round;
        return offset;
    }

    /** Writes every outcome from the first unwritten one that is final: a value, or an error with no retry left. */
    private void writeFinal() {
        if (stopped || run.isFinished()) {
            stopped = true;
            return;
        }
        while (written < values.length && answeredIn[written] >= 0) {
            int offset = written;
            if (errorTypes[offset] != null && answeredIn[offset] < retries) {
                break;
            }
            written++;
            int index = chunk.start() + offset;
            if (errorTypes[offset] == null) {
                try {
                    sink.succeeded(index, values[offset]);
                    succeeded++;
                    continue;
                } catch (ItemFailure e) {
                    errorTypes[offset] = e.type();
                    errorMessages[offset] = String.valueOf(e.getMessage());
                }
            }
            sink.failed(index, errorTypes[offset], errorMessages[offset]);
            failures++;
            if (run.task().options().failFast()) {
                run.failFast(new TaskRun.Failure(index, errorTypes[offset], errorMessages[offset]), sink, succeeded, failures);
                stopped = true;
                // the job has ended: the call still running for it ends too, as its other chunks' calls do
                // (finish() interrupts every worker of the task but this one); the Worker clears the flag
                Thread.currentThread().interrupt();
                return;
            }
        }
        long now = System.nanoTime();
        if (now - lastPublish > TaskRun.PUBLISH_NANOS) {
            sink.flush();
            run.publish(succeeded, failures);
            succeeded = 0;
            failures = 0;
            lastPublish = now;
        }
    }
}
