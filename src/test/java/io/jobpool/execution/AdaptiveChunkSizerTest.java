package io.jobpool.execution;

import io.jobpool.function.builtin.Square;
import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AdaptiveChunkSizerTest {

    private final AdaptiveChunkSizer sizer = new AdaptiveChunkSizer(20_000_000);

    @Test
    void firstChunkIsOneItemThenGrowsAtMostFourfold() {
        TaskRun run = run(1_000_000, null);

        assertThat(sizer.nextChunkSize(run, 2)).isEqualTo(1);
        run.claim(1);
        recordTiming(run, 1, 100);   // 100 ns per item: the target alone would allow 200,000
        assertThat(sizer.nextChunkSize(run, 2)).isEqualTo(4);
    }

    @Test
    void slowItemsGetChunksOfAboutTheTargetDuration() {
        TaskRun run = run(1_000, null);
        run.claim(64);
        recordTiming(run, 64, 64 * 5_000_000L); // 5 ms per item, 20 ms target

        assertThat(sizer.nextChunkSize(run, 2)).isEqualTo(4);
    }

    @Test
    void chunksNeverTakeMoreThanAFairShareOfWhatIsLeft() {
        TaskRun run = run(100, null);
        run.claim(60);
        recordTiming(run, 60, 60);

        assertThat(sizer.nextChunkSize(run, 2)).isEqualTo(10);
    }

    @Test
    void fixedChunkSizeWins() {
        assertThat(sizer.nextChunkSize(run(100, 7), 2)).isEqualTo(7);
    }

    private static TaskRun run(int items, Integer chunkSize) {
        MapTask task = new MapTask(new Square(), Map.of(), Collections.nCopies(items, 1), RunOptions.DEFAULTS.withChunkSize(chunkSize), "test", "test");
        return new TaskRun(task, null, null, null, null);
    }

    private static void recordTiming(TaskRun run, long items, long nanos) {
        run.recordTiming(items, nanos);
    }
}
