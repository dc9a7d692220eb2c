package io.jobpool.execution;

/**
 * Sizes chunks so that one takes about a target duration, learnt from the task's own finished items.
 *
 * <p>The first chunk is a single item (nothing is known yet). After that the size is the target
 * divided by the mean item time measured so far, but it grows at most fourfold per chunk (early
 * measurements are taken before the JIT has warmed up and overstate the speed) and never exceeds a
 * share of what is left, so that every worker still gets a piece at the end. A fixed {@code chunkSize}
 * on the task overrides all of this. Short chunks keep the pool fair (a worker comes back to the
 * scheduler every target duration); long chunks keep the per-chunk overhead small.
 */
final class AdaptiveChunkSizer implements ChunkSizer {

    static final int MAX_CHUNK = 65_536;

    private final long targetNanos;

    AdaptiveChunkSizer(long targetNanos) {
        if (targetNanos <= 0) {
            throw new IllegalArgumentException("target chunk duration must be positive");
        }
        this.targetNanos = targetNanos;
    }

    @Override
    public int nextChunkSize(TaskRun run, int workers) {
        Integer fixed = run.task().options().chunkSize();
        if (fixed != null) {
            return fixed;
        }
        long timedItems = run.timedItems();
        int last = run.lastChunkSize();
        if (timedItems == 0) {
            return last == 0 ? 1 : last;
        }
        long meanNanos = Math.max(1, run.timedNanos() / timedItems);
        long size = Math.max(1, Math.max(targetNanos, run.minChunkNanos()) / meanNanos);
        size = Math.min(size, Math.max(1, (long) last * 4));
        long fairShare = (run.unclaimed() + 2L * workers - 1) / (2L * workers);
        size = Math.min(size, Math.max(1, fairShare));
        return (int) Math.min(size, MAX_CHUNK);
    }
}
