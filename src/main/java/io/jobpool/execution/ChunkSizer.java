package io.jobpool.execution;

/**
 * Decides how many items the next chunk of a task takes. Called by the scheduler under its lock, so
 * implementations must be quick and must not block.
 */
interface ChunkSizer {

    /** How many of {@code run}'s unclaimed items the next chunk should take; at least 1. */
    int nextChunkSize(TaskRun run, int workers);
}
