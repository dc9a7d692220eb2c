package io.jobpool.execution;

/**
 * A contiguous range {@code [start, end)} of one task's items, run by one worker in one go. For a task
 * shared with other members the scheduler hands out {@code [0, size)}: only the size is meant, the
 * range comes with the lease the worker claims.
 */
record Chunk(TaskRun run, int start, int end) {

    Chunk {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("empty chunk [" + start + ", " + end + ")");
        }
    }

    int size() {
        return end - start;
    }
}
