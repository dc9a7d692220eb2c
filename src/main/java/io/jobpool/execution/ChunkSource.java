package io.jobpool.execution;

/**
 * Where a task's chunks come from when it is shared with other members of a cluster: each chunk is a
 * lease this member claims, runs, and commits, so that every member's workers can take part in one
 * task and a chunk whose member is lost can run again elsewhere. A task without a source hands out
 * its own chunks from a cursor ({@link TaskRun#claim}).
 *
 * <p>The task of a source is not counted by its own workers: the source reports every committed
 * chunk, this member's and the others', through {@link TaskRun#counted}, which alone completes it.
 * Called from worker threads, outside the scheduler's lock (a claim may be a network round trip).
 */
public interface ChunkSource {

    /** The next chunk of at most {@code size} items for this member, or {@code null} if none is free now. */
    Claim claim(int size);

    /**
     * How long a chunk of this source should take at least: each one costs a few round trips to the
     * cluster, so they are made longer than the engine's local target.
     */
    long minChunkNanos();

    /** One chunk this member holds: its items' outcomes go to {@link #sink}, then {@link #commit} once all are in. */
    interface Claim {

        int start();

        int end();

        ChunkSink sink();

        /** Stores the outcomes where every member can read them and counts them, unless this member lost the lease. */
        void commit();
    }
}
