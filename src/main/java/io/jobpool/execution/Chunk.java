package io.jobpool.execution;

/** A contiguous range {@code [start, end)} of one task's items, run by one worker in one go. */
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
