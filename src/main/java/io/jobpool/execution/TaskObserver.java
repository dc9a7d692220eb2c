package io.jobpool.execution;

/**
 * Receives a task's results as workers produce them. Chunk sinks are used by many worker threads at
 * once, each index reported at most once; {@link #finished} comes exactly once, from whichever thread ended the
 * task (a worker, the deadline timer, or a cancelling request thread). Implementations must be
 * thread-safe and quick: they run on the worker's time.
 */
public interface TaskObserver {

    /** The first chunk started. */
    void started();

    /** Where the results of the chunk starting at {@code start} go; called on the worker that runs it. */
    ChunkSink chunk(int start);

    /** More items are done: their results were flushed and counted. Called often; keep it cheap. */
    void progressed();

    /** The task ended; {@code completed} and {@code failed} are its final item counts. */
    void finished(TaskOutcome outcome, int completed, int failed);
}
